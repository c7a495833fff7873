"""A thread that feeds the app frames: the main app's engine thread and ``relu-tui watch``'s log follower.

It posts messages that carry their data, so the UI never reads state a thread is changing, and a
new frame is posted only once the app has drawn the previous one: a slow terminal never piles up
frames, and a change made meanwhile goes out as soon as the last frame is drawn. A daemon thread:
quitting never waits for the work under way (an epoch, a poll of a log).
"""

from __future__ import annotations

import queue
import threading
import time
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.app import App


class Failed(Message):
    """The thread stopped on an error it did not expect: the app reports it as its own crash."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


def wake(*_: object) -> None:
    """Not work: put in the inbox, it wakes the thread to post a frame it had to hold back."""


class FrameThread(threading.Thread):
    """Subclasses do their work in :meth:`work` until :attr:`running` is false, set ``_dirty`` when
    something changed, post a frame with :meth:`publish` when the last one is drawn, and wait on
    ``_inbox`` (which also brings :func:`wake`); the app calls :meth:`drawn` once it has drawn a frame."""

    def __init__(self, app: App, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.app = app
        self._inbox: queue.Queue = queue.Queue()
        self._quit = threading.Event()  # not `_stop`: threading.Thread has a method of that name
        self._in_flight = threading.Event()  # a frame is posted and not drawn yet
        self._dirty = False  # something changed since the last frame
        self.draw_seconds = 0.0  # a moving average of the UI's time to draw a frame
        self.frame_seconds = 0.0  # and of this thread's time to build one

    # -- called from the UI thread ----------------------------------------------------------------
    def stop(self) -> None:
        self._quit.set()

    @property
    def stopping(self) -> bool:
        return self._quit.is_set()

    def drawn(self, seconds: float) -> None:
        """The UI drew the last frame in ``seconds``; a change made meanwhile goes out at once."""
        self.draw_seconds = 0.8 * self.draw_seconds + 0.2 * seconds
        self._in_flight.clear()
        if self._dirty and self.wakes_when_drawn():
            self._inbox.put(wake)

    def wakes_when_drawn(self) -> bool:
        """Whether a frame held back goes out as soon as the last one is drawn (else when it is next due)."""
        return True

    # -- the thread -------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Until stopped or the app ends, however it ends."""
        return not self._quit.is_set() and self.app.is_running

    def run(self) -> None:
        try:
            self.work()
        except Exception as error:  # a bug: a crash of the app, logged as one, not a thread gone quiet
            self.app.post_message(Failed(error))

    def work(self) -> None:
        raise NotImplementedError

    def frame(self) -> Message:
        """The message carrying the state to draw now (built on this thread)."""
        raise NotImplementedError

    def publish(self) -> None:
        """Post a frame now; the caller has checked that the last one is drawn (``_in_flight`` clear)."""
        self._dirty = False
        self._in_flight.set()
        start = time.perf_counter()
        frame = self.frame()
        self.frame_seconds = 0.8 * self.frame_seconds + 0.2 * (time.perf_counter() - start)
        self.app.post_message(frame)
