"""Writing a run log: ``meta.json`` once and atomically, then one ``records.jsonl`` line per record."""

from __future__ import annotations

import os
from pathlib import Path

from relu_tui.files import write_atomic
from relu_tui.monitor.runlog import META, RECORDS, RunMeta, RunRecord


class RunWriter:
    """Appends records to a run directory; nothing touches the disk before :meth:`start`."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self._records: int | None = None  # file descriptor of records.jsonl, opened with O_APPEND

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
        write_atomic(self.run_dir / META, meta.to_json() + "\n")

    def append(self, record: RunRecord) -> None:
        """One line, handed to the OS in one write() call (looped only if the OS takes part of it)."""
        assert self._records is not None, "start() first"
        line = memoryview(record.to_json())
        while line:
            line = line[os.write(self._records, line):]

    def close(self) -> None:
        if self._records is not None:
            os.close(self._records)
            self._records = None
