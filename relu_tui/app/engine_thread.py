"""The engine thread: runs the app's commands on a session, in order, off the UI thread.

A :class:`FrameThread`: it posts messages that carry their data (new snapshots, progress, notices)
to the app, a new frame only once the previous one has been drawn; quitting never waits for an
epoch to finish.
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

    # -- called from the UI thread ----------------------------------------------------------------
    def submit(self, command: Command) -> None:
        self._idle.clear()
        self._inbox.put(command)

    def wakes_when_drawn(self) -> bool:
        return not self.playing  # playing: the next frame is due at the frame rate anyway

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
                self._run(command)
            elif self.playing and self.session is not None:
                names = self.names()
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
        return Frame({name: self.session.snapshot(name) for name in self.names()})

    def _frame_interval(self) -> float:
        """15 frames a second; at full speed fewer when a frame is slow to build and draw, so the
        engine thread keeps the interpreter most of the time (the UI thread shares it)."""
        if self.speed != float("inf"):
            return FRAME_INTERVAL
        return max(FRAME_INTERVAL, (self.frame_seconds + self.draw_seconds) / DRAW_SHARE)

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
