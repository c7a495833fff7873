"""The born-dead sweep's chart: P(born dead) against depth, a line per (init, width), the width
told by colour and the init by the glyph at each grid point, every depth of the grid labelled,
and analytic bounds (grey) under the measured lines."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from relu_tui.plots.chart import LINE, Chart, Series, Ticks, tick_label
from relu_tui.plots.colors import BOUND_COLOR, NEUTRAL, SERIES_COLORS

INIT_MARKERS = ("●", "▲", "■", "◆", "✚", "★")  # by the init's place in the grid


@dataclass(frozen=True, eq=False)
class SweepLine:
    """Measured shares at depths ``x`` for one init and width."""

    init: str
    width: int
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True, eq=False)
class BoundLine:
    """An analytic curve for one width (such as 1 - (1 - 2^-width)^depth), named in the legend by ``label``."""

    width: int
    x: np.ndarray
    y: np.ndarray
    label: str = "bound"


def sweep_lines(points: Iterable) -> list[SweepLine]:
    """Points with ``init``, ``width``, ``depth`` and ``born_dead_fraction``, grouped into lines
    (in the order each (init, width) first appears), each sorted by depth."""
    groups: dict[tuple[str, int], list[tuple[float, float]]] = {}
    for p in points:
        groups.setdefault((p.init, p.width), []).append((float(p.depth), float(p.born_dead_fraction)))
    lines = []
    for (init, width), pairs in groups.items():
        x, y = np.array(sorted(pairs), dtype=float).T
        lines.append(SweepLine(init, width, x, y))
    return lines


def sweep_chart(lines: Sequence[SweepLine], depths: Sequence[int], widths: Sequence[int], inits: Sequence[str],
                bounds: Sequence[BoundLine] = (), x_label: str = "depth (hidden layers)",
                y_label: str = "P(born dead)") -> Chart:
    """Every line (colour by its width's place in ``widths``, glyph by its init's in ``inits``) over
    the grid's ``depths``, each labelled on the x axis; ``bounds`` drawn first, in grey."""
    color = {w: SERIES_COLORS[k % len(SERIES_COLORS)] for k, w in enumerate(widths)}
    marker = {init: INIT_MARKERS[k % len(INIT_MARKERS)] for k, init in enumerate(inits)}
    series: list[Series] = []
    for bound in bounds:
        series.append(Series(f"{bound.label}, width {bound.width}", bound.x, bound.y, BOUND_COLOR, LINE))
        series.append(Series("", bound.x, bound.y, BOUND_COLOR, "·"))
    for line in lines:
        hue = color.get(line.width, NEUTRAL)
        series.append(Series(f"{line.init}, width {line.width}", line.x, line.y, hue, LINE))
        series.append(Series("", line.x, line.y, hue, marker.get(line.init, "•")))
    low, high = (min(depths), max(depths)) if depths else (0, 1)
    legend = [("━", f"width {w}", color[w]) for w in widths]
    legend += [(marker[init], init, NEUTRAL) for init in inits]
    legend += [("·━", label, BOUND_COLOR) for label in dict.fromkeys(b.label for b in bounds)]
    return Chart(tuple(series), (float(low), float(max(high, low + 1))), (0.0, 1.0),
                 Ticks(tuple(float(d) for d in depths), tuple(tick_label(d) for d in depths)),
                 Ticks((0.0, 0.25, 0.5, 0.75, 1.0), ("0", "0.25", "0.5", "0.75", "1")),
                 x_label=x_label, y_label=y_label, legend=tuple(legend))
