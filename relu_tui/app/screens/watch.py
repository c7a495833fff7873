"""``relu-tui watch``'s view: status, the layer overview, selected unit, heatmap, gradients, curves.

A Screen like :class:`~relu_tui.app.screens.main.MainScreen`, drawn with the same widgets: its keys
are its own and call the app's actions; it draws what the app hands it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from relu_tui.app.screens.main import QUIT, TooSmall
from relu_tui.app.widgets.curves import RunCurves
from relu_tui.app.widgets.gradients import GradientBars
from relu_tui.app.widgets.heatmap import RunHeatmap
from relu_tui.app.widgets.lines import Layout, TextPanel
from relu_tui.app.widgets.run_panels import overview_text, unit_text

if TYPE_CHECKING:
    from relu_tui.monitor.view import RunView


_UNIT = Binding.Group("Unit", compact=True)  # ↑↓ as one footer entry, so the footer keeps Quit at 80 columns


class WatchScreen(Screen[None]):
    """Every binding appears in the Footer."""

    BINDINGS = [
        Binding("up,k", "app.move(-1)", "Unit", key_display="↑", tooltip="Select the previous unit", id="up", group=_UNIT),
        Binding("down,j", "app.move(1)", "Unit", key_display="↓", tooltip="Select the next unit", id="down", group=_UNIT),
        Binding("tab", "app.layer(1)", "Next layer", priority=True, tooltip="Select a unit in the next layer",
                id="layer"),
        Binding("shift+tab", "app.layer(-1)", "", show=False, priority=True),
        Binding("n", "app.next_dead(1)", "Next dead", tooltip="Select the next dead unit", id="next-dead"),
        Binding("N", "app.next_dead(-1)", "", show=False),
        Binding("d", "app.dead_only", "Dead only", tooltip="Show and move through the dead units only",
                id="dead-only"),
        Binding("o", "app.order", "Order", tooltip="Order the layer overview: model, dead, dormant, sparse share",
                id="order"),
        Binding("v", "app.heatmap_mode", "Heatmap", tooltip="Heatmap: active share / gradient norm per record",
                id="mode"),
        QUIT,
    ]

    def compose(self) -> ComposeResult:
        yield TextPanel(id="status", wrap=False)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield TextPanel(id="network", wrap=False)
                yield TextPanel(id="inspector")
            with Vertical(id="right"):
                yield RunHeatmap(id="heatmap")
                yield GradientBars(id="gradients", classes="watch-gradients")
                yield RunCurves(id="curves")
        yield TooSmall(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for widget_id, title in (("network", "Layers"), ("inspector", "Selected unit"),
                                 ("gradients", "Gradient norm at the latest record, log scale")):
            self.query_one(f"#{widget_id}").border_title = title

    order = "model"  # the layer overview's order, one of run_panels.ORDERS

    def show(self, view: RunView, selected: tuple[int, int], dead_only: bool = False) -> None:
        """A newer view of the run (shown whole, or its dead units only): every panel but the status."""
        for units in (self.query_one(RunHeatmap), self.query_one(GradientBars)):
            units.dead_only = dead_only
            units.show(view, selected)
        self.query_one(RunCurves).show(view)
        self._show_unit(view, selected)

    def select(self, view: RunView, selected: tuple[int, int]) -> None:
        """Another unit selected: the panels that show it."""
        self.query_one(RunHeatmap).select(selected)
        self.query_one(GradientBars).select(selected)
        self._show_unit(view, selected)

    def _show_unit(self, view: RunView, selected: tuple[int, int]) -> None:
        order = self.order
        self.query_one("#network", TextPanel).update(
            lambda width, height: overview_text(view, selected, order, width, height))
        title = "Layers" if order == "model" else f"Layers by {order} share"
        self.query_one("#network", TextPanel).border_title = title
        self.query_one("#inspector", TextPanel).update(unit_text(view, selected))

    def set_status(self, status: Layout) -> None:
        self.query_one("#status", TextPanel).update(status)
