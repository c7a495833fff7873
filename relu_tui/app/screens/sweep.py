"""The born-dead sweep: probability that a net is born dead against depth, one line per width and init."""

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
from relu_tui.plots.sweep import sweep_chart, sweep_lines

if TYPE_CHECKING:
    from relu_tui.engine.sweep import SweepPoint
    from relu_tui.spec.scenario import Scenario


def legend_text(chart) -> Text:
    """The chart's legend on one line: each entry's glyphs in its colour, then its label."""
    text = Text()
    for sample, label, color in chart.legend:
        text.append(sample, style=color)
        text.append(f" {label}   ")
    return text


class SweepScreen(Screen[None]):
    """Fills in as the grid points finish; escape or w goes back."""

    BINDINGS = [Binding("escape,w", "app.pop_screen", "Back", key_display="w"), QUIT]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        spec = self.scenario.sweep
        about = Text(f"{self.scenario.title}: share of random nets born dead", style="bold")
        about.append(f"\n{spec.trials} nets per point, one input on [{spec.low:.3g}, {spec.high:.3g}]; "
                     "every input giving the same output counts as born dead.", style="dim")
        yield Static(about, id="sweep-title")
        yield ProgressBar(total=spec.size, id="sweep-progress", show_eta=False)
        yield ChartView(id="sweep-plot")
        yield TextPanel(id="sweep-legend", wrap=False)
        yield Static(id="sweep-table")
        yield Footer()

    def show(self, points: list[SweepPoint]) -> None:
        spec = self.scenario.sweep
        self.query_one(ProgressBar).update(progress=len(points))
        chart = sweep_chart(sweep_lines(points), spec.depths, spec.widths, spec.inits)
        self.query_one(ChartView).plot([chart])
        self.query_one("#sweep-legend", TextPanel).update(legend_text(chart))
        done = len(points) == spec.size
        self.query_one("#sweep-table", Static).update(
            Text("done" if done else f"{len(points)} of {spec.size} grid points…", style="dim"))
