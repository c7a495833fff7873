"""One chart, built with plotext: series, axes with ticks and titles, then lines of ANSI text.

A chart is plain data (:class:`Chart`); :func:`render` draws it at a size. Each series is thinned
to about two points per column first (the extremes of each bucket kept, so a spike survives),
so a build costs the same whatever the length of the history. plotext builds the axes and any
bars or glyphs, kept while they would look the same, and the braille lines go straight into its
matrix (:mod:`.matrix`): a chart of lines costs about 1 ms, a tenth of plotext's own drawing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import plotext._utility as ut
from plotext._figure import _figure_class as Figure

from relu_tui.plots.colors import AXIS_COLOR
from relu_tui.plots.matrix import Canvas, canvas_text, draw_lines, draw_points, redraw_ticks

LINE = "braille"  # a series drawn as a line of braille dots; any other marker is a glyph per point
ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
MIN_SIZE = (16, 4)  # smaller than this, a chart is not drawn


@dataclass(frozen=True, eq=False)
class Series:
    """One series: ``y`` at ``x`` (non-finite points are left out); ``marker`` LINE draws a line,
    a glyph draws one at each point; ``bars`` draws bars of ``bar_width`` instead."""

    label: str
    x: np.ndarray
    y: np.ndarray
    color: str
    marker: str = LINE
    bars: bool = False
    bar_width: float = 0.8

    def key(self) -> tuple:
        return (self.label, self.color, self.marker, self.bars, self.bar_width,
                np.asarray(self.x, dtype=float).tobytes(), np.asarray(self.y, dtype=float).tobytes())


@dataclass(frozen=True)
class Ticks:
    """Tick positions and their labels."""

    at: tuple[float, ...]
    labels: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class Chart:
    """Series on one pair of axes, each axis with its range, ticks and title."""

    series: tuple[Series, ...]
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    x_ticks: Ticks
    y_ticks: Ticks
    x_label: str = ""
    y_label: str = ""
    legend: tuple[tuple[str, str, str], ...] = field(default=())  # (sample glyphs, label, colour)

    def key(self) -> tuple:
        """Equal for charts that draw the same picture: the cache key of a drawn chart."""
        return (tuple(s.key() for s in self.series), self.x_range, self.y_range, self.x_ticks, self.y_ticks,
                self.x_label, self.y_label)


def rgb(color: str) -> tuple[int, int, int]:
    value = color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def nice_ticks(low: float, high: float, count: int = 5, integer: bool = False) -> Ticks:
    """About ``count`` round tick values covering [low, high] (whole numbers only if ``integer``)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return Ticks((low,), (tick_label(low),))
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10.0 ** math.floor(math.log10(raw))
    steps = [m * magnitude for m in (0.5, 1, 2, 2.5, 5, 10)]
    step = next(m for m in steps if m >= raw)
    for step in [m for m in steps if m <= step][::-1]:  # the widest step that still gives two ticks
        if integer:
            step = max(1.0, round(step))
        first = math.ceil(low / step - 1e-9) * step
        values = [first + k * step for k in range(int((high - first) / step + 1e-9) + 1)]
        if len(values) >= 2:
            break
    values = [0.0 if abs(v) < step * 1e-9 else round(v, 12) for v in values]
    return Ticks(tuple(values), tuple(tick_label(v) for v in values))


def log_ticks(low: float, high: float, count: int = 5) -> Ticks:
    """Ticks for an axis holding log10 values: at most about ``count`` powers of ten (with 2 and 5
    times them when the range spans under two decades), labelled in the original units."""
    first, last = math.floor(low), math.ceil(high)
    stride = max(1, math.ceil((last - first) / max(count - 1, 1)))
    steps = (1, 2, 5) if high - low < 2 else (1,)
    values = [math.log10(m) + d for d in range(first, last + 1, stride) for m in steps]
    values = [v for v in values if low - 1e-9 <= v <= high + 1e-9] or [low, high]
    return Ticks(tuple(values), tuple(_power_label(v) for v in values))


def _power_label(exponent: float) -> str:
    """10 ** exponent, short: 0.01, 0.5, 20, 1000, 1e5."""
    if exponent.is_integer() and abs(exponent) >= 4:
        return f"1e{int(exponent)}"
    return tick_label(float(f"{10.0 ** exponent:.3g}"))


def tick_label(value: float) -> str:
    """A short label: integers as they are, else three significant digits."""
    if float(value).is_integer() and abs(value) < 1e6:
        return f"{value:.0f}"
    return f"{value:.3g}"


