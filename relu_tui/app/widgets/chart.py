"""Line charts in braille dots: a pure renderer from series to lines of Rich segments, and a widget.

Each cell holds 2x4 dots, so a 60x8 panel is a 120x32 canvas. Everything is vectorized with NumPy
and only the lines that changed are repainted, so a chart redrawn every epoch stays cheap in time
and in bytes sent to the terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from relu_tui.app.palette import DIM
from relu_tui.app.widgets.lines import StripsWidget

# bit of each dot in a braille cell, indexed [row 0..3][column 0..1]
_DOT_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.int32)
_BRAILLE_BASE = 0x2800


@dataclass(frozen=True)
class Series:
    """One line: y values at x positions (NaN leaves a gap), drawn in ``color``; dotted keeps one dot column
    in three, dashed draws three columns and skips three."""

    x: np.ndarray
    y: np.ndarray
    color: str
    dotted: bool = False
    dashed: bool = False


def _canvas_rows(series: Series, columns: int, rows: int, x_range: tuple[float, float],
                 y_range: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """The dots of one series: (pixel column, pixel row) pairs on a ``columns`` x ``rows`` canvas."""
    x = np.asarray(series.x, dtype=float)
    y = np.asarray(series.y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    if not x.size:
        return np.empty(0, int), np.empty(0, int)
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    x0, x1 = x_range
    y0, y1 = y_range
    px = np.arange(columns)
    at = x0 + px * (x1 - x0) / max(columns - 1, 1)
    inside = (at >= x[0] - 1e-9) & (at <= x[-1] + 1e-9)
    if x.size == 1:  # a single point: one dot column at its x
        inside = np.zeros(columns, bool)
        inside[int(round((x[0] - x0) / max(x1 - x0, 1e-12) * (columns - 1)))] = True
    values = np.interp(at, x, y)
    py = np.clip(np.round((y1 - values) / max(y1 - y0, 1e-12) * (rows - 1)), 0, rows - 1).astype(int)
    # join consecutive columns with a vertical run, so steep segments stay connected
    prev = np.concatenate([py[:1], py[:-1]])
    prev = np.where(np.concatenate([[False], inside[:-1]]), prev, py)
    lo, hi = np.minimum(prev, py), np.maximum(prev, py)
    if series.dotted:
        inside &= px % 3 == 0
        lo = hi = py
    elif series.dashed:
        inside &= px % 6 < 3
    counts = np.where(inside, hi - lo + 1, 0)
    cols = np.repeat(px, counts)
    starts = np.repeat(lo, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    return cols, starts + offsets


def render_chart(series: Sequence[Series], width: int, height: int, x_range: tuple[float, float],
                 y_range: tuple[float, float]) -> list[list[Segment]]:
    """``height`` lines of ``width`` braille cells; a cell takes the colour of the last series drawn in it."""
    if width <= 0 or height <= 0:
        return []
    bits = np.zeros((height, width), dtype=np.int32)
    owner = np.full((height, width), -1, dtype=np.int32)
    for index, s in enumerate(series):
        cols, rows = _canvas_rows(s, 2 * width, 4 * height, x_range, y_range)
        if not cols.size:
            continue
        cell_r, cell_c = rows // 4, cols // 2
        np.bitwise_or.at(bits, (cell_r, cell_c), _DOT_BITS[rows % 4, cols % 2])
        owner[cell_r, cell_c] = index
    styles = [Style(color=s.color) for s in series]
    lines = []
    for r in range(height):
        segments: list[Segment] = []
        text = "".join(chr(_BRAILLE_BASE + b) if b else " " for b in bits[r].tolist())
        start = 0
        row_owner = owner[r].tolist()
        for c in range(1, width + 1):
            if c == width or row_owner[c] != row_owner[start]:
                o = row_owner[start]
                segments.append(Segment(text[start:c], styles[o] if o >= 0 else None))
                start = c
        lines.append(segments)
    return lines


def tick(value: float) -> str:
    """A short axis label."""
    return f"{value:.0f}" if float(value).is_integer() and abs(value) < 1e6 else f"{value:.3g}"


class LineChart(StripsWidget):
    """Braille line chart with a y axis on the left (three ticks) and the x range underneath."""

    DEFAULT_CSS = "LineChart { height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._series: tuple[Series, ...] = ()
        self._x_range = (0.0, 1.0)
        self._y_range = (0.0, 1.0)
        self._x_label = ""

    def plot(self, series: Sequence[Series], x_range: tuple[float, float], y_range: tuple[float, float],
             x_label: str = "") -> None:
        self._series, self._x_range, self._y_range, self._x_label = tuple(series), x_range, y_range, x_label
        self.rebuild()

    def build(self, width: int, height: int) -> list[Strip]:
        y0, y1 = self._y_range
        labels = [tick(y1), tick((y0 + y1) / 2), tick(y0)]
        gutter = max(len(label) for label in labels) + 1
        plot_height = max(height - 1, 1)
        chart = render_chart(self._series, width - gutter, plot_height, self._x_range, self._y_range)
        marks = {0: labels[0], plot_height // 2: labels[1], plot_height - 1: labels[2]}
        lines = []
        for r, segments in enumerate(chart):
            axis = (marks[r].rjust(gutter - 1) + "┤") if r in marks else " " * (gutter - 1) + "│"
            lines.append(Strip([Segment(axis, DIM), *segments]).adjust_cell_length(width))
        if height > 1:
            left, right = tick(self._x_range[0]), tick(self._x_range[1])
            inner = width - gutter
            middle = self._x_label.center(max(inner - len(left) - len(right), 0))
            axis = " " * gutter + (left + middle + right)[:inner].ljust(inner)
            lines.append(Strip([Segment(axis, DIM)]).adjust_cell_length(width))
        return lines
