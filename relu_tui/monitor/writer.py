"""Writing a run log: ``meta.json`` once and atomically, then records' arrays appended to ``records.bin`` and
their lines to ``records.jsonl``, in that order, so a reader that sees a line finds its arrays."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from relu_tui.files import write_atomic
from relu_tui.monitor import payload
from relu_tui.monitor.runlog import CLOSED, META, PAYLOAD, RECORDS, RunMeta, RunRecord


class RunWriter:
    """Appends records to a run directory; nothing touches the disk before :meth:`start`."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self._records: int | None = None  # file descriptor of records.jsonl, opened with O_APPEND
        self._payload: int | None = None  # of records.bin, likewise
        self._offset = 0  # bytes in records.bin

    @property
    def started(self) -> bool:
        return self._records is not None

    def check_unused(self) -> None:
        """Raise FileExistsError if the directory already holds a run (a run log is never overwritten)."""
        if (self.run_dir / META).exists():
            raise FileExistsError(f"{self.run_dir} already holds a run ({META}); give each run its own directory")

    def start(self, meta: RunMeta) -> None:
        """Create the directory and ``records.jsonl``, then publish ``meta.json`` (whole or not at all)."""
        self.check_unused()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self._records = os.open(self.run_dir / RECORDS, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._payload = os.open(self.run_dir / PAYLOAD, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        self._offset = os.fstat(self._payload).st_size
        write_atomic(self.run_dir / META, meta.to_json() + "\n")

    def append(self, record: RunRecord) -> None:
        """One record: see :meth:`append_batch`."""
        self.append_batch([record], payload.encode(record.layers))

    def append_batch(self, records: list[RunRecord], data: bytes | memoryview) -> None:
        """Records of one run, whose payloads lie one after another in ``data`` (all of a length): all the
        arrays, then all the lines, each file's bytes handed to the OS in one write() call (looped only if it
        takes part)."""
        assert self._records is not None and self._payload is not None, "start() first"
        length = len(data) // max(len(records), 1)
        lines = b"".join(record.binary_line(self._offset + i * length, length) for i, record in enumerate(records))
        _write_all(self._payload, data)
        self._offset += len(data)
        _write_all(self._records, lines)

    def close(self, steps: int | None = None) -> None:
        """Close the files; with ``steps``, a started run also gets ``closed.json``: it is finished."""
        started = self.started
        for fd in (self._records, self._payload):
            if fd is not None:
                os.close(fd)
        self._records = self._payload = None
        if started and steps is not None:
            write_atomic(self.run_dir / CLOSED, json.dumps({"steps": steps, "time": round(time.time(), 3)}) + "\n")


def _write_all(fd: int, data: bytes | memoryview) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
