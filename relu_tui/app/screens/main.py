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

from relu_tui.app.widgets.curves import Curves
from relu_tui.app.widgets.gradients import GradientBars
from relu_tui.app.widgets.heatmap import Heatmap
from relu_tui.app.widgets.lines import Layout, TextPanel
from relu_tui.app.widgets.network_charts import FitView, LayerHistogram
from relu_tui.app.widgets.panels import inspector_text, network_text, outline_text, preview_status
from relu_tui.app.widgets.pictures import UnitPictures
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
EXPERIMENT_BINDINGS = [
    Binding("m", "app.edit", "Edit", group=_STEP,
            tooltip="Edit the data, layers and training; the result is the variant 'edited', same seed", id="edit"),
    Binding("i", "app.intervene", "Intervene", group=_STEP,
            tooltip="On the selected unit or its layer: set its bias or weights, swap the activation, "
                    "set the learning rate, revive dead and dormant units (an event at the next epoch)", id="intervene"),
]


def _has_layers_panel(snap: Snapshot) -> bool:
    """Data neither two-feature (the input plane) nor one input to regress (the fit): the Layers panel."""
    return snap.plane is None and snap.fit is None


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
        *TRAINING_BINDINGS[:7],  # stepping and playing, then (in the same group) editing and intervening
        *EXPERIMENT_BINDINGS,
        *TRAINING_BINDINGS[7:],
        Binding("up,k", "app.move(-1)", "Select ↑", key_display="↑", group=_VIEW, tooltip="Select the previous unit",
                id="up"),
        Binding("down,j", "app.move(1)", "Select ↓", key_display="↓", group=_VIEW, tooltip="Select the next unit",
                id="down"),
        Binding("tab", "app.layer(1)", "Layer", key_display="tab", group=_VIEW,
                tooltip="Select a unit in the next layer (shift+tab: previous)", id="layer"),
        Binding("shift+tab", "app.layer(-1)", "", show=False),
        HEATMAP_BINDING,
        Binding("t", "pictures", "Pictures", group=_VIEW,
                tooltip="Every unit's picture over the input plane, in place of the heatmap (two-feature data)",
                id="pictures"),
        # x and d are in the help, not the footer: with them the footer passes 80 columns and hides Quit.
        Binding("x", "test_points", "Test pts", group=_VIEW, show=False,
                tooltip="Show or hide the test points on the input plane", id="test-points"),
        Binding("d", "discretize", "Discretize", group=_VIEW, show=False,
                tooltip="The input plane: the network's output by class, or the selected unit's activation",
                id="discretize"),
        Binding("1", "app.variant(1)", "Variant", key_display="1-9", group=_VIEW, tooltip="Switch to variant 1..9",
                id="variant"),
        *(Binding(str(k), f"app.variant({k})", "", show=False) for k in range(2, 10)),
        Binding("c", "app.compare", "Compare", group=_VIEW, tooltip="All variants side by side, in lockstep",
                id="compare"),
        Binding("w", "app.sweep", "Sweep", group=_VIEW,
                tooltip="Born-dead probability against depth (scenarios with a sweep)", id="sweep"),
        Binding("o", "app.open", "Open", group=_FILE, tooltip="Open another bundled scenario", id="open"),
        *FILE_BINDINGS,
        Binding("ctrl+s", "app.save", "Save", key_display="^s", group=_FILE,
                tooltip="Save the scenario on screen, edits and events included, as a TOML file", id="save"),
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
                yield UnitPictures(id="pictures")
                with Horizontal(id="lower"):
                    yield GradientBars(id="gradients")
                    yield InputPlane(id="plane")
                    yield FitView(id="fit")
                    with Horizontal(id="layers"):
                        yield LayerSpreadView(id="spread", histogram=False)
                        yield LayerHistogram(id="histogram")
                yield Curves(id="curves")
        yield TooSmall(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for widget_id, title in (("network", "Network"), ("inspector", "Selected unit"),
                                 ("gradients", "Gradient norm, log scale"), ("plane", "Input plane"),
                                 ("pictures", "Every unit over the input plane (t: heatmap)"),
                                 ("layers", "Layers: spread of the activations")):
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
        # two features: the input plane; one input to regress: the fit; any other: the layers' spreads
        self.set_class(snap.fit is not None, "-fit")
        self.set_class(_has_layers_panel(snap), "-layers")
        self.set_class(snap.plane is not None and self.pictures, "-pictures")
        self.query_one(InputPlane).show(snap, selected)
        self.query_one(UnitPictures).show(snap, selected)
        self.query_one(FitView).show(snap)
        if _has_layers_panel(snap):  # the spreads are worked out only for the panel that shows them
            self.query_one(LayerSpreadView).show(snap, selected[0])
            self._layers_title(self.query_one(LayerHistogram).show(snap, selected[0]))
        self.query_one(Curves).show(snap)
        self._show_unit(snap, selected)

    def select(self, snap: Snapshot, selected: tuple[int, int]) -> None:
        """Another unit selected: the panels that show it."""
        self.query_one(Heatmap).select(selected)
        self.query_one(GradientBars).select(selected)
        self.query_one(InputPlane).select(selected)
        self.query_one(UnitPictures).select(selected)
        if _has_layers_panel(snap):
            self.query_one(LayerSpreadView).select(selected[0])
            self._layers_title(self.query_one(LayerHistogram).show(snap, selected[0]))
        self._show_unit(snap, selected)

    _shown_title = ""

    def _layers_title(self, title: str) -> None:
        if title != self._shown_title:  # setting a border title repaints the whole panel
            self.query_one("#layers").border_title = self._shown_title = title

    pictures = False  # the unit pictures in place of the heatmap

    def action_pictures(self) -> None:
        snap = self.app.current
        if snap is not None and snap.plane is None:
            self.notify("Unit pictures need two input features.", severity="warning")
            return
        self.pictures = not self.pictures
        self.set_class(self.pictures, "-pictures")

    def action_test_points(self) -> None:
        self.query_one(InputPlane).toggle(test=True)

    def action_discretize(self) -> None:
        self.query_one(InputPlane).toggle(discrete=True)

    def _show_unit(self, snap: Snapshot, selected: tuple[int, int]) -> None:
        self.query_one("#network", TextPanel).update(
            lambda width, height: network_text(snap, selected, max(height, 4), max(width, 20)))
        self.query_one("#inspector", TextPanel).update(inspector_text(snap, selected))

    def set_status(self, status: Layout) -> None:
        self.query_one("#status", TextPanel).update(status)
