"""The born-dead sweep: probability that a net is born dead against depth, one line per width and init."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from relu_tui.app.palette import SERIES_COLORS
from relu_tui.app.screens.main import QUIT
from relu_tui.app.widgets.chart import LineChart, Series

if TYPE_CHECKING:
    from relu_tui.engine.sweep import SweepPoint
    from relu_tui.spec.scenario import Scenario

_COLORS = SERIES_COLORS


class SweepScreen(Screen[None]):
    """Fills in as the grid points finish; escape or w goes back."""

    BINDINGS = [Binding("escape,w", "app.pop_screen", "Back", key_display="w"), QUIT]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        spec = self.scenario.sweep
        about = Text(f"{self.scenario.title}: share of random nets born dead", style="bold")
        about.append(f"\n{spec.trials} nets per point, one input on [{spec.low:.3g}, {spec.high:.3g}], "
                     "He (solid) vs RAI (dotted); every input giving the same output counts as born dead.",
                     style="dim")
        yield Static(about, id="sweep-title")
        yield ProgressBar(total=spec.size, id="sweep-progress", show_eta=False)
        yield LineChart(id="sweep-plot")
        yield Static(id="sweep-legend")
        yield Static(id="sweep-table")
        yield Footer()

    def show(self, points: list[SweepPoint]) -> None:
        spec = self.scenario.sweep
        self.query_one(ProgressBar).update(progress=len(points))
        series, legend = [], Text()
        for w_index, width in enumerate(spec.widths):
            color = _COLORS[w_index % len(_COLORS)]
            legend.append(f"width {width}: ", style=color)
            for init in spec.inits:
                dotted = init != "he"
                legend.append(f"{'··' if dotted else '──'} {init}  ", style=color)
                line = sorted((p.depth, p.born_dead_fraction) for p in points if p.width == width and p.init == init)
                if line:
                    depth, share = np.array(line, dtype=float).T
                    series.append(Series(depth, share, color, dotted=dotted))
            legend.append("  ")
        self.query_one(LineChart).plot(series, (min(spec.depths), max(spec.depths)), (0.0, 1.0),
                                       x_label="depth (hidden layers) · y: P(born dead)")
        self.query_one("#sweep-legend", Static).update(legend)
        done = len(points) == spec.size
        self.query_one("#sweep-table", Static).update(
            Text("done" if done else f"{len(points)} of {spec.size} grid points…", style="dim"))
