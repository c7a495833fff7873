"""plotext's matrix, written and read faster than plotext does: braille lines put in after the
rest of the figure is built, and the finished matrix as ANSI text. Both give plotext's own result
to the byte (the same cells, glyphs, colours and escape codes) at a fraction of its cost: plotext
handles every point and every cell through lists of lists, which took three quarters of a chart's
build.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotext._utility as ut

Line = tuple[np.ndarray, np.ndarray, tuple[int, int, int]]  # x, y and the colour of one series


@dataclass(frozen=True)
class Canvas:
    """A built plotext matrix as plain lists (bottom row first), which a copy can draw on while the
    original stays as it was: each cell's marker, colours and style; the data area's columns and rows."""

    marker: list[list[str]]
    fullground: list[list]
    style: list[list]
    background: list[list]  # never drawn on: shared by copies
    columns: range
    rows: range

    @classmethod
    def of(cls, matrix) -> Canvas:
        return cls(matrix.marker, matrix.fullground, matrix.style, matrix.background, matrix.Cols_canvas,
                   matrix.Rows_canvas)

    def copy(self) -> Canvas:
        return Canvas([row[:] for row in self.marker], [row[:] for row in self.fullground],
                      [row[:] for row in self.style], self.background, self.columns, self.rows)


def _cells(values: np.ndarray, limits: Sequence[float], bins: int) -> np.ndarray:
    """plotext's ``get_matrix_data`` for finite values: the same IEEE operations in the same order,
    its own rounding to 8 decimals (halves up) included."""
    low, high = limits
    n = (0.5 + (bins - 1) * (np.asarray(values, dtype=float) - low) / (high - low)) * 10 ** 8
    f = np.floor(n)
    rounded = np.where(n - f < 0.5, f, np.ceil(n)) * 10 ** (-8)
    return np.floor(rounded).astype(np.int64)


@functools.cache
def _glyphs() -> dict[int, str]:
    """Braille glyph by dot mask (bit k: plotext's k-th dot, the top row's first)."""
    return {sum(bit << k for k, bit in enumerate(code)): glyph for code, glyph in ut.braille_codes.items()
            if len(code) == 8}


def draw_lines(canvas: Canvas, lines: Sequence[Line], x_lim: Sequence[float], y_lim: Sequence[float]) -> None:
    """Write ``lines`` (in order; a later one's cell replaces an earlier one's) into the ``canvas``
    of a plotext figure built without them, as ``scatter(x, y, marker="braille")`` would."""
    columns, rows = canvas.columns, canvas.rows
    width, height = len(columns), len(rows)
    if width <= 0 or height <= 0:
        return
    glyphs = _glyphs()
    for x, y, color in lines:
        px, py = _cells(x, x_lim, 2 * width), _cells(y, y_lim, 4 * height)
        cx, cy = px // 2, py // 4
        inside = (cx >= 0) & (cx < width) & (cy >= 0) & (cy < height)
        cx, cy = cx[inside], cy[inside]
        dots = np.left_shift(1, (3 - py[inside] % 4) * 2 + px[inside] % 2)  # plotext lists the top dot row first
        cell = cy * width + cx
        masks = np.zeros(width * height, dtype=np.int64)
        np.bitwise_or.at(masks, cell, dots)
        for index in np.flatnonzero(masks).tolist():
            row, col = divmod(index, width)
            y, x = rows.start + row, columns.start + col  # plotext's insert_element, inside the data area
            canvas.marker[y][x] = glyphs[int(masks[index])]
            canvas.fullground[y][x] = color
            canvas.style[y][x] = ut.no_color


def canvas_text(canvas: Canvas) -> str:
    """The canvas as lines of ANSI text, top row first, as plotext's ``set_canvas`` writes it: each
    run of cells of the same colours opened by their codes and closed by a reset."""
    out = []
    for row in reversed(range(len(canvas.marker))):
        colors = zip(canvas.fullground[row], canvas.style[row], canvas.background[row])
        markers = iter(canvas.marker[row])
        for key, run in itertools.groupby(colors):
            out.append(ut.colors_to_ansi(*key))
            out.append("".join(next(markers) for _ in run))
            out.append(ut.ansi_end)
        out.append("\n")
    return "".join(out)
