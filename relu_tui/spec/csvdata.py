"""A user's own data: a CSV of numeric feature columns and one label column."""

from __future__ import annotations

import csv
import io
import math
from array import array
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from relu_tui.errors import ScenarioError
from relu_tui.files import CSV_LIMIT, read_text
from relu_tui.spec.validate import FLOAT32_MAX
from relu_tui.visible import visible

MAX_COLUMNS = 4097


@dataclass(frozen=True)
class CsvTable:
    features: np.ndarray  # (n, d) float64
    labels: np.ndarray  # (n,) float64
    feature_names: tuple[str, ...]
    label_name: str


def _number(cell: str, limit: float = FLOAT32_MAX) -> float | None:
    try:
        value = float(cell)
    except ValueError:
        return None
    return value if math.isfinite(value) and abs(value) <= limit else None


def read_csv(path: Path, label_column: str | int | None, *, key: str = "data.csv") -> CsvTable:
    """Read ``path``; the first row is a header when any of its cells is not a number.

    ``label_column`` is a header name or a 0-based index (negative counts from
    the end); None means the last column. Only a regular file of at most
    ``CSV_LIMIT`` bytes of UTF-8 text (a BOM is dropped) is read.
    """
    try:
        text = read_text(path, CSV_LIMIT, "a readable CSV file")
    except ScenarioError as exc:
        raise ScenarioError(exc.problem, key=key, value=str(path), expected=exc.expected) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    names: list[str] | None = None
    values = array("d")  # the cells row after row: 8 bytes each, not a Python object per cell
    first_line = rows = 0
    try:
        for row in reader:
            if not any(c.strip() for c in row):
                continue
            if names is None:
                first_line = reader.line_num
                names = _header(row, path, first_line)
                if names is not None:
                    continue
                names = [f"x{i + 1}" for i in range(len(row))]
            _append_row(values, row, names, path, reader.line_num)
            rows += 1
    except csv.Error as exc:
        raise ScenarioError(f"cannot read CSV ({exc})", source=path, line=reader.line_num,
                            expected="a CSV file") from None
    if names is None:
        raise ScenarioError("empty CSV", source=path, expected="a header and rows of numbers")
    if len(names) < 2:
        raise ScenarioError("too few columns", source=path, line=first_line,
                            expected="at least one feature column and a label column")
    if rows < 4:
        raise ScenarioError("too few rows", source=path, expected="at least 4 data rows")
    table = np.frombuffer(values, dtype=np.float64).reshape(rows, len(names))
    label_index = _label_index(label_column, names, path)
    keep = [i for i in range(len(names)) if i != label_index]
    return CsvTable(table[:, keep], table[:, label_index].copy(), tuple(names[i] for i in keep), names[label_index])


def _header(row: list[str], path: Path, line: int) -> list[str] | None:
    """The column names if ``row`` is a header (a cell is not a number), else None."""
    if len(row) > MAX_COLUMNS:
        raise ScenarioError(f"too many columns ({len(row)})", source=path, line=line,
                            expected=f"at most {MAX_COLUMNS} (4096 features and a label)")
    if all(_number(c) is not None for c in row):
        return None
    names = [c.strip() for c in row]
    for name in names:
        if len(name) > 200 or name != visible(name):
            raise ScenarioError("bad column name", source=path, line=line, key="header", value=name,
                                expected="a name of at most 200 characters without control characters")
    return names


def _append_row(values: array, row: list[str], names: list[str], path: Path, line: int) -> None:
    if len(row) != len(names):
        raise ScenarioError(f"row has {len(row)} cells", source=path, line=line,
                            expected=f"{len(names)} cells like the first row")
    for c, cell in enumerate(row):
        value = _number(cell.strip())
        if value is None:
            big = _number(cell.strip(), limit=math.inf) is not None
            raise ScenarioError("beyond the float32 range" if big else "non-numeric cell", source=path, line=line,
                                key=f"column '{names[c]}'", value=cell,
                                expected=f"a number of magnitude at most {FLOAT32_MAX:.4g}" if big else "a finite number")
        values.append(value)


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
