"""A user's own data: a CSV of numeric feature columns and one label column."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ScenarioError


@dataclass(frozen=True)
class CsvTable:
    features: np.ndarray  # (n, d) float64
    labels: np.ndarray  # (n,) float64
    feature_names: tuple[str, ...]
    label_name: str


def _number(cell: str) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_csv(path: Path, label_column: str | int | None, *, key: str = "data.csv") -> CsvTable:
    """Read ``path``; the first row is a header when any of its cells is not a number.

    ``label_column`` is a header name or a 0-based index (negative counts from
    the end); None means the last column.
    """
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = [(n, row) for n, row in enumerate(csv.reader(handle), start=1) if any(c.strip() for c in row)]
    except FileNotFoundError:
        raise ScenarioError("file not found", key=key, value=str(path), expected="a readable CSV file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError(f"cannot read CSV ({exc})", key=key, value=str(path), expected="a UTF-8 CSV file") from None
    if not rows:
        raise ScenarioError("empty CSV", source=path, expected="a header and rows of numbers")
    first = rows[0][1]
    has_header = any(_number(c) is None for c in first)
    names = [c.strip() for c in first] if has_header else [f"x{i + 1}" for i in range(len(first))]
    body = rows[1:] if has_header else rows
    if len(names) < 2:
        raise ScenarioError("too few columns", source=path, line=rows[0][0], expected="at least one feature column and a label column")
    if len(body) < 4:
        raise ScenarioError("too few rows", source=path, expected="at least 4 data rows")
    label_index = _label_index(label_column, names, path)
    values = np.empty((len(body), len(names)), dtype=np.float64)
    for r, (line, row) in enumerate(body):
        if len(row) != len(names):
            raise ScenarioError(
                f"row has {len(row)} cells", source=path, line=line, expected=f"{len(names)} cells like the first row"
            )
        for c, cell in enumerate(row):
            value = _number(cell.strip())
            if value is None:
                raise ScenarioError("non-numeric cell", source=path, line=line, key=f"column '{names[c]}'",
                                    value=cell, expected="a finite number")
            values[r, c] = value
    keep = [i for i in range(len(names)) if i != label_index]
    return CsvTable(values[:, keep], values[:, label_index], tuple(names[i] for i in keep), names[label_index])


def _label_index(label_column: str | int | None, names: list[str], path: Path) -> int:
    if label_column is None:
        return len(names) - 1
    if isinstance(label_column, int):
        if -len(names) <= label_column < len(names):
            return label_column % len(names)
        raise ScenarioError("no such column", source=path, key="data.label_column", value=label_column,
                            expected=f"an index from {-len(names)} to {len(names) - 1}")
    if label_column in names:
        return names.index(label_column)
    raise ScenarioError("no such column", source=path, key="data.label_column", value=label_column,
                        expected="one of " + ", ".join(repr(n) for n in names))
