"""``relu-tui watch RUNDIR``: the app's panels on a run log that a :class:`relu_tui.Monitor` is writing.

A thread worker follows the log (:class:`relu_tui.monitor.RunLogTail`: whole lines only, so a run
still being written or killed mid-line never gives a corrupt read) and publishes the newest view;
the UI keeps only the latest one, as the main app does with snapshots.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer
from textual.worker import get_current_worker

from relu_tui.monitor.errors import RunLogError
from relu_tui.monitor.reader import RunLogTail
from relu_tui.monitor.runlog import META
from relu_tui.monitor.view import RunView, run_view
from relu_tui.engine.records import ALIVE, DEAD, SPARSE, STATES
from relu_tui.visible import visible
from relu_tui.app.widgets.chart import LineChart, Series
from relu_tui.app.crashing import ReportingApp, run_reporting
from relu_tui.app.widgets.curves import loss_share
from relu_tui.app.widgets.gradients import GradientBars
from relu_tui.app.widgets.heatmap import Heatmap
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.app.screens.main import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS, TooSmall
from relu_tui.app.palette import BUSY, DIM, EXACT_ZERO, STATE_GLYPH, STATE_STYLE
from relu_tui.app.palette import DEAD_SHARE_COLOR as DEAD_SHARE
from relu_tui.app.palette import LOSS_COLOR as LOSS
from relu_tui.app.widgets.unit_rows import jumped, moved

POLL_SECONDS = 0.5
NOTICE_SECONDS = 10  # a restart of the log (its files replaced or deleted) stays in the status this long
MODE_TITLES = {
    "active": "Active share per record · a row going dark is a unit dying · columns: optimization steps",
    "gradient": "Gradient norm per record, log scale · · = exactly 0",
}
_BOLD = Style(bold=True)


class RunHeatmap(Heatmap):
    """Units x records: active share, or gradient norm (the run log has no per-sample activations)."""

    mode: reactive[str] = reactive("active")
    titles = MODE_TITLES


class RunCurves(LineChart):
    def show(self, view: RunView) -> None:
        steps = view.steps.astype(float)
        self.plot([Series(steps, loss_share(view.loss), LOSS), Series(steps, view.dead_fraction, DEAD_SHARE)],
                  (float(steps[0]), max(float(steps[-1]), float(steps[0]) + 1)), (0.0, 1.0), x_label="step")


def status_text(run_dir: Path, view: RunView | None, note: str, width: int = 120) -> Text:
    """The run, its latest numbers and the follower's note, in lines of ``width`` cells: the unit
    counts lose their words before any number would be cut, and the run directory comes last."""
    text = Text()
    text.append("relu-tui watch", _BOLD)
    where, note = visible(str(run_dir)), visible(note)
    if view is None:
        text.append(f"   {where}\n", DIM)
        text.append(f"{note}\n", BUSY)
        return text
    meta, rec = view.meta, view.record
    text.append(f"   {visible(meta.model)} · {len(meta.layers)} watched layer(s), {view.n_units} units"
                + (f" · {meta.world_size} ranks" if meta.world_size > 1 else "") + f"   {where}", DIM)
    numbers = Text()
    numbers.append(f"step {view.last.step}", _BOLD)
    if view.last.epoch is not None:
        numbers.append(f"  epoch {view.last.epoch}")
    numbers.append(f"  loss {'–' if view.last.loss is None else f'{view.last.loss:.4f}'}  {view.n_records} records  ")
    counts = rec.counts()
    words = [(f"{STATE_GLYPH[code]} {counts[name]} {name}  ", STATE_STYLE[code]) for code, name in enumerate(STATES)]
    if numbers.cell_len + sum(len(w) for w, _ in words) > width:
        words = [(f"{STATE_GLYPH[code]}{counts[name]} ", STATE_STYLE[code]) for code, name in enumerate(STATES)]
    for word, style in words:
        numbers.append(word, style)
    text.append("\n")
    text.append_text(numbers)
    text.append(f"\n{note}", DIM)
    return text


def layers_text(view: RunView, selected: tuple[int, int]) -> Text:
    """A line per watched layer: name, activation, the layer feeding it, and its units by state."""
    text = Text()
    for index, (info, layer) in enumerate(zip(view.meta.layers, view.record.layers)):
        text.append(visible(info.name), Style(bold=index == selected[0]))
        text.append(f" · {visible(info.activation)} · {info.width} {info.kind}s ← {visible(info.fed_by)}\n", DIM)
        text.append("  ")
        for code in range(len(STATES)):
            if layer.count(code):
                text.append(f"{STATE_GLYPH[code]}{layer.count(code)} ", STATE_STYLE[code])
        text.append("\n")
    return text


def unit_text(view: RunView, selected: tuple[int, int]) -> Text:
    """The selected unit at the latest record."""
    layer_index, unit = selected
    info, layer = view.meta.layers[layer_index], view.record.layers[layer_index]
    stats = view.last.layers[info.name]
    state = int(layer.state[unit])
    text = Text()
    text.append(f"{visible(info.name)}[{unit}]", _BOLD)
    text.append(f" · {visible(info.activation)} · {info.kind} of {visible(info.fed_by)}\n")
    text.append(f"{STATE_GLYPH[state]} {STATES[state]}\n", STATE_STYLE[state])
    share = float(layer.active_fraction[unit])
    text.append("active   ", DIM)
    text.append("no input counted\n" if share != share else f"{100 * share:.1f}% of {stats.inputs} inputs\n")
    grad = float(layer.grad_norm[unit])
    text.append("grad     ", DIM)
    text.append("exactly 0\n" if grad == 0 else f"{grad:.3e}\n", EXACT_ZERO if grad == 0 else Style())
    if int(stats.died_step[unit]) != ALIVE:
        text.append("died     ", DIM)
        epoch = int(stats.died_epoch[unit])
        text.append(f"step {int(stats.died_step[unit])}" + (f" (epoch {epoch})" if epoch != ALIVE else "") + "\n",
                    STATE_STYLE[0])
    if bool(stats.revived[unit]):
        text.append("revived  ", DIM)
        text.append("was dead at an earlier record\n")
    text.append("\n")
    if state == DEAD:
        text.append("It fired on none of the inputs since the last record, so its gradient is exactly 0: "
                    "no optimizer step can move it while that lasts.")
    elif state == SPARSE:
        text.append("It fires on few inputs but still learns: sparse, not dead.")
    return text


class WatchApp(ReportingApp):
    """Follows a run directory; waits, with a message, while it holds no run yet."""

    CSS_PATH = "relu_tui.tcss"
    TITLE = "relu-tui watch"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS
    BINDINGS = [
        Binding("up,k", "move(-1)", "Select ↑", key_display="↑", tooltip="Select the previous unit", id="up"),
        Binding("down,j", "move(1)", "Select ↓", key_display="↓", tooltip="Select the next unit", id="down"),
        Binding("tab", "layer(1)", "Next layer", priority=True, tooltip="Select a unit in the next layer", id="layer"),
        Binding("shift+tab", "layer(-1)", "", show=False, priority=True),
        Binding("v", "heatmap_mode", "Heatmap", tooltip="Heatmap: active share / gradient norm per record", id="mode"),
        Binding("q", "quit", "Quit", tooltip="Quit", id="quit"),
    ]

    selected: reactive[tuple[int, int]] = reactive((0, 0))

    class Updated(Message):
        """A newer view (or note) is waiting in ``WatchApp._pending``."""

    def __init__(self, run_dir: Path, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.poll_seconds = poll_seconds
        self.view: RunView | None = None
        self.note = ""
        self._pending: tuple[RunView | None, str] | None = None
        self._lock = threading.Lock()

    def compose(self) -> ComposeResult:
        yield TextPanel(id="status", wrap=False)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield TextPanel(id="network")
                yield TextPanel(id="inspector")
            with Vertical(id="right"):
                yield RunHeatmap(id="heatmap")
                yield GradientBars(id="gradients", classes="watch-gradients")
                yield RunCurves(id="curves")
        yield TooSmall(id="too-small")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        for widget_id, title in (("network", "Watched layers"), ("inspector", "Selected unit"),
                                 ("gradients", "Gradient norm at the latest record, log scale"),
                                 ("curves", f"[{LOSS}]loss ÷ max[/] · [{DEAD_SHARE}]dead share[/] per step")):
            self.query_one(f"#{widget_id}").border_title = title
        self._show(None, f"waiting for a run in {self.run_dir}…")
        self._follow()

    @work(thread=True, exclusive=True, group="tail", name="tail")
    def _follow(self) -> None:
        """Poll the log; publish a view for new records and a note when the state of things changes.
        A problem is shown and the log polled again, so a fixed or replaced file is picked up."""
        worker = get_current_worker()
        tail = RunLogTail(self.run_dir)
        records, generation, last_new, restarted = [], 0, time.monotonic(), -float("inf")
        while not worker.is_cancelled:
            try:
                new, problem = tail.poll(), ""
            except RunLogError as exc:
                new, problem = [], str(exc)
            now = time.monotonic()
            if tail.generation != generation:  # the tail started over: what it had read belongs to another run
                generation, records, restarted = tail.generation, [], now
            if new:
                records += new
                last_new = now
            if problem:
                note = f"{problem}; reading again every {self.poll_seconds:g} s"
            elif tail.meta is None:
                note = (f"no run here yet: {self.run_dir} has no {META}. Start training with "
                        f"relu_tui.Monitor(model, {str(self.run_dir)!r}); it is written at the first record."
                        if self.run_dir.is_dir() else f"no directory {self.run_dir} yet; waiting for the run to make it")
            elif not records:
                note = "the run has started; waiting for its first record"
            else:
                quiet = now - last_new
                note = ("live: following the log" if quiet < 5 else
                        f"no new record for {quiet:.0f} s (finished, paused or killed)")
            if now - restarted < NOTICE_SECONDS:
                note = f"{tail.notice} · {note}"
            if new or note != self.note:
                self._publish(run_view(tail.meta, records) if new else None, note)
            deadline = now + self.poll_seconds
            while time.monotonic() < deadline and not worker.is_cancelled:
                time.sleep(0.05)

    def _publish(self, view: RunView | None, note: str) -> None:
        with self._lock:
            keep = view or (self._pending[0] if self._pending else None)
            in_flight = self._pending is not None
            self._pending = (keep, note)
        if not in_flight:
            self.post_message(self.Updated())

    def on_watch_app_updated(self, _: Updated) -> None:
        with self._lock:
            pending, self._pending = self._pending, None
        if pending is not None:
            view, note = pending
            self._show(view, note)

    def _show(self, view: RunView | None, note: str) -> None:
        self.note = note
        if view is not None:
            layers = view.record.layers
            if self.selected[0] >= len(layers) or self.selected[1] >= layers[self.selected[0]].width:
                self.selected = (0, 0)
            self.view = view
            self.query_one(RunHeatmap).show(view, self.selected)
            self.query_one(GradientBars).show(view, self.selected)
            self.query_one(RunCurves).show(view)
            self._show_unit()
        self.query_one("#status", TextPanel).update(status_text(self.run_dir, self.view, note, self.size.width - 2))

    def _show_unit(self) -> None:
        if self.view is not None:
            self.query_one("#network", TextPanel).update(layers_text(self.view, self.selected))
            self.query_one("#inspector", TextPanel).update(unit_text(self.view, self.selected))

    def watch_selected(self, selected: tuple[int, int]) -> None:
        if self.view is None:
            return
        self.query_one(RunHeatmap).select(selected)
        self.query_one(GradientBars).select(selected)
        self._show_unit()

    def action_move(self, delta: int) -> None:
        if self.view is not None:
            self.selected = moved(self.view.record.layers, self.selected, delta)

    def action_layer(self, delta: int) -> None:
        if self.view is not None:
            self.selected = jumped(self.view.record.layers, self.selected, delta)

    def action_heatmap_mode(self) -> None:
        heatmap = self.query_one(RunHeatmap)
        heatmap.mode = "gradient" if heatmap.mode == "active" else "active"


def run_watch(run_dir: Path) -> int:
    return run_reporting(WatchApp(run_dir))
