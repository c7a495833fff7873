"""The relu-tui app: step a real training loop by keypress and watch every hidden unit.

The app renders state and sends commands: the engine (PyTorch, the trainers) lives on an
:class:`EngineThread` fed by a command queue, so commands run in the order they were pressed and
the UI never waits for training. The thread posts frames carrying snapshots; the main view is a
:class:`MainScreen`.
"""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.binding import Binding
from textual.reactive import reactive

from relu_tui.app.crashing import ReportingApp, run_reporting
from relu_tui.app.engine_thread import SPEEDS, Busy, Command, EngineThread, Frame, Notice, Paused, StepEpoch
from relu_tui.app.screens.compare import CompareScreen
from relu_tui.app.screens.editor import EditorScreen
from relu_tui.app.screens.help import HelpScreen
from relu_tui.app.screens.intervene import InterveneScreen, Intervention
from relu_tui.app.screens.main import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS, MainScreen
from relu_tui.app.screens.picker import PickerScreen
from relu_tui.app.screens.save import SaveScreen
from relu_tui.app.screens.sweep import SweepScreen
from relu_tui.app.widgets.heatmap import MODES, Heatmap
from relu_tui.app.widgets.panels import status_text
from relu_tui.app.widgets.unit_rows import jumped, moved
from relu_tui.files import WriteFailed, inside, safe_filename, write_atomic
from relu_tui.spec.scenario import Scenario
from relu_tui.visible import visible

if TYPE_CHECKING:
    from relu_tui.engine.session import Session
    from relu_tui.engine.snapshot import Snapshot

IDLE_COLLECTION_DELAY = 0.02  # seconds after a frame is drawn
UNTIL_LIMIT = 2000  # epochs `u` may run before giving up
EDITED = "edited"  # the variant the editor makes