def thin(x: np.ndarray, y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """The finite points of a series, at most about two per column: each bucket's lowest and highest."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    x, y = x[keep], y[keep]
    buckets = max(columns, 1)
    if x.size <= 2 * buckets:
        return x, y
    bucket = np.arange(x.size) * buckets // x.size
    order = np.lexsort((y, bucket))  # by bucket, then by value: each bucket's first is its lowest, last its highest
    starts = np.searchsorted(bucket[order], np.arange(buckets))
    ends = np.append(starts[1:], x.size) - 1
    index = np.unique(np.concatenate([order[starts], order[ends]]))
    return x[index], y[index]


def dense(x: np.ndarray, y: np.ndarray, x_range: tuple[float, float], y_range: tuple[float, float],
          columns: int, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The polyline through the (sorted, finite) points as a point per pixel column of a
    ``columns`` x ``rows`` canvas, with the pixels between two columns' heights filled in, so a
    steep segment stays connected."""
    if x.size < 2:
        return x, y
    x0, x1 = x_range
    step = (x1 - x0) / max(columns, 1)
    at = np.arange(x[0], x[-1] + step / 2, step)
    at[-1] = min(at[-1], x[-1])
    values = np.interp(at, x, y)
    y0, y1 = y_range
    pixel = (y1 - y0) / max(rows, 1)
    with np.errstate(invalid="ignore"):
        level = np.round((values - y0) / pixel)
    gaps = np.abs(np.diff(level)).astype(int) - 1  # pixels missing between one column and the next
    gaps = np.maximum(np.nan_to_num(gaps, nan=0), 0)
    if not gaps.any():
        return at, values
    fill_x = np.repeat(at[1:], gaps)
    start = np.repeat(level[:-1], gaps)
    direction = np.repeat(np.sign(np.diff(level)), gaps)
    offset = np.arange(gaps.sum()) - np.repeat(np.cumsum(gaps) - gaps, gaps) + 1
    fill_y = y0 + (start + direction * offset) * pixel
    return np.concatenate([at, fill_x]), np.concatenate([values, fill_y])


def render(chart: Chart, width: int, height: int) -> list[str]:
    """The chart as ``height`` lines of ANSI text, each ``width`` cells wide (fewer lines, none when
    the size is below :data:`MIN_SIZE`)."""
    if width < MIN_SIZE[0] or height < MIN_SIZE[1]:
        return []
    columns = max(width - 8, 1)
    drawn = []
    for s in chart.series:
        x, y = thin(s.x, s.y, columns) if not s.bars else (np.asarray(s.x, float), np.asarray(s.y, float))
        if x.size:
            drawn.append((s, x, y))
    # the lines after the last other series go in after plotext has built the rest (matrix.py)
    tail = len(drawn)
    while tail and drawn[tail - 1][0].marker == LINE and not drawn[tail - 1][0].bars:
        tail -= 1
    lines = []
    for s, x, y in drawn[tail:]:  # dots at every pixel of the line: plotext's own line drawing costs twice as much
        dx, dy = dense(x, y, chart.x_range, chart.y_range, 2 * width, 4 * height)
        lines.append((dx, dy, rgb(s.color)))
    x_lim, y_lim = sorted(map(float, chart.x_range)), sorted(map(float, chart.y_range))  # as plotext keeps them
    if not drawn or any(s.bars for s, _, _ in drawn):  # bars (a histogram's) change every frame: nothing to keep
        canvas = Canvas.of(_built(chart, width, height, drawn[:tail]).matrix)
    else:
        canvas = _under_lines(chart, width, height, drawn[:tail], x_lim, y_lim)
    draw_lines(canvas, lines, x_lim, y_lim)
    return canvas_text(canvas).split("\n")[:height]


_KEPT: dict[tuple, Canvas] = {}  # what plotext drew of a chart before its lines, by what it depends on
_AXES: dict[tuple, tuple[Canvas, object, object]] = {}  # axes alone by their layout, with plotext's tick colours
_DATA_AREAS: dict[tuple, tuple[int, int]] = {}  # the data area's columns and rows, by the chart's layout
_KEEP = 64  # pictures kept at most (a few per chart on screen)


def _under_lines(chart: Chart, width: int, height: int, series: list[tuple[Series, np.ndarray, np.ndarray]],
                 x_lim: list[float], y_lim: list[float]) -> Canvas:
    """A copy of what plotext draws of the chart before its trailing lines (the axes, and any other
    series: a fit's targets), kept while it would look the same. Axes alone depend on the ranges
    only through the cells the ticks fall in (a range that grows by an epoch seldom moves one);
    other series, on the ranges themselves. When the ticks moved or changed (a history growing by
    an epoch moves them often), they are drawn again on the axes plotext built for the same layout
    (the size, the titles, whether there are x labels and how wide the y labels are), and any
    series of glyphs (dots) put in as plotext puts them; plotext builds the rest."""
    base = (width, height, chart.x_ticks, chart.y_ticks, chart.x_label, chart.y_label,
            tuple((s.label, s.color, s.marker, s.bars, s.bar_width, x.tobytes(), y.tobytes()) for s, x, y in series))

    def key(area: tuple[int, int]) -> tuple:
        if series:
            return base, tuple(x_lim), tuple(y_lim)
        return (base, tuple(ut.get_matrix_data(list(chart.x_ticks.at), x_lim, area[0])),
                tuple(ut.get_matrix_data(list(chart.y_ticks.at), y_lim, area[1])))

    layout = (width, height, chart.x_label, chart.y_label, bool(chart.x_ticks.labels),
              max(map(len, chart.y_ticks.labels), default=0))
    area = _DATA_AREAS.get(layout)
    kept = _KEPT.get(key(area)) if area is not None else None
    glyphs = [(x, y, rgb(s.color), _glyph(s.marker)) for s, x, y in series]
    if kept is None and all(g[3] is not None for g in glyphs):
        if layout not in _AXES:
            _axes_built(chart, width, height, layout)
        axes, color, style = _AXES[layout]
        kept = redraw_ticks(axes, (chart.x_ticks.at, chart.x_ticks.labels, x_lim),
                            (chart.y_ticks.at, chart.y_ticks.labels, y_lim), color, style)
        if kept is not None:
            draw_points(kept, glyphs, x_lim, y_lim)
            _keep(key(_DATA_AREAS[layout]), kept)
    if kept is None:
        kept = _canvas(_built(chart, width, height, series, axes=not series), layout)
        _keep(key(_DATA_AREAS[layout]), kept)
    return kept.copy()


def _axes_built(chart: Chart, width: int, height: int, layout: tuple) -> None:
    """The chart's axes alone as plotext builds them, kept by their layout with its tick colours."""
    monitor = _built(chart, width, height, [], axes=True)
    _AXES[layout] = (_canvas(monitor, layout), monitor.ticks_color, monitor.ticks_style)


def _canvas(monitor, layout: tuple) -> Canvas:
    """The built matrix of ``monitor``, its data area kept by the chart's ``layout``."""
    if len(_DATA_AREAS) >= _KEEP:  # and the axes, by the same layouts
        _DATA_AREAS.clear()
        _AXES.clear()
    canvas = Canvas.of(monitor.matrix)
    _DATA_AREAS[layout] = (len(canvas.columns), len(canvas.rows))
    return canvas


def _glyph(marker: str) -> str | None:
    """The one-cell glyph plotext draws for a scatter's ``marker`` (None: a line, drawn finer)."""
    marker = ut.marker_codes.get(marker, marker)
    return None if marker in ut.hd_symbols else marker[0]


def _keep(key: tuple, canvas: Canvas) -> None:
    if len(_KEPT) >= _KEEP:
        _KEPT.clear()
    _KEPT[key] = canvas


def _built(chart: Chart, width: int, height: int, series: list[tuple[Series, np.ndarray, np.ndarray]],
           axes: bool = False):
    """plotext's monitor for the chart with ``series`` (thinned) on it, built (its matrix filled);
    ``axes``: with a point off the canvas too, as plotext draws axes only around a series."""
    figure = plotext_figure(chart, width, height, series, axes)
    figure._set_sizes()  # figure.build() up to its text: the lines go in first
    figure.monitor.build_plot()
    return figure.monitor


def plotext_figure(chart: Chart, width: int, height: int, series: list[tuple[Series, np.ndarray, np.ndarray]],
            axes: bool = False):
    """A plotext figure of the chart with ``series`` (thinned) on it, not yet built."""
    figure = Figure()
    figure._limit_size(False, False)  # the size asked for, not the terminal's (there may be none)
    figure.plot_size(width, height)
    figure.theme("clear")
    figure.ticks_color(rgb(AXIS_COLOR))
    figure.axes_color("default")
    figure.canvas_color("default")
    for s, x, y in series:
        if s.bars:
            figure.bar(x.tolist(), y.tolist(), color=rgb(s.color), width=s.bar_width, marker="sd")
        elif s.marker == LINE:
            dx, dy = dense(x, y, chart.x_range, chart.y_range, 2 * width, 4 * height)
            figure.scatter(dx.tolist(), dy.tolist(), color=rgb(s.color), marker=LINE)
        else:
            figure.scatter(x.tolist(), y.tolist(), color=rgb(s.color), marker=s.marker)
    if axes:
        low, high = chart.x_range
        figure.scatter([low - (high - low)], [chart.y_range[0]], marker="·")
    figure.xlim(*chart.x_range)
    figure.ylim(*chart.y_range)
    figure.xticks(list(chart.x_ticks.at), list(chart.x_ticks.labels))
    figure.yticks(list(chart.y_ticks.at), list(chart.y_ticks.labels))
    if chart.x_label:
        figure.xlabel(chart.x_label)
    if chart.y_label:
        figure.ylabel(chart.y_label)
    return figure


def plain(line: str) -> str:
    """A line without its escape codes: what a file or a pipe gets."""
    return ESCAPE.sub("", line)


def legend_line(chart: Chart, color: bool) -> str:
    """The chart's legend as one line: each entry's sample glyphs (in its colour) and label."""
    parts = []
    for sample, label, hue in chart.legend:
        r, g, b = rgb(hue)
        parts.append(f"\x1b[38;2;{r};{g};{b}m{sample}\x1b[0m {label}" if color else f"{sample} {label}")
    return "  ".join(parts)


def span(values: Sequence[float], pad: float = 0.0) -> tuple[float, float]:
    """The finite range of ``values``, widened by ``pad`` of itself (a flat range by 1)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return 0.0, 1.0
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return low - 0.5, high + 0.5
    extra = (high - low) * pad
    return low - extra, high + extra
