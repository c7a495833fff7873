"""A user's files, safely: reading (regular files only, under a size cap, decoded as UTF-8 text)
and writing (whole or not at all, and only inside the directory meant for them).

A path to read may name a FIFO or ``/dev/stdin`` (reading blocks forever), ``/dev/zero`` (never
ends), a directory, a symlink loop or a huge file: each is refused with a :class:`ScenarioError` that
says what the path is, before anything is read; the caller adds the file and key it came from.
The files a user sees (exports, screenshots, meta.json, crash logs) are written aside and renamed
into place, under names made safe whatever a scenario or a run log brings. No Textual here.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import unicodedata
from pathlib import Path

from relu_tui.errors import ScenarioError
from relu_tui.visible import visible

MB = 2**20
SCENARIO_LIMIT = 16 * MB  # a scenario file
CSV_LIMIT = 256 * MB  # a data.csv file

_KINDS = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def file_kind(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file ("a FIFO (named pipe)", ...); None when it is."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "an unknown kind of file")


def open_regular(path: Path) -> int:
    """A read-only descriptor of ``path``, opened without waiting: should the path have become a FIFO
    since it was checked, opening it does not block. OSError, or NotRegularFile if it is not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    kind = file_kind(os.fstat(fd).st_mode)
    if kind:
        os.close(fd)
        raise NotRegularFile(kind)
    return fd


class NotRegularFile(OSError):
    """The path is a directory, a FIFO, a device or a socket (``kind`` says which)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"is {kind}, not a regular file")
        self.kind = kind


def _not_regular(mode: int) -> str | None:
    """The problem with reading a file of ``mode``, when it is not a regular file."""
    kind = file_kind(mode)
    return None if kind is None else _kind_problem(kind)


def _kind_problem(kind: str) -> str:
    return "is a directory" if kind == "a directory" else f"is {kind}, not a regular file"


def _refused(problem: str, expected: str) -> ScenarioError:
    return ScenarioError(problem, expected=expected)


def read_bytes(path: Path, limit: int, expected: str) -> bytes:
    """The bytes of the regular file ``path``, at most ``limit`` of them; ScenarioError (without a
    source) for anything else."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _refused(_os_problem(exc), expected) from None
    except ValueError:  # a NUL in the path
        raise _refused("bad file name (NUL character)", expected) from None
    kind = _not_regular(info.st_mode)
    if kind:
        raise _refused(kind, expected)
    if info.st_size > limit:
        raise _refused(f"too large ({_size(info.st_size)})", f"{expected} of at most {_size(limit)}")
    try:
        fd = open_regular(path)
    except NotRegularFile as exc:
        raise _refused(_kind_problem(exc.kind), expected) from None
    except OSError as exc:
        raise _refused(_os_problem(exc), expected) from None
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(limit + 1)  # the file may have grown since the stat
        except OSError as exc:  # e.g. /proc/self/mem: a regular file whose reading fails
            raise _refused(_os_problem(exc), expected) from None
    if len(data) > limit:
        raise _refused(f"too large (more than {_size(limit)})", f"{expected} of at most {_size(limit)}")
    return data


def decode_text(data: bytes, expected: str) -> str:
    """UTF-8 text (a leading BOM dropped); 'not UTF-8 text at line N' for UTF-16, binary or latin-1 bytes."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _refused("not UTF-8 text (UTF-16, from its byte order mark)", expected)
    nul = data.find(b"\0")
    if nul >= 0:
        raise _refused(f"not UTF-8 text at line {_line_at(data, nul)} (a NUL byte: binary data?)", expected)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _refused(f"not UTF-8 text at line {_line_at(data, exc.start)} (byte 0x{data[exc.start]:02x})", expected) from None


def _line_at(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def read_text(path: Path, limit: int, expected: str) -> str:
    return decode_text(read_bytes(path, limit, expected), expected)


def _os_problem(exc: OSError) -> str:
    if exc.errno == errno.ENOENT:
        return "file not found"
    if exc.errno == errno.ELOOP:
        return "a symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is not a directory"
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return f"cannot read ({os.strerror(exc.errno) if exc.errno else exc.__class__.__name__})"


def _size(n: int) -> str:
    return f"{n / MB:.0f} MB" if n >= MB else f"{n} bytes"


# -- writing --------------------------------------------------------------------------------------

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
