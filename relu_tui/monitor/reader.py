"""Reading a run log: all of it (:func:`read_run`) or as it grows (:class:`RunLogTail`), and per-layer arrays."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .errors import NoRunError, RunLogError
from .runlog import META, NO_EPOCH, RECORDS, UNIT_FIELDS, RunMeta, RunRecord


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


class RunLogTail:
    """Follows a run directory while it is written: each :meth:`poll` returns the records completed since.

    It keeps a byte offset into ``records.jsonl`` and reads only whole lines: a last line still being written
    (or cut short by a killed run) is left for a later poll. Before ``meta.json`` exists, ``meta`` is None and
    polls return nothing.
    """

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.meta: RunMeta | None = None
        self.offset = 0  # bytes of records.jsonl read
        self.lines = 0  # complete lines read

    def poll(self) -> list[RunRecord]:
        """New complete records. A complete line that is not a valid record raises RunLogError naming the file
        and line, after the records before it have been returned (by this poll or, if it had none, the next)."""
        if self.meta is None:
            self.meta = _read_meta(self.run_dir)
            if self.meta is None:
                return []
        path = self.run_dir / RECORDS
        try:
            with open(path, "rb") as file:
                size = os.fstat(file.fileno()).st_size
                if size < self.offset:
                    raise RunLogError(f"shorter ({size} bytes) than the {self.offset} bytes already read",
                                      source=path, hint="was the run directory reused?")
                file.seek(self.offset)
                data = file.read()
        except FileNotFoundError:
            return []
        records: list[RunRecord] = []
        for line in data[: data.rfind(b"\n") + 1].split(b"\n")[:-1]:
            if line.strip():
                try:
                    records.append(RunRecord.from_json(line, self.meta))
                except RunLogError as exc:
                    if records:
                        break
                    raise exc.located(path, self.lines + 1) from None
            self.offset += len(line) + 1
            self.lines += 1
        return records


def read_run(run_dir: str | Path) -> RunLog:
    """Every complete record of a run (a last line cut short by a killed run is not an error).

    Raises NoRunError if the directory has no run yet, RunLogError if a file in it is malformed."""
    tail = RunLogTail(run_dir)
    records = tail.poll()
    if tail.meta is None:
        run_dir = Path(run_dir)
        if not run_dir.is_dir():
            raise NoRunError("no such directory", source=run_dir)
        raise NoRunError(f"no run here yet: no {META}", source=run_dir,
                         hint="a relu_tui.Monitor writes it at its first record, after `every` steps")
    while batch := tail.poll():  # a poll stops before a malformed line; the next one raises there
        records += batch
    return RunLog(tail.meta, records)


def _read_meta(run_dir: Path) -> RunMeta | None:
    path = run_dir / META
    try:
        text = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        return RunMeta.from_json(text)
    except RunLogError as exc:
        raise exc.located(path) from None
