"""The relu-tui app: step a real training loop by keypress and watch every hidden unit.

The engine (PyTorch, the trainers) lives on one worker thread fed by a command queue, so commands
run in the order they were pressed and the UI never waits for training. The worker publishes
snapshots at a capped frame rate; the UI keeps only the newest one.
"""

from __future__ import annotations

import gc
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from ..scenario import Scenario
from .compare_screen import CompareScreen
from .crashing import ReportingApp, run_reporting
from .curves import LEGEND, Curves
from .gradients import GradientBars
from .heatmap import MODES, Heatmap
from .lines import TextPanel
from .help_screen import HelpScreen
from .panels import inspector_text, network_text, outline_text, preview_status, status_text
from .picker_screen import PickerScreen
from .plane import InputPlane
from .spread import LayerSpreadView
from .sweep_screen import SweepScreen
from .unit_rows import jumped, moved

if TYPE_CHECKING:
    from ..snapshot import Snapshot
    from .session import Session

SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, float("inf"))  # epochs per second in play mode
FRAME_INTERVAL = 1 / 15  # at most 15 repaints a second while playing
DRAW_SHARE = 0.1  # at full speed, building frames may take this share of the time; training gets the rest
UNTIL_LIMIT = 2000  # epochs `u` may run before giving up
MIN_SIZE = (80, 24)
Command = Callable[["Session"], "str | None"]

_STEP = Binding.Group("Step", compact=True)
_PLAY = Binding.Group("Play", compact=True)
_TIME = Binding.Group("Time", compact=True)
_VIEW = Binding.Group("View", compact=True)


