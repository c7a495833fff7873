"""Write a trainer's whole history (epoch 0 to now) as JSONL and CSV files."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from relu_tui.engine.report import CsvWriter, write_jsonl
from relu_tui.engine.session import Session
from relu_tui.files import WriteFailed, inside, safe_filename, write_atomic
from relu_tui.visible import visible


def export_history(session: Session, names: Iterable[str], directory: Path) -> str:
    """Write one JSONL and one CSV file per variant into ``directory`` (named after the scenario and
    variant, made safe: never outside it); returns a note naming the files. Each file is replaced whole:
    on WriteFailed, an earlier export of the same name is intact."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(directory, exc) from exc
    written = []
    for name in names:
        trainer = session.trainer(name)
        sc = trainer.scenario
        stem = safe_filename(f"{sc.name}-{name}-seed{sc.seed}-epoch{trainer.epoch}")
        records = [trainer.record_at(e) for e in range(trainer.history.last + 1)]
        jsonl, table = io.StringIO(), io.StringIO(newline="")
        write_jsonl(records, sc.name, name, jsonl)
        CsvWriter(table).write(records, sc.name, name)
        for suffix, text in ((".jsonl", jsonl), (".csv", table)):
            written.append(visible(str(write_atomic(inside(directory, stem + suffix), text.getvalue()))))
    return "Exported " + ", ".join(written)
