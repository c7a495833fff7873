"""Charts printed to a stream, each followed by its legend: in colour on a terminal, plain text
(no escape codes) in a file or a pipe."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from typing import TextIO

from relu_tui.plots.chart import Chart, legend_line, plain, render

HEIGHT = 14  # lines of a printed chart, its axes and titles included


def wants_color(out: TextIO) -> bool:
    """Colour only on a terminal, and never under NO_COLOR or TERM=dumb."""
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty()) and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def chart_width(width: int | None) -> int:
    """``width`` when given, else the terminal's (100 when there is none)."""
    return width if width else shutil.get_terminal_size((100, 24)).columns


def print_charts(charts: Sequence[Chart], out: TextIO, width: int | None = None, height: int = HEIGHT) -> None:
    """Each chart at ``width`` (default: the terminal's) and ``height``, its legend below, a blank line between."""
    color = wants_color(out)
    columns = chart_width(width)
    for index, chart in enumerate(charts):
        if index:
            out.write("\n")
        for line in render(chart, columns, height):
            out.write((line if color else plain(line)).rstrip() + "\n")
        if chart.legend:
            out.write(legend_line(chart, color) + "\n")
    out.flush()
