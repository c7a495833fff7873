"""The engine thread: runs the app's commands on a session, in order, off the UI thread.

A :class:`FrameThread`: it posts messages that carry their data (new snapshots, progress, notices)
to the app, a new frame only once the previous one has been drawn; quitting never waits for an
epoch to finish.

Looking ahead: stepping by keypress, the next key is most often another step, so once a frame is drawn
and nothing is queued the thread trains the variants on screen one epoch further and builds that frame,
without posting it. A :class:`StepEpoch` then only posts it; any other command first rewinds that epoch
(the trainer's rewind gives the same numbers again), so what a command sees is the epoch on screen.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message

from relu_tui.app.worker import FrameThread, wake
from relu_tui.files import WriteFailed

if TYPE_CHECKING:
    from textual.app import App

    from relu_tui.engine.session import Session
    from relu_tui.engine.snapshot import Snapshot

SPEEDS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, float("inf"))  # epochs per second in play mode
FRAME_INTERVAL = 1 / 15  # at most 15 repaints a second while playing
DRAW_SHARE = 0.1  # at full speed, building and drawing frames may take this share of the time; training the rest
PROGRESS_AFTER = 1.0  # an epoch running longer than this many seconds shows its batches in the status
PROGRESS_EVERY = 0.25  # seconds between two progress lines
AHEAD_LIMIT = 0.25  # seconds an epoch may take for the thread to look ahead (a longer one shows its progress)

Command = Callable[["Session | None"], "str | None"]


class Frame(Message):
    """New snapshots of the visible variants (name -> snapshot)."""

    def __init__(self, snapshots: dict[str, Snapshot]) -> None:
        super().__init__()
        self.snapshots = snapshots


class Busy(Message):
    """What a long command is doing now ("" when it is done)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Notice(Message):
    def __init__(self, text: str, severity: str = "information") -> None:
        super().__init__()
        self.text, self.severity = text, severity


class Paused(Message):
    """Play stopped by itself (every visible variant diverged)."""


class StepEpoch:
    """The command of one epoch's step of the variants on screen (space, →): the one the engine thread
    may already have taken, looking ahead."""

    def __init__(self, names: Callable[[], tuple[str, ...]], batch_progress: Callable) -> None:
        self.names, self.batch_progress = names, batch_progress

    def __call__(self, session: Session) -> None:
        session.step_epochs(self.names(), 1, batch_progress=self.batch_progress)