class ReluApp(ReportingApp):
    """Keyboard-first; every binding appears in the Footer and on the help screen (?)."""

    CSS_PATH = "relu_tui.tcss"
    TITLE = "relu-tui"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = [
        Binding("space", "step", "Epoch", key_display="␣", group=_STEP, tooltip="Train one epoch", id="step"),
        Binding("n", "batch", "Batch", group=_STEP, tooltip="Train one mini-batch", id="batch"),
        Binding("f", "step(10)", "+10", group=_STEP, tooltip="Train ten epochs", id="ten"),
        Binding("u", "until", "Until", group=_STEP, tooltip="Train until some unit changes state", id="until"),
        Binding("p", "play", "Play", group=_PLAY, tooltip="Play / pause (auto-step)", id="play"),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+", group=_PLAY,
                tooltip="Play faster", id="faster"),
        Binding("minus", "speed(-1)", "Slower", key_display="-", group=_PLAY, tooltip="Play slower", id="slower"),
        Binding("left", "back", "Back", key_display="←", group=_TIME, tooltip="Rewind one epoch", id="back"),
        Binding("right", "forward", "Forward", key_display="→", group=_TIME, tooltip="Forward one epoch",
                id="forward"),
        Binding("r", "reset", "Reset", group=_TIME, tooltip="Back to epoch 0, the same initial weights", id="reset"),
        Binding("R", "reseed", "New seed", key_display="R", group=_TIME,
                tooltip="Start again from a new seed (new data and weights)", id="reseed"),
        Binding("up,k", "move(-1)", "Select ↑", key_display="↑", group=_VIEW, tooltip="Select the previous unit",
                id="up"),
        Binding("down,j", "move(1)", "Select ↓", key_display="↓", group=_VIEW, tooltip="Select the next unit",
                id="down"),
        Binding("tab", "layer(1)", "Next layer", key_display="tab", group=_VIEW, priority=True,
                tooltip="Select a unit in the next layer (shift+tab: previous)", id="layer"),
        Binding("shift+tab", "layer(-1)", "", show=False, priority=True),
        Binding("v", "heatmap_mode", "Heatmap", group=_VIEW,
                tooltip="Heatmap: activations / active share per epoch / gradient per epoch", id="mode"),
        Binding("1", "variant(1)", "Variant", key_display="1-9", group=_VIEW, tooltip="Switch to variant 1..9",
                id="variant"),
        *(Binding(str(k), f"variant({k})", "", show=False) for k in range(2, 10)),
        Binding("c", "compare", "Compare", group=_VIEW, tooltip="All variants side by side, in lockstep",
                id="compare"),
        Binding("w", "sweep", "Sweep", tooltip="Born-dead probability against depth (scenarios with a sweep)",
                id="sweep"),
        Binding("o", "open", "Open", tooltip="Open another bundled scenario", id="open"),
        Binding("e", "export", "Export", tooltip="Write the history as JSONL and CSV", id="export"),
        Binding("s", "screenshot", "SVG", tooltip="Save an SVG screenshot", id="screenshot"),
        Binding("question_mark", "help", "Help", key_display="?", tooltip="Keys, colours, the scenario", id="help"),
        Binding("q", "quit", "Quit", tooltip="Quit", id="quit"),
    ]

    playing: reactive[bool] = reactive(False)
    speed_index: reactive[int] = reactive(3)
    selected: reactive[tuple[int, int]] = reactive((0, 0))

    class Published(Message):
        """New snapshots are waiting in ``ReluApp._pending``."""

    class Notice(Message):
        def __init__(self, text: str, severity: str = "information") -> None:
            super().__init__()
            self.text, self.severity = text, severity

    def __init__(self, scenario: Scenario | None = None, variant: str = "base", *,
                 export_dir: Path | None = None, screenshot_dir: Path | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.variant = variant
        self.session: Session | None = None
        self.export_dir = export_dir or Path.cwd() / "relu-tui-exports"
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.compare_mode = False
        self.heatmap_mode = MODES[0]
        self.busy = ""
        self._commands: queue.Queue[Command] = queue.Queue()
        self._interrupt = threading.Event()
        self._pending: dict[str, Snapshot] = {}
        self._pending_lock = threading.Lock()
        self._message_in_flight = False
        self._snapshots: dict[str, Snapshot] = {}
        self._idle = threading.Event()
        self._draw_seconds = 0.0  # a moving average of the time to build a frame

    # -- layout ----------------------------------------------------------------------------------
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
        yield Static(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for widget_id, title in (("network", "Network"), ("inspector", "Selected unit"),
                                 ("gradients", "Gradient norm, log scale"), ("plane", "Input plane"),
                                 ("spread", "Layers: spread of the activations"),
                                 ("curves", LEGEND)):
            self.query_one(f"#{widget_id}").border_title = title
        self.query_one(Heatmap).border_title = "Activations"
        self._check_size()
        if self.scenario is None:
            self.push_screen(PickerScreen(), self._picked)
        else:
            self._open(self.scenario, self.variant)

    def on_ready(self) -> None:
        """The first frame is on screen: only now start the engine, which loads PyTorch behind it."""
        self.call_after_refresh(self._engine_loop)

    def on_resize(self) -> None:
        self._check_size()

    def _check_size(self) -> None:
        width, height = self.size
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        self.screen.set_class(small, "-too-small")
        self.screen.set_class(width < 110 or height < 36, "-narrow")
        self.query_one("#too-small", Static).update(
            f"The terminal is {width}×{height}; relu-tui needs at least {MIN_SIZE[0]}×{MIN_SIZE[1]}. "
            "Enlarge the window (q quits)."
        )

    # -- engine thread ---------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="engine", name="engine")
    def _engine_loop(self) -> None:
        """Run queued commands in order; while playing, step whenever the queue is empty."""
        worker = get_current_worker()
        last_step = last_frame = 0.0
        # A worker started after the app began to stop (a crash before this first ran) is never
        # cancelled, and the process would wait for it forever: stop with the app too.
        while not worker.is_cancelled and self.is_running:
            delay = 0.05
            if self.playing:
                delay = max(0.0, 1 / SPEEDS[self.speed_index] - (time.monotonic() - last_step))
            try:
                command = self._commands.get(timeout=delay) if delay > 0 else self._commands.get_nowait()
            except queue.Empty:
                command = None
                if not self.playing:
                    self._idle.set()
            if self.session is None and command is None:
                continue
            if command is not None:
                self._interrupt.clear()
                try:
                    note = command(self.session)
                except Exception as exc:  # keep the app alive; say what failed
                    self.post_message(self.Notice(f"{type(exc).__name__}: {exc}", "error"))
                    note = None
                if note:
                    self.post_message(self.Notice(note))
                self._publish()
                last_frame = time.monotonic()
            elif self.playing and self.session is not None:
                self.session.step_epochs(self._names(), 1)
                last_step = time.monotonic()
                if all(self.session.trainer(n).diverged for n in self._names()):
                    self.call_from_thread(setattr, self, "playing", False)
                    self._publish()
                elif last_step - last_frame >= self._frame_interval():
                    self._publish()
                    last_frame = last_step

    def _frame_interval(self) -> float:
        """15 frames a second; at full speed fewer when drawing is slow, so the engine thread keeps
        the interpreter most of the time (the UI thread shares it)."""
        if SPEEDS[self.speed_index] != float("inf"):
            return FRAME_INTERVAL
        return max(FRAME_INTERVAL, self._draw_seconds / DRAW_SHARE)

    def _names(self) -> tuple[str, ...]:
        return self.session.names if self.compare_mode else (self.variant,)

    def _publish(self) -> None:
        """Snapshot the visible variants; replace anything the UI has not drawn yet."""
        snapshots = {name: self.session.snapshot(name) for name in self._names()}
        with self._pending_lock:
            self._pending = snapshots
            if self._message_in_flight:
                return
            self._message_in_flight = True
        self.post_message(self.Published())

    def submit(self, command: Command, *, interrupt: bool = True) -> None:
        """Pause play and queue a command for the engine thread; by default it interrupts a running `u`."""
        self.playing = False
        if interrupt:
            self._interrupt.set()
        self._idle.clear()
        self._commands.put(command)

    def _keep_going(self, label: str) -> Callable[[int, int], bool]:
        """A progress callback for long commands: shows progress, stops on any new key."""
        def progress(done: int, total: int) -> bool:
            self.busy = f"{label} {done}/{total}…"
            if done % 10 == 0:
                self._publish()
            return not self._interrupt.is_set()
        return progress

    # -- UI side ---------------------------------------------------------------------------------
    def on_relu_app_published(self, _: Published) -> None:
        with self._pending_lock:
            snapshots, self._pending = self._pending, {}
            self._message_in_flight = False
        if not snapshots:
            return
        self._snapshots.update(snapshots)
        start = time.perf_counter()
        self._render_all()
        self._draw_seconds = 0.8 * self._draw_seconds + 0.2 * (time.perf_counter() - start)

    @property
    def current(self) -> Snapshot | None:
        """The snapshot on screen for the current variant."""
        return self._snapshots.get(self.variant)

    def settled(self) -> bool:
        """True when every queued command has run and its snapshot is on screen (not while playing)."""
        with self._pending_lock:
            drawn = not self._message_in_flight
        return self._idle.is_set() and self._commands.empty() and drawn and self.session is not None

    def on_relu_app_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity, timeout=6)

    def _render_all(self) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is None:
            return
        layers = snap.record.layers
        layer, unit = self.selected
        if layer >= len(layers) or unit >= layers[layer].width:
            self.selected = (0, 0)
        status = status_text(snap, playing=self.playing, speed=self._speed_text(), busy=self.busy,
                             position=self._position(), width=self.size.width - 2)
        if isinstance(self.screen, CompareScreen):
            self.screen.show({n: self._snapshots[n] for n in self.screen.names if n in self._snapshots}, status)
            return
        self.query_one("#status", TextPanel).update(status)
        self.query_one("#network", TextPanel).update(network_text(snap, self.selected, *self._network_size()))
        self.query_one("#inspector", TextPanel).update(inspector_text(snap, self.selected))
        self.query_one(Heatmap).show(snap, self.selected)
        self.query_one(GradientBars).show(snap, self.selected)
        self.screen.set_class(snap.plane is None, "-no-plane")  # no plane: the layer spreads take its place
        self.query_one(InputPlane).show(snap, self.selected)
        self.query_one(LayerSpreadView).show(snap)
        self.query_one(Curves).show(snap)

    def _network_size(self) -> tuple[int, int]:
        region = self.query_one("#network").content_region
        return max(region.height, 4), max(region.width, 20)

    def _position(self) -> tuple[int, int]:
        names = self.scenario.variant_names
        return names.index(self.variant) + 1, len(names)

    def _speed_text(self) -> str:
        speed = SPEEDS[self.speed_index]
        return "max speed" if speed == float("inf") else f"{speed:g} ep/s"

    def watch_selected(self, selected: tuple[int, int]) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is None or isinstance(self.screen, CompareScreen):
            return
        self.query_one("#network", TextPanel).update(network_text(snap, selected, *self._network_size()))
        self.query_one("#inspector", TextPanel).update(inspector_text(snap, selected))
        self.query_one(Heatmap).select(selected)
        self.query_one(GradientBars).select(selected)
        self.query_one(InputPlane).select(selected)

    def watch_playing(self) -> None:
        self._refresh_status()

    def watch_speed_index(self) -> None:
        self._refresh_status()

    def _refresh_status(self) -> None:
        if self._snapshots.get(self.variant) is not None and self.is_mounted:
            self._render_all()

    # -- opening scenarios -----------------------------------------------------------------------
    def _picked(self, scenario: Scenario | None) -> None:
        if scenario is not None:
            self._open(scenario, "base")
        elif self.scenario is None:
            self.exit()

    def _open(self, scenario: Scenario, variant: str) -> None:
        self.scenario, self.variant = scenario, variant
        self.selected = (0, 0)
        self._snapshots.clear()
        self.sub_title = scenario.title
        self._show_preview(scenario)

        def load(_: Session | None) -> None:
            from .session import Session  # imports PyTorch: off the UI thread, after the first frame

            self.session = Session(scenario)
            self.session.trainer(variant)
            gc.freeze()  # PyTorch's and Textual's objects live on: full collections need not scan them (~0.1 s each)

        self.submit(load)

    def _show_preview(self, scenario: Scenario) -> None:
        """Draw the scenario as described while PyTorch loads: the first frame never waits for it."""
        self.query_one("#status", TextPanel).update(preview_status(scenario, self._position()))
        self.query_one("#network", TextPanel).update(outline_text(scenario))
        self.query_one("#inspector", TextPanel).update(Text(" ".join(scenario.description.split()), style="dim"))

    # -- actions ---------------------------------------------------------------------------------
    def action_step(self, epochs: int = 1) -> None:
        self.submit(lambda s: s.step_epochs(self._names(), epochs))

    def action_batch(self) -> None:
        self.submit(lambda s: s.step_batch(self._names()))

    def action_until(self) -> None:

        def until(s: Session) -> str:
            epoch = s.until_change(self._names(), UNTIL_LIMIT, self._keep_going("until a unit changes"))
            self.busy = ""
            if epoch is None:
                return "Stopped: no unit changed state."
            return f"A unit changed state at epoch {epoch}."
        self.submit(until)

    def action_play(self) -> None:
        self.playing = not self.playing
        self._interrupt.set()

    def action_speed(self, change: int) -> None:
        self.speed_index = max(0, min(len(SPEEDS) - 1, self.speed_index + change))

    def action_back(self) -> None:
        self.submit(lambda s: s.rewind(self._names(), 1))

    def action_forward(self) -> None:
        self.action_step(1)

    def action_reset(self) -> None:
        self.submit(lambda s: s.reset(self._names()))

    def action_reseed(self) -> None:

        def reseed(s: Session) -> str:
            s.reseed(s.scenario.seed + 1)
            self.scenario = s.scenario
            return f"New seed {s.scenario.seed}: new data and initial weights."
        self.submit(reseed)

    def action_move(self, delta: int) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is not None:
            self.selected = moved(snap.record.layers, self.selected, delta)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Tab selects layers on the main screen only (elsewhere it moves focus); w needs a sweep."""
        if action == "layer":
            return self.screen is self.screen_stack[0]
        if action == "sweep":
            return self.scenario is not None and self.scenario.sweep is not None
        return True

    def action_layer(self, delta: int) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is not None:
            self.selected = jumped(snap.record.layers, self.selected, delta)

    def action_heatmap_mode(self) -> None:
        self.heatmap_mode = MODES[(MODES.index(self.heatmap_mode) + 1) % len(MODES)]
        for screen in self.screen_stack:
            for heatmap in screen.query(Heatmap):
                heatmap.mode = self.heatmap_mode

    def action_variant(self, number: int) -> None:
        if self.scenario is None or self.compare_mode:
            return
        names = self.scenario.variant_names
        if number > len(names):
            self.notify(f"This scenario has {len(names)} variant(s): " + ", ".join(names), severity="warning")
            return
        self.variant = names[number - 1]
        self.submit(_redraw)

    def action_compare(self) -> None:
        if self.session is None or self.scenario is None:
            return
        self.compare_mode = True
        epoch = self._snapshots[self.variant].epoch if self.variant in self._snapshots else 0
        self.push_screen(CompareScreen(self.scenario.variant_names, self.heatmap_mode))

        def align(s: Session) -> str:
            for name in s.names:
                trainer = s.trainer(name)
                if trainer.epoch > epoch:
                    trainer.rewind(epoch)
                else:
                    trainer.step_epochs(epoch - trainer.epoch)
            return f"All {len(s.names)} variants at epoch {epoch}, stepping together."
        self.submit(align)

    def action_close_compare(self) -> None:
        self.compare_mode = False
        if isinstance(self.screen, CompareScreen):
            self.pop_screen()
        self.submit(_redraw)

    def action_sweep(self) -> None:
        if self.session is None or self.scenario is None or self.scenario.sweep is None:
            return
        screen = SweepScreen(self.scenario)
        self.push_screen(screen)
        total = self.scenario.sweep.size

        def on_point(points: list) -> bool:
            self.call_from_thread(screen.show, list(points))
            return not self._interrupt.is_set()

        def sweep(s: Session) -> str:
            done = len(s.sweep(on_point))
            return "Sweep done." if done == total else f"Sweep stopped at {done} of {total}; press w to run it again."
        self.submit(sweep, interrupt=False)

    def action_open(self) -> None:
        self.playing = False
        self.push_screen(PickerScreen(), self._picked)

    def action_export(self) -> None:
        from .exporting import export_history

        directory, names = self.export_dir, self._names()
        self.submit(lambda s: export_history(s, names, directory), interrupt=False)

    def action_screenshot(self) -> None:
        self.screenshot_dir.mkdir(parents=True, exist_ok=True)
        name = self.scenario.name if self.scenario else "relu-tui"
        epoch = self._snapshots[self.variant].epoch if self.variant in self._snapshots else 0
        path = self.save_screenshot(f"{name}-{self.variant}-epoch{epoch}.svg", str(self.screenshot_dir))
        self.notify(f"Saved {path}", timeout=6)

    def action_help(self) -> None:
        self.push_screen(HelpScreen([b for b in self.BINDINGS if b.description], self.scenario))


def _redraw(session: Session) -> None:
    """A command that changes nothing: the engine publishes a fresh snapshot after it."""


def run_app(scenario: Scenario | None, variant: str = "base") -> int:
    return run_reporting(ReluApp(scenario, variant))
