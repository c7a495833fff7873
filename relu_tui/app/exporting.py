"""Write a trainer's whole history (epoch 0 to now) as JSONL and CSV files."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..report import CsvWriter, write_jsonl
from .session import Session


def export_history(session: Session, names: Iterable[str], directory: Path) -> str:
    """Write one JSONL and one CSV file per variant; returns a note naming the files."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in names:
        trainer = session.trainer(name)
        sc = trainer.scenario
        stem = directory / f"{sc.name}-{name}-seed{sc.seed}-epoch{trainer.epoch}"
        records = [trainer.record_at(e) for e in range(trainer.history.last + 1)]
        with open(stem.with_suffix(".jsonl"), "w", encoding="utf-8") as out:
            write_jsonl(records, sc.name, name, out)
        with open(stem.with_suffix(".csv"), "w", encoding="utf-8", newline="") as out:
            CsvWriter(out).write(records, sc.name, name)
        written += [str(stem.with_suffix(".jsonl")), str(stem.with_suffix(".csv"))]
    return "Exported " + ", ".join(written)
