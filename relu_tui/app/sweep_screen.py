"""The born-dead sweep: probability that a net is born dead against depth, one line per width and init."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..sweep import SweepPoint

_COLORS = ("red", "orange", "yellow", "green", "cyan", "blue", "magenta", "white")


class SweepScreen(Screen[None]):
    """Fills in as the grid points finish; escape or w goes back."""

    BINDINGS = [Binding("escape,w", "app.pop_screen", "Back", key_display="w")]

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
        yield PlotextPlot(id="sweep-plot")
        yield Static(id="sweep-table")
        yield Footer()

    def show(self, points: list[SweepPoint]) -> None:
        spec = self.scenario.sweep
        self.query_one(ProgressBar).update(progress=len(points))
        plt = self.query_one(PlotextPlot).plt
        plt.clear_data()
        plt.clear_figure()
        for w_index, width in enumerate(spec.widths):
            for init in spec.inits:
                line = sorted((p.depth, p.born_dead_fraction) for p in points if p.width == width and p.init == init)
                if line:
                    plt.plot([d for d, _ in line], [f for _, f in line], label=f"width {width} {init}",
                             color=_COLORS[w_index % len(_COLORS)], marker="hd" if init == "he" else "dot")
        plt.ylim(0, 1.02)
        plt.xlim(min(spec.depths), max(spec.depths))
        plt.xlabel("depth (hidden layers)")
        plt.ylabel("P(born dead)")
        self.query_one(PlotextPlot).refresh()
        done = len(points) == spec.size
        self.query_one("#sweep-table", Static).update(
            Text("done" if done else f"{len(points)} of {spec.size} grid points…", style="dim"))
