"""Reading a run log: all of it (:func:`read_run`) or as it grows (:class:`RunLogTail`), and per-layer arrays."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from relu_tui.files import NotRegularFile, file_kind, open_regular
from relu_tui.monitor.errors import NoRunError, RunLogError
from relu_tui.monitor.runlog import CLOSED, META, NO_EPOCH, PAYLOAD, RECORDS, UNIT_FIELDS, RunMeta, RunRecord


@dataclass
class RunLog:
    """A run's meta and its records, in step order."""

    meta: RunMeta
    records: list[RunRecord] = field(default_factory=list)

    @property
    def steps(self) -> np.ndarray:
        return np.array([r.step for r in self.records], dtype=np.int64)

    @property
    def epochs(self) -> np.ndarray:
        """int64, NO_EPOCH where a record has none."""
        return np.array([NO_EPOCH if r.epoch is None else r.epoch for r in self.records], dtype=np.int64)

    @property
    def losses(self) -> np.ndarray:
        """float64, NaN where a record has none."""
        return np.array([np.nan if r.loss is None else r.loss for r in self.records], dtype=np.float64)

    def array(self, layer: str, name: str = "active_share") -> np.ndarray:
        """One per-unit field of one layer as a (units x records) array, e.g. for a heatmap."""
        info = self.meta.layer(layer)
        if name not in UNIT_FIELDS:
            raise ValueError(f"no per-unit field {name!r}; the fields are {', '.join(UNIT_FIELDS)}")
        if not self.records:
            return np.empty((info.width, 0), dtype=UNIT_FIELDS[name])
        return np.stack([getattr(r.layers[layer], name) for r in self.records], axis=1)


MAX_META_BYTES = 64 * 2**20  # a meta.json is a few kilobytes
MAX_LINE_BYTES = 256 * 2**20  # one record: about 40 bytes per unit, so millions of units
_FINGERPRINT_BYTES = 4096  # the start of records.jsonl that must not change while it is followed


