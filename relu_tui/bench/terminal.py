"""Drive the real app in a pseudo-terminal, as a person over SSH would, and time what it draws.

The app runs in its own process on a pty of a fixed size; a terminal emulator (pyte) keeps the
screen it has drawn, so a measurement knows when a frame shows what it should, and counts every
byte the app wrote.
"""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
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
        screen's ``display`` costs pyte 6 ms, which would delay reading the rest of a frame."""
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
        arrives for ``quiet`` seconds. Returns the bytes read and when the last of them arrived
        (taken as they are read, before the emulator parses them)."""
        count, last = 0, None
        deadline = time.perf_counter() + timeout
        done = until is None
        while True:
            now = time.perf_counter()
            if now >= deadline:
                raise TimeoutError(f"the app did not draw what was expected; the screen shows:\n{self.text}")
            wait = min(quiet if done else 0.5, deadline - now)
            readable, _, _ = select.select([self.fd], [], [], wait)
            if not readable:
                if done:
                    return count, last
                continue
            try:
                size, last = self._read()
            except OSError:  # the app exited
                return count, last
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
            readable, _, _ = select.select([self.fd], [], [], deadline - now)
            if readable:
                _, arrived = self._read()
        return arrived

    def _read(self) -> tuple[int, float]:
        """Take everything the app has written so far, then feed it to the emulator: the bytes read
        and when the last of them arrived (parsing one chunk before reading the next would make a
        frame written in several chunks arrive as late as the emulator is slow)."""
        chunks = [os.read(self.fd, 1 << 16)]
        arrived = time.perf_counter()
        while select.select([self.fd], [], [], 0)[0]:
            try:
                chunks.append(os.read(self.fd, 1 << 16))
            except OSError:  # the app exited after writing the first chunk
                break
            arrived = time.perf_counter()
        size = 0
        for data in chunks:
            size += len(data)
            self._stream.feed(data)
        self.bytes_written += size
        return size, arrived

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                os.write(self.fd, b"q")
                self.process.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        os.close(self.fd)
