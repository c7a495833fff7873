"""Reading a user's file safely: regular files only, under a size cap, decoded as UTF-8 text.

A path may name a FIFO or ``/dev/stdin`` (reading blocks forever), ``/dev/zero`` (never ends), a
directory, a symlink loop or a huge file. Each is refused with a :class:`ScenarioError` that says
what the path is, before anything is read; the caller adds the file and key it came from.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from .errors import ScenarioError

MB = 2**20
SCENARIO_LIMIT = 16 * MB  # a scenario file
CSV_LIMIT = 256 * MB  # a data.csv file

_KINDS = ((stat.S_ISDIR, "is a directory"), (stat.S_ISFIFO, "is a FIFO (named pipe), not a regular file"),
          (stat.S_ISCHR, "is a character device, not a regular file"),
          (stat.S_ISBLK, "is a block device, not a regular file"), (stat.S_ISSOCK, "is a socket, not a regular file"))


def _not_regular(mode: int) -> str | None:
    """What a file of ``mode`` is, when it is not a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _KINDS if test(mode)), "is not a regular file")


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
        # O_NONBLOCK: should the path have become a FIFO since the stat, opening it does not wait.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise _refused(_os_problem(exc), expected) from None
    with os.fdopen(fd, "rb") as handle:
        kind = _not_regular(os.fstat(fd).st_mode)
        if kind:
            raise _refused(kind, expected)
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
