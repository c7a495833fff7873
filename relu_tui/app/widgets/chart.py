"""Charts on screen: plotext's lines (:mod:`relu_tui.plots`) decoded into strips, redrawn only when
a chart's data or the widget's size changed.

Decoding plotext's escape codes here, rather than through ``Text.from_ansi``, costs a tenth as
much: plotext writes only a foreground colour, a background and resets.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from relu_tui.app.widgets.lines import StripsWidget
from relu_tui.plots.chart import Chart, render

_CODE = re.compile(r"\x1b\[([0-9;]*)m")


@functools.lru_cache(maxsize=512)
def _style(codes: str) -> Style | None:
    """The style an SGR sequence sets (plotext resets before each colour, so no state carries over)."""
    parts = [int(p) for p in codes.split(";") if p]
    color = bgcolor = None
    bold = False
    k = 0
    while k < len(parts):
        code = parts[k]
        if code in (38, 48) and k + 4 < len(parts) and parts[k + 1] == 2:
            rgb = Color.from_rgb(*parts[k + 2:k + 5])
            color, bgcolor = (rgb, bgcolor) if code == 38 else (color, rgb)
            k += 5
            continue
        bold = bold or code == 1
        k += 1
    if color is None and bgcolor is None and not bold:
        return None
    return Style(color=color, bgcolor=bgcolor, bold=bold or None)


def ansi_strip(line: str, width: int) -> Strip:
    """One line of plotext's output as a strip of ``width`` cells."""
    segments = []
    style = None
    pieces = _CODE.split(line)
    for index, piece in enumerate(pieces):
        if index % 2:
            style = _style(piece)
        elif piece:
            segments.append(Segment(piece, style))
    return Strip(segments).adjust_cell_length(width)


def chart_strips(chart: Chart, width: int, height: int) -> list[Strip]:
    lines = render(chart, width, height)
    return [ansi_strip(line, width) for line in lines] + [Strip.blank(width)] * (height - len(lines))


def legend_markup(chart: Chart) -> str:
    """The chart's legend in Rich markup, for a border title: each entry in its colour."""
    return " ".join(f"[{color}]{sample} {label}[/]" for sample, label, color in chart.legend)


class ChartView(StripsWidget):
    """Charts side by side, splitting the width; each is drawn again only when its picture (its
    data, ranges and ticks) or its size changed."""

    DEFAULT_CSS = "ChartView { height: 1fr; }"

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._charts: tuple[Chart, ...] = ()
        self._drawn: dict[int, tuple[tuple, list[Strip]]] = {}

    def plot(self, charts: Sequence[Chart]) -> None:
        self._charts = tuple(charts)
        self.rebuild()

    def build(self, width: int, height: int) -> list[Strip]:
        if not self._charts:
            return []
        n = len(self._charts)
        widths = [width // n + (1 if k < width % n else 0) for k in range(n)]
        columns = []
        for k, (chart, w) in enumerate(zip(self._charts, widths)):
            key = (chart.key(), w, height)
            drawn = self._drawn.get(k)
            if drawn is None or drawn[0] != key:
                drawn = self._drawn[k] = (key, chart_strips(chart, w, height))
            columns.append(drawn[1])
        return [Strip.join(parts) for parts in zip(*columns)]
