"""Drive the real app in a pseudo-terminal, as a person over SSH would, and time what it draws.

The app runs in its own process on a pty of a fixed size; a reader thread takes what it writes as it
arrives, and a terminal emulator (pyte) keeps the screen it has drawn, so a measurement knows when a
frame shows what it should, when its last byte arrived, and every byte the app wrote.
"""

from __future__ import annotations

import fcntl
import os
import queue
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Sequence

try:
    import pyte
    from wcwidth import wcwidth
except ImportError:  # the terminal measurements need the bench extra
    pyte = None

MISSING = "the terminal measurements need pyte: pip install 'relu-tui[bench]'"
_EPOCH = re.compile(r"epoch (\d+)")
_READY = re.compile(r"epoch \d+\s+loss")


class Terminal:
    """``relu-tui ARGS`` on a ``columns`` x ``rows`` pty; ``pump`` reads what it draws."""

    def __init__(self, args: Sequence[str], size: tuple[int, int] = (120, 40)) -> None:
        if pyte is None:
            raise RuntimeError(MISSING)
        self.columns, self.rows = size
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.columns, 0, 0))
        env = dict(os.environ, TERM="xterm-256color", COLORTERM="truecolor")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "relu_tui", *args], stdin=slave, stdout=slave, stderr=slave, env=env,
            start_new_session=True, close_fds=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),  # the pty is its controlling terminal
        )
        os.close(slave)
        self.fd = master
        self.screen = pyte.Screen(self.columns, self.rows)
        self._stream = pyte.ByteStream(self.screen)
        self.bytes_written = 0
        self._chunks: queue.SimpleQueue[tuple[bytes, float]] = queue.SimpleQueue()  # b"": the app exited
        self._closing = False
        self.exited = False  # the app closed the pty
        # The reader takes the interpreter back from the emulator within 0.2 ms, not the default 5 ms: the time
        # a chunk arrived is taken that late
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(0.0002)
        self._reader = threading.Thread(target=self._receive, name="pty reader", daemon=True)
        self._reader.start()

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @property
    def text(self) -> str:
        return "\n".join(self.screen.display)

    @property
    def status(self) -> str:
        """The app's status lines (the top of the screen), read from those lines alone: the whole
        screen's ``display`` costs pyte 6 ms, on every check of a frame."""
        return "\n".join(self.line(y) for y in range(3))

    def line(self, y: int) -> str:
        """Line ``y`` as ``screen.display`` has it (a wide character's second cell left out)."""
        row, cells, x = self.screen.buffer[y], [], 0
        while x < self.columns:
            char = row[x].data
            cells.append(char)
            x += 2 if char and wcwidth(char[0]) == 2 else 1
        return "".join(cells)

    def epoch(self) -> int | None:
        match = _EPOCH.search(self.status)
        return int(match.group(1)) if match else None

    def ready(self) -> bool:
        """The engine's first diagnosis is on screen (the status shows a loss)."""
        return bool(_READY.search(self.status))

    def cells(self) -> list[list[tuple]]:
        """Every cell of the screen: its character, colours, bold and reverse."""
        return [[(c.data, c.fg, c.bg, c.bold, c.reverse) for c in (self.screen.buffer[y][x] for x in range(self.columns))]
                for y in range(self.rows)]

    def resize(self, columns: int, rows: int) -> None:
        """Resize the terminal, as a person dragging its window does (the app gets SIGWINCH)."""
        self.columns, self.rows = columns, rows
        self.screen.resize(rows, columns)
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

    def press(self, keys: str) -> float:
        """Type ``keys``; returns the time they were sent."""
        os.write(self.fd, keys.encode())
        return time.perf_counter()

    def pump(self, *, until: Callable[[Terminal], bool] | None = None, quiet: float = 0.1,
             timeout: float = 30.0) -> tuple[int, float | None]:
        """Read output until ``until`` holds (checked after every read) and then nothing more
        arrives for ``quiet`` seconds. Returns the bytes read and when the last of them arrived."""
        count, last = 0, None
        deadline = time.perf_counter() + timeout
        done = until is None
        while True:
            now = time.perf_counter()
            if now >= deadline:
                raise TimeoutError(f"the app did not draw what was expected; the screen shows:\n{self.text}")
            read = self._read(min(quiet if done else 0.5, deadline - now))
            if read is None:
                if done or self.exited:
                    return count, last
                continue
            size, last = read
            count += size
            done = done or until(self)

    def wait_for(self, predicate: Callable[[Terminal], bool], timeout: float = 60.0) -> float:
        """Read until ``predicate`` holds; returns when the chunk that made it hold arrived."""
        deadline = time.perf_counter() + timeout
        arrived = time.perf_counter()
        while not predicate(self):
            now = time.perf_counter()
            if now >= deadline:
                raise TimeoutError(f"the app did not draw what was expected; the screen shows:\n{self.text}")
            if self.exited:
                raise TimeoutError(f"the app exited before drawing what was expected; the screen shows:\n{self.text}")
            read = self._read(deadline - now)
            if read is not None:
                arrived = read[1]
        return arrived

    def _receive(self) -> None:
        """The reader thread: take what the app writes as it arrives, with the time it arrived, so
        that the emulator parsing one part of a frame (pyte takes ~1 ms per KB) never delays the
        arrival time of the next part."""
        while not self._closing:
            if not select.select([self.fd], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.fd, 1 << 16)
            except OSError:  # the app exited
                data = b""
            self._chunks.put((data, time.perf_counter()))
            if not data:
                return

    def _read(self, timeout: float) -> tuple[int, float] | None:
        """Feed the emulator everything that has arrived, waiting up to ``timeout`` seconds for the first
        of it: the bytes and when the last of them arrived, or None if nothing came."""
        try:
            chunks = [self._chunks.get(timeout=max(timeout, 0.0))]
        except queue.Empty:
            return None
        while not self._chunks.empty():
            chunks.append(self._chunks.get())
        size, last = 0, 0.0
        for data, arrived in chunks:
            if not data:
                self.exited = True
                break
            size, last = size + len(data), arrived
            self._stream.feed(data)
        self.bytes_written += size
        return (size, last) if size else None

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.write(self.fd, b"q")
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self._closing = True
        self._reader.join()
        sys.setswitchinterval(self._switch)
        os.close(self.fd)
