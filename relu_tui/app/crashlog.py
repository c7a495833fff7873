"""A crash is never silent: the full traceback goes to a log file and one line to stderr names it."""

from __future__ import annotations

import os
import platform
import sys
import tempfile
import time
import traceback
from pathlib import Path

from relu_tui.files import write_aside

CRASH_EXIT = 1  # the exit status after an unhandled exception (2 is a mistake in the input)
_MAX_MESSAGE = 160


def state_dir() -> Path:
    """Where crash logs go: ``$XDG_STATE_HOME/relu-tui``, by default ``~/.local/state/relu-tui``."""
    base = os.environ.get("XDG_STATE_HOME") or ""
    root = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "state"  # the spec ignores relative paths
    return root / "relu-tui"


def write_crash_log(error: BaseException, what: str) -> Path | None:
    """Write ``error``'s traceback to a new ``crash-*.log``; None if no directory took it.

    The file appears whole or not at all (written aside, then renamed into place), under a name
    no earlier log has; the temporary directory takes it when the state directory is not writable.
    """
    from relu_tui import __version__

    torch = sys.modules.get("torch")
    text = "".join([
        f"relu-tui {__version__} crashed in {what}\n",
        f"time    {time.strftime('%Y-%m-%d %H:%M:%S %z')}\n",
        f"command {' '.join(sys.argv)}\n",
        f"python  {platform.python_version()} on {platform.platform()}\n",
        f"torch   {getattr(torch, '__version__', 'not loaded')}\n\n",
        *traceback.format_exception(error),
    ])
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for directory in (state_dir(), Path(tempfile.gettempdir()) / "relu-tui"):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            partial = write_aside(directory, text.encode("utf-8"), "crash")
        except OSError:
            continue
        try:
            return _move_to_new(partial, directory, f"crash-{stamp}-{os.getpid()}")
        except OSError:
            continue
        finally:
            partial.unlink(missing_ok=True)
    return None


def _move_to_new(partial: Path, directory: Path, stem: str) -> Path:
    """Rename ``partial`` to the first free ``stem[-n].log`` (a rename is atomic)."""
    path = directory / f"{stem}.log"
    n = 0
    while path.exists():
        n += 1
        path = directory / f"{stem}-{n}.log"
    os.replace(partial, path)
    return path


def crash_line(error: BaseException, what: str, log: Path | None) -> str:
    """The one line for stderr: what failed, where, and the log that holds the traceback."""
    message = " ".join(str(error).split()) or "(no message)"
    if len(message) > _MAX_MESSAGE:
        message = message[: _MAX_MESSAGE - 1] + "…"
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({frames[-1].name}, {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    line = f"relu-tui: {what} crashed: {type(error).__name__}: {message}{where}; "
    return line + (f"full traceback in {log}" if log else "no log file could be written")
