"""The sweep screen: a sweep's chart (:func:`relu_tui.plots.sweep.kind_chart`) filling in as its grid
points finish. Born dead: P(born dead) against depth, with the analytic bound for zero biases; stably
unactivated: P(second-layer unit dead everywhere) against n1, beside dead on the data and the published
value; small targets: the share of units dead after training against the targets' scale."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from relu_tui.app.screens.main import QUIT
from relu_tui.app.widgets.chart import ChartView
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.plots.sweep import kind_chart

if TYPE_CHECKING:
    from relu_tui.engine.small_targets import TargetPoint
    from relu_tui.engine.stably_unactivated import StablePoint
    from relu_tui.engine.sweep import SweepPoint
    from relu_tui.spec.scenario import Scenario


def legend_text(chart) -> Text:
    """The chart's legend on one line: each entry's glyphs in its colour, then its label."""
    text = Text()
    for k, (sample, label, color) in enumerate(chart.legend):
        text.append("   " if k else "")
        text.append(sample, style=color)
        text.append(f" {label}")
    return text


class SweepScreen(Screen[None]):
    """Fills in as the grid points finish; escape or w goes back."""

    BINDINGS = [Binding("escape,w", "app.pop_screen", "Back", key_display="w"), QUIT]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        spec = self.scenario.sweep
        if spec.kind == "small_targets":
            about = Text(f"{self.scenario.title}: share of units dead after training", style="bold")
            about.append(f"\n{spec.trials} regression nets per point, {spec.steps} full-batch SGD steps on y = scale * "
                         "sin(x). ● dead after training; ▲ alive at birth, dead after; grey: dead at birth.",
                         style="dim")
        elif spec.kind == "stably_unactivated":
            about = Text(f"{self.scenario.title}: share of second-layer units dead on all of R^n0", style="bold")
            about.append(f"\n{spec.trials} two-layer nets per point, i.i.d. N(0, 1) weights and biases. ● dead "
                         "everywhere (exact); ▲ dead on a grid of the data range; grey: the published value.",
                         style="dim")
        else:
            about = Text(f"{self.scenario.title}: share of random nets born dead", style="bold")
            about.append(f"\n{spec.trials} nets per point, one input on {spec.points} points of [{spec.low:.3g}, "
                         f"{spec.high:.3g}]; a net is born dead when some layer gives one output for every input. "
                         "Grey: the bound 1 - (1 - 2^-width)^depth for zero biases.", style="dim")
        yield Static(about, id="sweep-title")
        yield ProgressBar(total=spec.size, id="sweep-progress", show_eta=False)
        yield ChartView(id="sweep-plot")
        yield TextPanel(id="sweep-legend", wrap=False)
        yield Static(id="sweep-table")
        yield Footer()

    def show(self, points: list[SweepPoint] | list[StablePoint] | list[TargetPoint]) -> None:
        spec = self.scenario.sweep
        self.query_one(ProgressBar).update(progress=len(points))
        chart = kind_chart(points, spec)
        self.query_one(ChartView).plot([chart])
        self.query_one("#sweep-legend", TextPanel).update(legend_text(chart))
        done = len(points) == spec.size
        self.query_one("#sweep-table", Static).update(
            Text("done" if done else f"{len(points)} of {spec.size} grid points…", style="dim"))