class ReluApp(ReportingApp):
    """Keyboard-first; each screen declares its own keys, shown in its Footer."""

    CSS_PATH = "relu_tui.tcss"
    TITLE = "relu-tui"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

    playing: reactive[bool] = reactive(False)
    speed_index: reactive[int] = reactive(3)
    selected: reactive[tuple[int, int]] = reactive((0, 0))
    busy: reactive[str] = reactive("")

    def __init__(self, scenario: Scenario | None = None, variant: str = "base", *,
                 export_dir: Path | None = None, screenshot_dir: Path | None = None) -> None:
        super().__init__()
        self.scenario = scenario
        self.variant = variant
        self.export_dir = export_dir or Path.cwd() / "relu-tui-exports"
        self.screenshot_dir = screenshot_dir or Path.cwd()
        self.compare: CompareScreen | None = None  # open while all variants step together
        self.heatmap_mode = MODES[0]
        self.engine = EngineThread(self, self._names)
        self.main_screen = MainScreen()
        self._snapshots: dict[str, Snapshot] = {}

    @property
    def session(self) -> Session | None:
        return self.engine.session

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_screen)  # once the main screen is composed

    def _first_screen(self) -> None:
        if self.scenario is None:
            self.push_screen(PickerScreen(), self._picked)
        else:
            self._open(self.scenario, self.variant)

    def on_ready(self) -> None:
        """The first frame is on screen: only now start the engine, which loads PyTorch behind it."""
        self.call_after_refresh(self.engine.start)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.engine.interrupt.set()  # any key ends a running `u` (or sweep), as the help says
        await super().on_event(event)

    def action_quit(self) -> None:
        self.engine.stop()  # a daemon thread: an epoch still running never holds the exit
        self.exit()

    # -- talking to the engine -------------------------------------------------------------------
    def _names(self) -> tuple[str, ...]:
        return self.session.names if self.compare is not None else (self.variant,)

    def submit(self, command: Command) -> None:
        """Pause play and queue a command for the engine thread."""
        self.playing = False
        self.engine.submit(command)

    def settled(self) -> bool:
        """True when every queued command has run and its snapshot is on screen (not while playing)."""
        return self.engine.settled()

    def on_frame(self, frame: Frame) -> None:
        self._snapshots.update(frame.snapshots)
        start = time.perf_counter()
        self._render_all()
        # drawn once it is on the screen: the widgets' strips, then Textual's compositing and writing
        self.call_after_refresh(lambda: self._drawn(time.perf_counter() - start))

    def _drawn(self, seconds: float) -> None:
        self.engine.drawn(seconds)
        if not self.playing:  # playing, the next frame comes soon anyway
            # a little later, so that the frame's bytes are out first (the writer thread needs the interpreter)
            self.set_timer(IDLE_COLLECTION_DELAY, _collect_idle)

    def on_busy(self, message: Busy) -> None:
        self.busy = message.text

    def on_paused(self, _: Paused) -> None:
        self.playing = False

    def on_notice(self, message: Notice) -> None:
        self.notify(message.text, severity=message.severity, timeout=6, markup=False)  # file names may hold "["

    @property
    def current(self) -> Snapshot | None:
        """The snapshot on screen for the current variant."""
        return self._snapshots.get(self.variant)

    # -- drawing ---------------------------------------------------------------------------------
    def _status(self, snap: Snapshot):
        playing, speed, busy, position = self.playing, self._speed_text(), self.busy, self._position()
        return lambda width, height: status_text(snap, playing=playing, speed=speed, busy=busy,
                                                 position=position, width=width)

    def _render_all(self) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is None:
            return
        layers = snap.record.layers
        layer, unit = self.selected
        if layer >= len(layers) or unit >= layers[layer].width:
            self.selected = (0, 0)
        if self.compare is not None:
            names = self.compare.names
            self.compare.show({n: self._snapshots[n] for n in names if n in self._snapshots}, self._status(snap))
            return
        self.main_screen.show(snap, self.selected, self._status(snap))

    def _position(self) -> tuple[int, int]:
        names = self.scenario.variant_names
        return names.index(self.variant) + 1, len(names)

    def _speed_text(self) -> str:
        speed = SPEEDS[self.speed_index]
        return "max speed" if speed == float("inf") else f"{speed:g} ep/s"

    def watch_selected(self, selected: tuple[int, int]) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is not None and self.compare is None:
            self.main_screen.select(snap, selected)

    def watch_playing(self, playing: bool) -> None:
        self.engine.playing = playing
        self._refresh_status()

    def watch_speed_index(self, index: int) -> None:
        self.engine.speed = SPEEDS[index]
        self._refresh_status()

    def watch_busy(self) -> None:
        self._refresh_status()

    def _refresh_status(self) -> None:
        snap = self._snapshots.get(self.variant)
        if snap is None or not self.is_mounted:
            return
        if self.compare is not None:
            self._render_all()
        else:
            self.main_screen.set_status(self._status(snap))

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
        self.main_screen.preview(scenario.with_variant(variant), self._position())
        engine = self.engine

        def load(_: Session | None) -> None:
            from relu_tui.engine.session import Session  # imports PyTorch: off the UI thread, after the first frame

            engine.session = Session(scenario)
            engine.session.trainer(variant)
            gc.freeze()  # PyTorch's and Textual's objects live on: full collections need not scan them (~0.1 s each)

        self.submit(load)

    # -- actions ---------------------------------------------------------------------------------
    def action_step(self, epochs: int = 1) -> None:
        if epochs == 1:  # the step the engine thread may have taken already, looking ahead
            self.submit(StepEpoch(self._names, self.engine.batch_progress))
            return
        progress = self.engine.keep_going("training", stop_on_key=False)
        self.submit(lambda s: s.step_epochs(self._names(), epochs, progress, self.engine.batch_progress))

    def action_batch(self) -> None:
        self.submit(lambda s: s.step_batch(self._names()))

    def action_until(self) -> None:

        def until(s: Session) -> str:
            epoch = s.until_change(self._names(), UNTIL_LIMIT, self.engine.keep_going("until a unit changes"))
            if epoch is None:
                return "Stopped: no unit changed state."
            return f"A unit changed state at epoch {epoch}."
        self.submit(until)

    def action_play(self) -> None:
        self.playing = not self.playing

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
        """w needs a scenario with a sweep."""
        if action == "sweep":
            return self.scenario is not None and self.scenario.sweep is not None
        return True

    def get_default_screen(self) -> MainScreen:
        return self.main_screen

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
        if self.scenario is None or self.compare is not None:
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
        self.compare = CompareScreen(self.scenario.variant_names, self.heatmap_mode)
        self.push_screen(self.compare)
        current = self.variant

        def align(s: Session) -> str:
            epoch = s.trainer(current).epoch  # after every command queued before this one
            for name in s.names:
                trainer = s.trainer(name)
                if trainer.epoch > epoch:
                    trainer.rewind(epoch)
                else:
                    trainer.step_epochs(epoch - trainer.epoch)
            return f"All {len(s.names)} variants at epoch {epoch}, stepping together."
        self.submit(align)

    def action_close_compare(self) -> None:
        if self.compare is not None and self.screen is self.compare:
            self.pop_screen()
        self.compare = None
        self.submit(_redraw)

    def action_sweep(self) -> None:
        if self.session is None or self.scenario is None or self.scenario.sweep is None:
            return
        screen = SweepScreen(self.scenario)
        self.push_screen(screen)
        total = self.scenario.sweep.size

        def on_point(points: list) -> bool:
            self.call_from_thread(screen.show, list(points))
            return not (self.engine.interrupt.is_set() or self.engine.stopping)

        def sweep(s: Session) -> str:
            done = len(s.sweep(on_point))
            return "Sweep done." if done == total else f"Sweep stopped at {done} of {total}; press w to run it again."
        self.submit(sweep)

    def action_open(self) -> None:
        self.playing = False
        self.push_screen(PickerScreen(self.scenario.name if self.scenario else None), self._picked)

    def action_export(self) -> None:
        from relu_tui.engine.exporting import export_history

        directory, names = self.export_dir, self._names()
        self.submit(lambda s: export_history(s, names, directory))

    def action_screenshot(self) -> None:
        """An SVG of the screen in ``screenshot_dir``, replaced whole (an earlier one survives a failed write)."""
        name = self.scenario.name if self.scenario else "relu-tui"
        epoch = self._snapshots[self.variant].epoch if self.variant in self._snapshots else 0
        try:
            self.screenshot_dir.mkdir(parents=True, exist_ok=True)
            path = write_atomic(inside(self.screenshot_dir, safe_filename(f"{name}-{self.variant}-epoch{epoch}")
                                       + ".svg"), self.export_screenshot())
        except OSError as exc:
            message = str(exc) if isinstance(exc, WriteFailed) else str(WriteFailed(self.screenshot_dir, exc))
            self.notify(message, severity="error", timeout=10, markup=False)
            return
        self.notify(f"Saved {visible(str(path))}", timeout=6, markup=False)

    # -- experimenting -----------------------------------------------------------------------------
    def _on_screen(self) -> Scenario | None:
        """The scenario of the variant on screen, events included (None before one is open)."""
        if self.scenario is None or self.session is None or self.compare is not None:
            return None
        return self.scenario.with_variant(self.variant)

    def action_edit(self) -> None:
        scenario = self._on_screen()
        if scenario is not None:
            self.playing = False
            self.push_screen(EditorScreen(scenario), self._edited)

    def _edited(self, edited: Scenario | None) -> None:
        if edited is None:
            return

        def put(s: Session) -> str:
            s.put_variant(EDITED, edited)
            self.scenario, self.variant = s.scenario, EDITED  # read by the next frame, built on this thread
            number = s.names.index(EDITED) + 1
            return f"Variant '{EDITED}' ({number}/{len(s.names)}, c compares): {edited.summary}"
        self.submit(put)

    def action_intervene(self) -> None:
        scenario, snap = self._on_screen(), self._snapshots.get(self.variant)
        if scenario is not None and snap is not None:
            self.playing = False
            self.push_screen(InterveneScreen(scenario, snap, self.selected), self._intervened)

    def _intervened(self, event: Intervention | None) -> None:
        if event is None:
            return
        from relu_tui.spec.edit import with_event

        name = self.variant

        def intervene(s: Session) -> str:
            trainer = s.trainer(name)
            epoch = trainer.epoch + 1  # after every command queued before this one
            amended, made = with_event(trainer.scenario, {"epoch": epoch, **event})
            s.amend(name, amended)
            self.scenario = s.scenario
            what = made.describe(tuple(layer.name for layer in amended.model.layers))
            return (f"A new branch from epoch {epoch - 1} (any later history is dropped): {what} before the "
                    f"update of epoch {epoch}. Press space to see it.")
        self.submit(intervene)

    def action_save(self) -> None:
        scenario = self._on_screen()
        if scenario is None:
            return
        self.playing = False
        stem = scenario.name if self.variant == "base" else f"{scenario.name}-{self.variant}"
        self.push_screen(SaveScreen(Path(safe_filename(stem) + ".toml"),
                                    f"variant '{self.variant}' of {scenario.name}"), self._save_to)

    def _save_to(self, path: Path | None) -> None:
        if path is None:
            return
        from relu_tui.spec.write import write_scenario

        name = self.variant

        def save(s: Session) -> str:
            trainer = s.trainer(name)
            origin = visible(str(trainer.scenario.source or s.scenario.source or s.scenario.name))
            comment = (f"Saved by relu-tui from {origin}, variant '{name}', at epoch {trainer.epoch}.\n"
                       "The app's edits and interventions are in it; relu-tui run FILE reruns every epoch.")
            written = write_atomic(path, write_scenario(trainer.scenario, comment)).absolute()
            return f"Saved {visible(str(written))}: relu-tui FILE opens it, relu-tui run FILE reruns it."
        self.submit(save)

    def action_help(self) -> None:
        bindings = [b for b in type(self.screen).BINDINGS if isinstance(b, Binding) and b.description]
        self.push_screen(HelpScreen(bindings, self.scenario))


def _redraw(session: Session) -> None:
    """A command that changes nothing: the engine publishes a fresh snapshot after it."""


def run_app(scenario: Scenario | None, variant: str = "base") -> int:
    return run_reporting(ReluApp(scenario, variant))


def _collect_idle() -> None:
    """Collect the objects a frame left while the app waits for the next key, so that no collection of
    an older generation falls in the middle of the next frame (one of generation 1 cost 3-5 ms on a quarter
    of key presses). Generation 2 too when it is due: each collection of generation 1 brings it closer."""
    gc.collect(2 if gc.get_count()[2] >= gc.get_threshold()[2] else 1)