class RunLogTail:
    """Follows a run directory while it is written: each :meth:`poll` returns the records completed since.

    Guarantees: a poll never blocks (only regular files are opened, and without waiting); it reads each byte
    of ``records.jsonl`` about once (a last line still being written, or cut short by a killed run, is left for
    a later poll, and only the bytes after it are read again); and every problem is a RunLogError naming the
    file and line. Before ``meta.json`` exists, ``meta`` is None and polls return nothing. When the run is
    replaced (its files swapped, truncated or deleted), the tail starts over: ``generation`` counts the
    restarts and ``notice`` says why, so a caller drops the records it had.
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.meta: RunMeta | None = None
        self.generation = 0
        self.notice = ""
        self._start()

    def _start(self) -> None:
        self.offset = 0  # bytes of records.jsonl read: the start of the first line not read yet
        self.lines = 0  # complete lines read
        self._scanned = 0  # bytes of records.jsonl known to hold no line end after ``offset``
        self._records_id: tuple[int, int] | None = None  # (device, inode) of records.jsonl
        self._fingerprint = b""
        self._meta_id: tuple[int, ...] | None = None
        self._failure: tuple[tuple, RunLogError] | None = None  # the last error and the file state that gave it

    def _restart(self, why: str, keep_meta: bool = False) -> None:
        meta, meta_id = self.meta, self._meta_id
        self.generation += 1
        self.notice = why
        self._start()
        if keep_meta:
            self.meta, self._meta_id = meta, meta_id
        else:
            self.meta = None

    def poll(self) -> list[RunRecord]:
        """New complete records. A complete line that is not a valid record raises RunLogError naming the file
        and line, after the records before it have been returned (by this poll or, if it had none, the next);
        polls raise it again, without reading, until the file changes."""
        meta_path, path = self.run_dir / META, self.run_dir / RECORDS
        meta_stat = _regular_stat(meta_path)
        if meta_stat is None:
            if self.meta is not None:
                gone = not self.run_dir.is_dir()
                self._restart(f"the run directory {self.run_dir} was deleted" if gone else
                              f"{META} was removed; waiting for a new run")
            return []
        meta_id = (meta_stat.st_dev, meta_stat.st_ino, meta_stat.st_size, meta_stat.st_mtime_ns)
        if self.meta is not None and meta_id != self._meta_id:
            self._restart(f"{META} was replaced: reading the new run from the start")
        if self.meta is None:
            self._check_failure(("meta", meta_id))
            try:
                if meta_stat.st_size > MAX_META_BYTES:
                    raise RunLogError(f"larger than {MAX_META_BYTES // 2**20} MiB; a {META} is a few kilobytes")
                self.meta = RunMeta.from_json(_read_regular(meta_path, 0, MAX_META_BYTES))
            except RunLogError as exc:
                raise self._fail(("meta", meta_id), exc.located(meta_path)) from None
            self._meta_id = meta_id
        records_stat = _regular_stat(path)
        if records_stat is None:
            if self.offset:
                self._restart(f"{RECORDS} was removed after {self.lines} lines; reading it again when it is back",
                              keep_meta=True)
            return []
        return self._read_records(path, records_stat)

    def _read_records(self, path: Path, st: os.stat_result) -> list[RunRecord]:
        identity = (st.st_dev, st.st_ino)
        if self._records_id is not None and (identity != self._records_id or st.st_size < self._scanned
                                             or not self._same_start(path)):
            self._restart(f"{RECORDS} was replaced or truncated after {self.lines} lines: reading it again "
                          "from the start", keep_meta=True)
        self._records_id = identity
        key = ("records", *identity, st.st_size, st.st_mtime_ns)
        self._check_failure(key)
        if st.st_size == self._scanned:
            return []
        try:
            new = _read_regular(path, self._scanned, st.st_size - self._scanned)
            if len(self._fingerprint) < _FINGERPRINT_BYTES and self._scanned < _FINGERPRINT_BYTES:
                self._fingerprint = _read_regular(path, 0, _FINGERPRINT_BYTES)
            end = new.rfind(b"\n")
            if end < 0:  # still inside one line: remember how far it goes, read only what comes after
                self._scanned += len(new)
                if self._scanned - self.offset > MAX_LINE_BYTES:
                    raise RunLogError(f"longer than {MAX_LINE_BYTES // 2**20} MiB with no line end", source=path,
                                      line=self.lines + 1)
                return []
            head = _read_regular(path, self.offset, self._scanned - self.offset) if self._scanned > self.offset else b""
            data = head + new[: end + 1]
            self._scanned += len(new)
            return self._parse(path, data)
        except RunLogError as exc:
            raise self._fail(key, exc.located(path)) from None

    def _same_start(self, path: Path) -> bool:
        """Whether the file still begins with the bytes it began with (a copy over it in place changes them)."""
        if not self._fingerprint:
            return True
        try:
            return _read_regular(path, 0, len(self._fingerprint)) == self._fingerprint
        except RunLogError:
            return False

    def _parse(self, path: Path, data: bytes) -> list[RunRecord]:
        records: list[RunRecord] = []
        assert self.meta is not None
        for line in data.split(b"\n")[:-1]:
            if len(line) > MAX_LINE_BYTES:
                raise RunLogError(f"longer than {MAX_LINE_BYTES // 2**20} MiB", source=path, line=self.lines + 1)
            if line.strip():
                try:
                    records.append(RunRecord.from_json(line, self.meta, self._read_payload))
                except RunLogError as exc:
                    self._scanned = self.offset  # the bad line and what follows are read again next time
                    if records:
                        return records
                    raise exc.located(path, self.lines + 1) from None
            self.offset += len(line) + 1
            self.lines += 1
        return records

    def _read_payload(self, offset: int, length: int) -> bytes:
        path = self.run_dir / PAYLOAD
        if _regular_stat(path) is None:
            raise RunLogError(f"its arrays are in {PAYLOAD}, which does not exist")
        data = _read_regular(path, offset, length)
        if len(data) != length:
            raise RunLogError(f"its arrays are {length} bytes at {offset} of {PAYLOAD}, which holds only "
                              f"{offset + len(data)}")
        return data

    def closed_at(self) -> int | None:
        """The steps of a finished run (its Monitor closed and wrote ``closed.json``), else None."""
        path = self.run_dir / CLOSED
        if self.meta is None or _regular_stat(path) is None:
            return None
        data = _read_regular(path, 0, 4096)
        try:
            steps = json.loads(data).get("steps")
        except (ValueError, AttributeError, RecursionError):
            steps = None
        if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
            raise RunLogError("is not an object with a whole number of steps", source=path)
        return steps

    def _check_failure(self, key: tuple) -> None:
        if self._failure is not None and self._failure[0] == key:
            raise self._failure[1].with_traceback(None)

    def _fail(self, key: tuple, error: RunLogError) -> RunLogError:
        self._failure = (key, error)
        return error


def read_run(run_dir: str | Path) -> RunLog:
    """Every complete record of a run (a last line cut short by a killed run is not an error).

    Raises NoRunError if the directory has no run yet, RunLogError if a file in it is malformed or is not a
    regular file. It never blocks on a FIFO or a device, and never follows a symlink loop."""
    run_dir = Path(run_dir)
    tail = RunLogTail(run_dir)
    records = tail.poll()
    if tail.meta is None:
        if not run_dir.is_dir():
            raise NoRunError("not a directory" if run_dir.exists() else "no such directory", source=run_dir)
        raise NoRunError(f"no run here yet: no {META}", source=run_dir,
                         hint="a relu_tui.Monitor writes it at its first record, after `every` steps")
    while batch := tail.poll():  # a poll stops before a malformed line; the next one raises there
        records += batch
    return RunLog(tail.meta, records)


def _regular_stat(path: Path) -> os.stat_result | None:
    """``path``'s stat if it is a regular file; None if it does not exist; else RunLogError saying what it is."""
    try:
        st = os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:  # a symlink loop, a name too long, no permission
        raise RunLogError(f"cannot be read: {exc.strerror or exc}", source=path) from None
    kind = file_kind(st.st_mode)
    if kind:
        raise RunLogError(f"is {kind}, not a regular file", source=path)
    return st


def _read_regular(path: Path, offset: int, size: int) -> bytes:
    """Up to ``size`` bytes at ``offset``, opened without blocking and refused unless a regular file."""
    try:
        fd = open_regular(path)
    except NotRegularFile:  # swapped for something else since it was checked
        raise RunLogError("is not a regular file", source=path) from None
    except OSError as exc:
        raise RunLogError(f"cannot be read: {exc.strerror or exc}", source=path) from None
    try:
        chunks, left = [], size
        while left > 0:
            chunk = os.pread(fd, min(left, 2**26), offset)
            if not chunk:
                break
            chunks.append(chunk)
            offset += len(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError as exc:
        raise RunLogError(f"cannot be read: {exc.strerror or exc}", source=path) from None
    finally:
        os.close(fd)

