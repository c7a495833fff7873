"""Writing the files a user sees (exports, screenshots, meta.json, crash logs): whole or not at all, and
only inside the directory meant for them, whatever names a scenario or a run log brings.

No Textual here: the engine, the monitor and the CLI use it as the app does.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from .visible import visible

MAX_STEM = 120  # characters of a file name made from a name; a file system takes 255 bytes at most
_UNSAFE = re.compile(r"[/\\:*?\"<>|]")  # separators, and what Windows file names cannot hold


class WriteFailed(OSError):
    """A file could not be written; whatever was at its path before is intact."""

    def __init__(self, path: Path, error: OSError) -> None:
        reason = error.strerror or str(error) or type(error).__name__
        super().__init__(error.errno, f"could not write {visible(str(path))}: {reason}; "
                                      "any earlier file there is unchanged")
        self.path = path

    def __str__(self) -> str:
        return self.strerror


def safe_filename(name: str) -> str:
    """``name`` as one file name: no path separator, ``..``, control character or leading dot (so never a
    hidden file, a parent directory or an absolute path), at most MAX_STEM characters, never empty.

    Dots inside are kept ("model.v2"): add a suffix with ``+``, never with ``Path.with_suffix``."""
    text = "".join("_" if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch for ch in name)
    text = _UNSAFE.sub("_", text).replace("..", "_")
    text = text.lstrip(". ").rstrip(" ")[:MAX_STEM]
    return text or "unnamed"


def inside(directory: Path, filename: str) -> Path:
    """``directory / filename``, checked to resolve to a file directly in ``directory``."""
    path = directory / filename
    if path.resolve().parent != directory.resolve():
        raise ValueError(f"{visible(filename)!r} would be written outside {visible(str(directory))}")
    return path


def write_aside(directory: Path, data: bytes, prefix: str) -> Path:
    """A new hidden temporary file in ``directory`` holding ``data``, flushed to the disk; the caller
    renames it into place (a rename in one directory is atomic) or deletes it."""
    fd, name = tempfile.mkstemp(prefix=f".{prefix}.", suffix=".partial", dir=directory)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        Path(name).unlink(missing_ok=True)
        raise
    os.close(fd)
    return Path(name)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Replace ``path`` with ``data`` (UTF-8 if text) in one step: written aside, then renamed over it.
    Raises WriteFailed, and leaves an earlier file at ``path`` intact, if any part fails."""
    path = Path(path)
    encoded = data.encode("utf-8") if isinstance(data, str) else data
    try:
        temp = write_aside(path.parent, encoded, path.name)
        try:
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise WriteFailed(path, exc) from exc
    return path
