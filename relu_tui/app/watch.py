"""``relu-tui watch RUNDIR``: the app's panels on a run log that a :class:`relu_tui.Monitor` is writing.

A :class:`RunFollower` thread follows the log (:class:`relu_tui.monitor.RunLogTail`: whole lines only,
so a run still being written or killed mid-line never gives a corrupt read) and posts the newest view
of it with a note on how it goes, as the main app's engine thread posts snapshots: a new one only
once the last is drawn. The view is a :class:`WatchScreen`.
"""

from __future__ import annotations

import contextlib
import queue
import time
from pathlib import Path

import numpy as np
from textual.message import Message
from textual.reactive import reactive

from relu_tui.app.crashing import ReportingApp, run_reporting
from relu_tui.app.screens.main import HORIZONTAL_BREAKPOINTS, VERTICAL_BREAKPOINTS
from relu_tui.app.screens.watch import WatchScreen
from relu_tui.app.widgets.heatmap import RunHeatmap
from relu_tui.app.widgets.lines import Layout
from relu_tui.app.widgets.run_panels import ORDERS, status_text
from relu_tui.app.widgets.unit_rows import jumped, moved
from relu_tui.app.worker import FrameThread
from relu_tui.engine.records import DEAD
from relu_tui.monitor.errors import RunLogError
from relu_tui.monitor.reader import RunLogTail
from relu_tui.monitor.runlog import META
from relu_tui.monitor.view import RunView, run_view

POLL_SECONDS = 0.5
NOTICE_SECONDS = 10  # a restart of the log (its files replaced or deleted) stays in the status this long
QUIET_SECONDS = 5  # a run with no new record for longer is said to be quiet


class Followed(Message):
    """The newest view of the run (None before its first record) and a note on how it goes."""

    def __init__(self, view: RunView | None, note: str) -> None:
        super().__init__()
        self.view, self.note = view, note


class RunFollower(FrameThread):
    """Polls the log; a new frame for new records, and when the state of things changes. A problem
    is shown and the log polled again, so a fixed or replaced file is picked up."""

    def __init__(self, app: WatchApp, run_dir: Path, poll_seconds: float) -> None:
        super().__init__(app, "relu-tui watch")
        self.run_dir = run_dir
        self.poll_seconds = poll_seconds
        self._view: RunView | None = None
        self._note = ""

    def frame(self) -> Followed:
        return Followed(self._view, self._note)

    def work(self) -> None:
        tail = RunLogTail(self.run_dir)
        records, generation, last_new, restarted = [], 0, time.monotonic(), -float("inf")
        while self.running:
            try:
                new, problem = tail.poll(), ""
                closed = tail.closed_at()
            except RunLogError as exc:
                new, problem, closed = [], str(exc), None
            now = time.monotonic()
            if tail.generation != generation:  # the tail started over: what it had read belongs to another run
                generation, records, restarted = tail.generation, [], now
            if new:
                records += new
                last_new = now
                self._view = run_view(tail.meta, records)
            note = self._describe(tail, problem, bool(records), now - last_new, closed)
            if now - restarted < NOTICE_SECONDS:
                note = f"{tail.notice} · {note}"
            if new or note != self._note:
                self._note, self._dirty = note, True
            self._until(now + self.poll_seconds)

    def _describe(self, tail: RunLogTail, problem: str, has_records: bool, quiet: float, closed: int | None) -> str:
        """How things stand: a problem, no run yet, a run without records, finished, live, or quiet."""
        if problem:
            return f"{problem}; reading again every {self.poll_seconds:g} s"
        if tail.meta is None:
            if not self.run_dir.is_dir():
                return f"no directory {self.run_dir} yet; waiting for the run to make it"
            return (f"no run here yet: {self.run_dir} has no {META}. Start training with "
                    f"relu_tui.Monitor(model, {str(self.run_dir)!r}); it is written at the first record.")
        if closed is not None:
            return f"finished: the Monitor was closed after {closed} steps"
        if not has_records:
            return "the run has started; waiting for its first record"
        if quiet < QUIET_SECONDS:
            return "live: following the log"
        return f"no new record for {quiet:.0f} s (finished, paused or killed)"

    def _until(self, deadline: float) -> None:
        """Post what changed as soon as the last frame is drawn, until ``deadline`` (or the end)."""
        while self.running:
            if self._dirty and not self._in_flight.is_set():
                self.publish()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            with contextlib.suppress(queue.Empty):
                self._inbox.get(timeout=min(left, 0.05))  # a wake: the last frame is drawn