class EngineThread(FrameThread):
    """Owns the session; the app talks to it only through :meth:`submit` and the flags below."""

    _inbox: queue.Queue[Command]

    def __init__(self, app: App, names: Callable[[], tuple[str, ...]]) -> None:
        super().__init__(app, "relu-tui engine")
        self.names = names  # the variants on screen, read when a frame is built
        self.session: Session | None = None
        self.playing = False
        self.speed = SPEEDS[3]
        self.interrupt = threading.Event()  # set by any key: ends a running `u` or sweep
        self._idle = threading.Event()
        self._said = 0.0  # when the last progress line went out
        self._busy = ""  # the last progress line posted
        self._ahead: tuple[dict[str, int], Frame] | None = None  # the epoch on screen of each variant stepped
        # ahead, and the frame of the epoch after
        self._look_ahead_due = False  # a frame was drawn since the last look ahead
        self._epoch_seconds = float("inf")  # how long the last epoch stepped by a key took
        self._ready: Frame | None = None  # the frame the next publish posts (taken from ahead)

    # -- called from the UI thread ----------------------------------------------------------------
    def submit(self, command: Command) -> None:
        self._idle.clear()
        self._inbox.put(command)

    def wakes_when_drawn(self) -> bool:
        return not self.playing  # playing: the next frame is due at the frame rate anyway

    def drawn(self, seconds: float) -> None:
        super().drawn(seconds)
        if not self.playing:
            self._look_ahead_due = True
            self._inbox.put(wake)  # to look ahead now that the frame is on screen

    def settled(self) -> bool:
        """Every queued command has run and its frame is drawn (never while playing)."""
        return (self._idle.is_set() and self._inbox.empty() and not self._dirty
                and not self._in_flight.is_set() and self.session is not None)

    # -- the thread -------------------------------------------------------------------------------
    def work(self) -> None:
        last_step = last_frame = 0.0
        while self.running:
            delay = 0.05
            if self.playing:
                delay = max(0.0, 1 / self.speed - (time.monotonic() - last_step))
            try:
                command = self._inbox.get(timeout=delay) if delay > 0 else self._inbox.get_nowait()
            except queue.Empty:
                command = None
            if command is wake:
                pass
            elif command is not None:
                ready = self._take_ahead(command.names()) if isinstance(command, StepEpoch) else None
                if ready is not None:  # its frame goes out below
                    self._ready, self._dirty = ready, True
                else:
                    self._undo_ahead()
                    started = time.perf_counter()
                    self._run(command)
                    # any other command may have changed the network: no looking ahead before a step is timed
                    self._epoch_seconds = time.perf_counter() - started if isinstance(command, StepEpoch) \
                        else float("inf")
            elif self.playing and self.session is not None:
                names = self.names()
                if self._take_ahead(names) is None:  # else the epoch stepped ahead is play's first
                    self._undo_ahead()
                    self.session.step_epochs(names, 1, batch_progress=self.batch_progress)
                last_step = time.monotonic()
                self._dirty = True
                if all(self.session.trainer(n).diverged for n in names):
                    self.playing = False
                    self.app.post_message(Paused())
            # while playing, frames go out at the frame rate; a command's result at once
            due = not self.playing or time.monotonic() - last_frame >= self._frame_interval()
            if self._dirty and due and not self._in_flight.is_set():
                self.publish()
                last_frame = time.monotonic()
            if self._inbox.empty() and not self.playing:
                self._idle.set()
                if self._look_ahead_due and not self._dirty and not self._in_flight.is_set():
                    self._step_ahead()

    def _run(self, command: Command) -> None:
        self.interrupt.clear()
        try:
            note = command(self.session)
        except WriteFailed as exc:  # its message names the file and says the earlier one is intact
            self.app.post_message(Notice(str(exc), "error"))
            note = None
        except Exception as exc:  # keep the app alive; say what failed
            self.app.post_message(Notice(f"{type(exc).__name__}: {exc}", "error"))
            note = None
        if note:
            self.app.post_message(Notice(note))
        self._say("")
        self._dirty = self.session is not None

    def frame(self) -> Frame:
        ready, self._ready = self._ready, None
        return ready or self._frame_of(self.names())

    def _frame_of(self, names: tuple[str, ...]) -> Frame:
        return Frame({name: self.session.snapshot(name) for name in names})

    def _frame_interval(self) -> float:
        """15 frames a second; at full speed fewer when a frame is slow to build and draw, so the
        engine thread keeps the interpreter most of the time (the UI thread shares it)."""
        if self.speed != float("inf"):
            return FRAME_INTERVAL
        return max(FRAME_INTERVAL, (self.frame_seconds + self.draw_seconds) / DRAW_SHARE)

    # -- looking ahead ----------------------------------------------------------------------------
    def _step_ahead(self) -> None:
        """One epoch past the frame on screen, for the variants on it: once a key has stepped an epoch in at
        most :data:`AHEAD_LIMIT` (a longer one shows its progress as it goes), not within an epoch, nor when
        they have all diverged. If it fails, the state is the one on screen again, and the step the next key
        asks for meets the same error as a command."""
        self._look_ahead_due = False
        if self._ahead is not None or self.session is None or self.stopping or self._epoch_seconds > AHEAD_LIMIT:
            return
        names = self.names()
        trainers = {name: self.session.trainer(name) for name in names}
        if any(t.batch for t in trainers.values()) or all(t.diverged for t in trainers.values()):
            return
        shown = {name: t.epoch for name, t in trainers.items()}
        try:
            started = time.perf_counter()
            self.session.step_epochs(names, 1)
            self._epoch_seconds = time.perf_counter() - started
            self._ahead = shown, self._frame_of(names)
        except Exception:  # the step the next key asks for reports it
            self._rewind(shown)

    def _take_ahead(self, names: tuple[str, ...]) -> Frame | None:
        """The frame of the epoch stepped ahead, if it was stepped for ``names`` (it is then the current one)."""
        if self._ahead is None or tuple(self._ahead[0]) != names:
            return None
        frame, self._ahead = self._ahead[1], None
        return frame

    def _undo_ahead(self) -> None:
        """Rewind the epoch stepped ahead, if any: the state is the one on screen again."""
        if self._ahead is not None:
            shown, self._ahead = self._ahead[0], None
            self._rewind(shown)

    def _rewind(self, epochs: dict[str, int]) -> None:
        for name, epoch in epochs.items():
            self.session.trainer(name).rewind(epoch)

    # -- progress callbacks for long commands -----------------------------------------------------
    def keep_going(self, label: str, stop_on_key: bool = True) -> Callable[[int, int], bool]:
        """A progress callback for commands of many epochs: says how far they are; stops on quitting
        and, with ``stop_on_key``, on any key (`u`: a key queued after `f` waits its turn instead)."""
        def progress(done: int, total: int) -> bool:
            self._say(f"{label} {done}/{total}…")
            if done % 10 == 0 and not self._in_flight.is_set():
                self.publish()
            return not ((stop_on_key and self.interrupt.is_set()) or self.stopping)
        return progress

    def batch_progress(self, epoch: int, done: int, total: int, started: float) -> bool:
        """Called after each mini-batch: an epoch that runs long shows its batches; quitting stops it."""
        now = time.monotonic()
        if now - started >= PROGRESS_AFTER and (done == total or now - self._said >= PROGRESS_EVERY):
            self._said = now
            self._say("" if done == total else f"epoch {epoch}: batch {done:,} of {total:,}…")
        return not self.stopping

    def _say(self, text: str) -> None:
        """Post what the engine is busy with, when it changed."""
        if text != self._busy:
            self._busy = text
            self.app.post_message(Busy(text))
