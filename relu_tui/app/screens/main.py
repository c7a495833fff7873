"""The main view: status, network, selected unit, heatmap, gradients, input plane or layers, curves.

A Screen of its own, so its keys are its own: a modal screen over it (help, the picker) never
passes a key through to training. Each panel lays itself out for its current size, so a resized
terminal shows the layout and the contents for the new size at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer

from relu_tui.app.widgets.curves import LEGEND, Curves
from relu_tui.app.widgets.gradients import GradientBars
from relu_tui.app.widgets.heatmap import Heatmap
from relu_tui.app.widgets.lines import Layout, TextPanel
from relu_tui.app.widgets.panels import inspector_text, network_text, outline_text, preview_status
from relu_tui.app.widgets.plane import InputPlane
from relu_tui.app.widgets.spread import LayerSpreadView

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot
    from relu_tui.spec.scenario import Scenario

MIN_SIZE = (80, 24)
# every screen gets the size classes of the terminal it is drawn on, applied by Textual on each resize
HORIZONTAL_BREAKPOINTS = [(0, "-w-tiny"), (MIN_SIZE[0], "-w-narrow"), (110, "-w-wide")]
VERTICAL_BREAKPOINTS = [(0, "-h-tiny"), (MIN_SIZE[1], "-h-short"), (36, "-h-tall")]

_STEP = Binding.Group("Train", compact=True)
_PLAY = _STEP
_TIME = Binding.Group("Time", compact=True)
_VIEW = Binding.Group("View", compact=True)
_FILE = Binding.Group("Files", compact=True)

QUIT = Binding("q", "app.quit", "Quit", tooltip="Quit", id="quit")
HELP = Binding("question_mark", "app.help", "Help", key_display="?", tooltip="Keys, colours, the scenario", id="help")
TRAINING_BINDINGS = [
    Binding("space", "app.step", "Epoch", key_display="␣", group=_STEP, tooltip="Train one epoch", id="step"),
    Binding("n", "app.batch", "Batch", group=_STEP, tooltip="Train one mini-batch", id="batch"),
    Binding("f", "app.step(10)", "+10", group=_STEP, tooltip="Train ten epochs", id="ten"),
    Binding("u", "app.until", "Until", group=_STEP, tooltip="Train until some unit changes state (any key stops it)",
            id="until"),
    Binding("p", "app.play", "Play", group=_PLAY, tooltip="Play / pause (auto-step)", id="play"),
    Binding("plus,equals_sign", "app.speed(1)", "Faster", key_display="+", group=_PLAY, tooltip="Play faster",
            id="faster"),
    Binding("minus", "app.speed(-1)", "Slower", key_display="-", group=_PLAY, tooltip="Play slower", id="slower"),
    Binding("left", "app.back", "Back", key_display="←", group=_TIME, tooltip="Rewind one epoch", id="back"),
    Binding("right", "app.forward", "Forward", key_display="→", group=_TIME, tooltip="Forward one epoch",
            id="forward"),
    Binding("r", "app.reset", "Reset", group=_TIME, tooltip="Back to epoch 0, the same initial weights", id="reset"),
    Binding("R", "app.reseed", "New seed", key_display="R", group=_TIME,
            tooltip="Start again from a new seed (new data and weights)", id="reseed"),
]
HEATMAP_BINDING = Binding("v", "app.heatmap_mode", "Heatmap", group=_VIEW,
                          tooltip="Heatmap: activations / active share per epoch / gradient per epoch", id="mode")
FILE_BINDINGS = [
    Binding("e", "app.export", "Export", group=_FILE, tooltip="Write the history as JSONL and CSV", id="export"),
    Binding("s", "app.screenshot", "SVG", group=_FILE, tooltip="Save an SVG screenshot", id="screenshot"),
]


class TooSmall(TextPanel):
    """Shown instead of the panels (by the -w-tiny and -h-tiny size classes): the size, and the least."""

    def on_mount(self) -> None:
        self.update(self._message)

    def _message(self, width: int, height: int) -> Text:
        columns, rows = self.app.size
        return Text(f"The terminal is {columns}×{rows}; relu-tui needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}. "
                    "Enlarge the window (q quits).", justify="center")


class MainScreen(Screen[None]):
    """Every binding appears in the Footer and on the help screen (?)."""

    BINDINGS = [
        *TRAINING_BINDINGS,
        Binding("up,k", "app.move(-1)", "Select ↑", key_display="↑", group=_VIEW, tooltip="Select the previous unit",
                id="up"),
        Binding("down,j", "app.move(1)", "Select ↓", key_display="↓", group=_VIEW, tooltip="Select the next unit",
                id="down"),
        Binding("tab", "app.layer(1)", "Layer", key_display="tab", group=_VIEW,
                tooltip="Select a unit in the next layer (shift+tab: previous)", id="layer"),
        Binding("shift+tab", "app.layer(-1)", "", show=False),
        HEATMAP_BINDING,
        Binding("1", "app.variant(1)", "Variant", key_display="1-9", group=_VIEW, tooltip="Switch to variant 1..9",
                id="variant"),
        *(Binding(str(k), f"app.variant({k})", "", show=False) for k in range(2, 10)),
        Binding("c", "app.compare", "Compare", group=_VIEW, tooltip="All variants side by side, in lockstep",
                id="compare"),
        Binding("w", "app.sweep", "Sweep", group=_VIEW,
                tooltip="Born-dead probability against depth (scenarios with a sweep)", id="sweep"),
        Binding("o", "app.open", "Open", group=_FILE, tooltip="Open another bundled scenario", id="open"),
        *FILE_BINDINGS,
        HELP,
        QUIT,
    ]

    def compose(self) -> ComposeResult:
        yield TextPanel(id="status", wrap=False)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield TextPanel(id="network", wrap=False)
                yield TextPanel(id="inspector")
            with Vertical(id="right"):
                yield Heatmap(id="heatmap")
                with Horizontal(id="lower"):
                    yield GradientBars(id="gradients")
                    yield InputPlane(id="plane")
                    yield LayerSpreadView(id="spread")
                yield Curves(id="curves")
        yield TooSmall(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for widget_id, title in (("network", "Network"), ("inspector", "Selected unit"),
                                 ("gradients", "Gradient norm, log scale"), ("plane", "Input plane"),
                                 ("spread", "Layers: spread of the activations"),
                                 ("curves", LEGEND)):
            self.query_one(f"#{widget_id}").border_title = title
        self.query_one(Heatmap).border_title = "Activations"

    def preview(self, scenario: Scenario, position: tuple[int, int]) -> None:
        """The scenario as described, while PyTorch loads: the first frame never waits for it."""
        self.query_one("#status", TextPanel).update(preview_status(scenario, position))
        self.query_one("#network", TextPanel).update(outline_text(scenario))
        self.query_one("#inspector", TextPanel).update(Text(" ".join(scenario.description.split()), style="dim"))

    def show(self, snap: Snapshot, selected: tuple[int, int], status: Layout) -> None:
        """A new snapshot: every panel; the status is laid out for the status line's width."""
        self.query_one("#status", TextPanel).update(status)
        self.query_one(Heatmap).show(snap, selected)
        self.query_one(GradientBars).show(snap, selected)
        self.set_class(snap.plane is None, "-no-plane")  # no plane: the layer spreads take its place
        self.query_one(InputPlane).show(snap, selected)
        self.query_one(LayerSpreadView).show(snap)
        self.query_one(Curves).show(snap)
        self._show_unit(snap, selected)

    def select(self, snap: Snapshot, selected: tuple[int, int]) -> None:
        """Another unit selected: the panels that show it."""
        self.query_one(Heatmap).select(selected)
        self.query_one(GradientBars).select(selected)
        self.query_one(InputPlane).select(selected)
        self._show_unit(snap, selected)

    def _show_unit(self, snap: Snapshot, selected: tuple[int, int]) -> None:
        self.query_one("#network", TextPanel).update(
            lambda width, height: network_text(snap, selected, max(height, 4), max(width, 20)))
        self.query_one("#inspector", TextPanel).update(inspector_text(snap, selected))

    def set_status(self, status: Layout) -> None:
        self.query_one("#status", TextPanel).update(status)