class WatchApp(ReportingApp):
    """Follows a run directory; waits, with a message, while it holds no run yet."""

    CSS_PATH = "relu_tui.tcss"
    TITLE = "relu-tui watch"
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = HORIZONTAL_BREAKPOINTS
    VERTICAL_BREAKPOINTS = VERTICAL_BREAKPOINTS

    selected: reactive[tuple[int, int]] = reactive((0, 0))

    def __init__(self, run_dir: Path, poll_seconds: float = POLL_SECONDS) -> None:
        super().__init__()
        self.run_dir = run_dir
        self.view: RunView | None = None
        self.note = ""
        self.follower = RunFollower(self, run_dir, poll_seconds)
        self.watch_screen = WatchScreen()
        self.dead_only = False

    def get_default_screen(self) -> WatchScreen:
        return self.watch_screen

    def on_ready(self) -> None:
        """The panels have their sizes: the status can be laid out, and the log followed."""
        self._show(None, f"waiting for a run in {self.run_dir}…")
        self.follower.start()

    def action_quit(self) -> None:
        self.follower.stop()  # a daemon thread: a poll under way never holds the exit
        self.exit()

    def on_followed(self, message: Followed) -> None:
        start = time.perf_counter()
        self._show(message.view, message.note)
        self.follower.drawn(time.perf_counter() - start)

    def _show(self, view: RunView | None, note: str) -> None:
        self.note = note
        if view is not None and view is not self.view:
            layers = view.record.layers
            if self.selected[0] >= len(layers) or self.selected[1] >= layers[self.selected[0]].width:
                self.selected = (0, 0)
            self.view = view
            if self.dead_only and not _dead_units(view):
                self.dead_only = False
            self.watch_screen.show(view, self.selected, self.dead_only)
        self.watch_screen.set_status(self._status())

    def _status(self) -> Layout:
        run_dir, view, note = self.run_dir, self.view, self.note
        return lambda width, height: status_text(run_dir, view, note, width)

    def watch_selected(self, selected: tuple[int, int]) -> None:
        if self.view is not None:
            self.watch_screen.select(self.view, selected)

    def action_move(self, delta: int) -> None:
        if self.view is None:
            return
        if self.dead_only:
            self.action_next_dead(1 if delta > 0 else -1)
        else:
            self.selected = moved(self.view.record.layers, self.selected, delta)

    def action_next_dead(self, delta: int) -> None:
        """The next (or previous) dead unit in the model's order, wrapping around."""
        if self.view is None:
            return
        dead = _dead_units(self.view)
        if not dead:
            self.notify("No unit is dead at the latest record.", timeout=3)
            return
        after = [unit for unit in dead if (unit > self.selected) == (delta > 0) and unit != self.selected]
        self.selected = (min(after) if delta > 0 else max(after)) if after else (dead[0] if delta > 0 else dead[-1])

    def action_dead_only(self) -> None:
        if self.view is None:
            return
        if not self.dead_only and not _dead_units(self.view):
            self.notify("No unit is dead at the latest record: nothing to filter to.", timeout=3)
            return
        self.dead_only = not self.dead_only
        if self.dead_only and self.selected not in _dead_units(self.view):
            self.action_next_dead(1)
        self.watch_screen.show(self.view, self.selected, self.dead_only)

    def action_order(self) -> None:
        self.watch_screen.order = ORDERS[(ORDERS.index(self.watch_screen.order) + 1) % len(ORDERS)]
        if self.view is not None:
            self.watch_screen.select(self.view, self.selected)

    def action_layer(self, delta: int) -> None:
        if self.view is not None:
            self.selected = jumped(self.view.record.layers, self.selected, delta)

    def action_heatmap_mode(self) -> None:
        heatmap = self.query_one(RunHeatmap)
        heatmap.mode = "gradient" if heatmap.mode == "active" else "active"


def _dead_units(view: RunView) -> list[tuple[int, int]]:
    """(layer, unit) of every dead unit at the latest record, in the model's order."""
    return [(i, int(u)) for i, layer in enumerate(view.record.layers) for u in np.flatnonzero(layer.state == DEAD)]


def run_watch(run_dir: Path) -> int:
    return run_reporting(WatchApp(run_dir))
