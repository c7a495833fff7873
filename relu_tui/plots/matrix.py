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


def draw_points(canvas: Canvas, points: Sequence[tuple[np.ndarray, np.ndarray, tuple[int, int, int], str]],
                x_lim: Sequence[float], y_lim: Sequence[float]) -> None:
    """Write each series of ``points`` (x, y, colour, glyph; a later one's cell replaces an earlier
    one's) into ``canvas`` as plotext's ``scatter`` would: its glyph in each cell of the data area
    a point falls in."""
    columns, rows = canvas.columns, canvas.rows
    for x, y, color, glyph in points:
        cx, cy = _cells(x, x_lim, len(columns)), _cells(y, y_lim, len(rows))
        inside = (cx >= 0) & (cx < len(columns)) & (cy >= 0) & (cy < len(rows))
        for col, row in set(zip(cx[inside].tolist(), cy[inside].tolist())):
            canvas.marker[rows.start + row][columns.start + col] = glyph
            canvas.fullground[rows.start + row][columns.start + col] = color
            canvas.style[rows.start + row][columns.start + col] = ut.no_color


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


def redraw_ticks(canvas: Canvas, x: Axis, y: Axis, color, style) -> Canvas | None:
    """A copy of ``canvas`` (axes alone, as plotext built them for other ranges) with the ticks and
    their labels of ``x`` and ``y`` drawn as plotext's ``build_plot`` draws them; None when a y tick
    falls outside the data rows (plotext would draw its label over a frame)."""
    (x_ticks, x_labels, x_lim), (y_ticks, y_labels, y_lim) = (_kept(*x), _kept(*y))
    x_cells = ut.get_matrix_data(x_ticks, x_lim, len(canvas.columns))
    y_cells = ut.get_matrix_data(y_ticks, y_lim, len(canvas.rows))
    if not x_labels or any(not 0 <= r < len(canvas.rows) for r in y_cells):
        return None
    out = canvas.copy()
    _x_ticks(out, x_cells, x_labels, color, style)
    _y_ticks(out, y_cells, ut.add_extra_spaces(y_labels, "left"), color, style)
    return out


Axis = tuple[Sequence[float], Sequence[str], Sequence[float]]  # an axis' ticks, their labels and its limits


def _kept(ticks: Sequence[float], labels: Sequence[str], limits: Sequence[float]) -> Axis:
    """Ticks and labels in the order plotext keeps them (that of a set: it draws them in turn)."""
    return (*ut.brush(list(ticks), [str(label) for label in labels]), limits)


def _put(out: Canvas, col: int, row: int, text: str, color, style=None) -> None:
    for i, char in enumerate(text):
        out.marker[row][col + i], out.fullground[row][col + i] = char, color
        if style is not None:
            out.style[row][col + i] = style


def _x_ticks(out: Canvas, cells: list[int], labels: list[str], color, style) -> None:
    """The labels under the x axis, each centred on its tick where it fits with a space either side
    (else left out, and its tick with it), then the lower axis with ``┬`` at each tick kept."""
    axis_row, label_row = out.rows.start - 1, out.rows.start - 2
    markers, start = out.marker[label_row], out.columns.start
    _put(out, 0, label_row, ut.space * len(markers), ut.no_color, ut.no_color)
    kept = []
    for cell, label in zip(cells, labels):
        col = ut.correct_coord(markers, label, start + cell)
        if col >= 0 and col + len(label) <= len(markers) and all(
                markers[c] == ut.space for c in range(max(col - 1, 0), min(col + len(label) + 1, len(markers)))):
            _put(out, col, label_row, label, color, style)
            kept.append(cell)
    _put(out, start, axis_row, "".join("┬" if i in kept else "─" for i in range(len(out.columns))), color)


def _y_ticks(out: Canvas, cells: list[int], labels: list[str], color, style) -> None:
    """The labels left of the y axis (a later one over an earlier one on the same row), then the
    axis with ``┤`` at each tick."""
    margin = out.columns.start - 1
    for row in out.rows:
        _put(out, 0, row, ut.space * margin, ut.no_color, ut.no_color)
    for cell, label in zip(cells, labels):
        _put(out, 0, out.rows.start + cell, label, color, style)
    for i, row in enumerate(out.rows):
        _put(out, margin, row, "┤" if i in cells else "│", color)
