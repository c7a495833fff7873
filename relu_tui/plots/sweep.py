"""The sweeps' charts. Born dead: P(born dead) against depth, a line per (init, width), the width
told by colour and the init by the glyph at each grid point, every depth of the grid labelled,
and analytic bounds (grey) under the measured lines. Stably unactivated and small targets: the same
chart with other axes, a colour per group (n0; momentum) and a glyph per measure."""

from __future__ import annotations

import math
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
    width: int | str  # the line's group: a width, or another key of the chart's groups
    x: np.ndarray
    y: np.ndarray


@dataclass(frozen=True, eq=False)
class BoundLine:
    """An analytic curve for one width (such as 1 - (1 - 2^-width)^depth), named in the legend by ``label``."""

    width: int | str
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


def sweep_chart(lines: Sequence[SweepLine], depths: Sequence[float], widths: Sequence, inits: Sequence[str],
                bounds: Sequence[BoundLine] = (), x_label: str = "depth (hidden layers)",
                y_label: str = "P(born dead)", group: str = "width {}") -> Chart:
    """Every line (colour by its width's place in ``widths``, glyph by its init's in ``inits``) over
    the grid's ``depths``, each labelled on the x axis; ``bounds`` drawn first, in grey. ``group``
    names a line's ``width`` (any key of ``widths``) in the legend."""
    color = {w: SERIES_COLORS[k % len(SERIES_COLORS)] for k, w in enumerate(widths)}
    marker = {init: INIT_MARKERS[k % len(INIT_MARKERS)] for k, init in enumerate(inits)}
    series: list[Series] = []
    for bound in bounds:
        series.append(Series(f"{bound.label}, {group.format(bound.width)}", bound.x, bound.y, BOUND_COLOR, LINE))
        series.append(Series("", bound.x, bound.y, BOUND_COLOR, "·"))
    for line in lines:
        hue = color.get(line.width, NEUTRAL)
        series.append(Series(f"{line.init}, {group.format(line.width)}", line.x, line.y, hue, LINE))
        series.append(Series("", line.x, line.y, hue, marker.get(line.init, "•")))
    low, high = (min(depths), max(depths)) if depths else (0, 1)
    legend = [("━", group.format(w), color[w]) for w in widths]
    legend += [(marker[init], init, NEUTRAL) for init in inits]
    legend += [("·━", label, BOUND_COLOR) for label in dict.fromkeys(b.label for b in bounds)]
    return Chart(tuple(series), (float(low), float(max(high, low + 1))), (0.0, 1.0),
                 Ticks(tuple(float(d) for d in depths), tuple(tick_label(float(d)) for d in depths)),
                 Ticks((0.0, 0.25, 0.5, 0.75, 1.0), ("0", "0.25", "0.5", "0.75", "1")),
                 x_label=x_label, y_label=y_label, legend=tuple(legend))


def born_dead_chart(points: Sequence, spec) -> Chart:
    """The born-dead sweep's points (``SweepPoint``) so far, with he_zero_bias's bound 1 - (1 - 2^-width)^depth."""
    bounds = []
    for width in spec.widths:
        pairs = sorted((float(p.depth), p.bound) for p in points if p.width == width and p.bound is not None)
        if pairs:
            x, y = np.array(pairs, dtype=float).T
            bounds.append(BoundLine(width, x, y, "bound (he_zero_bias)"))
    return sweep_chart(sweep_lines(points), spec.depths, spec.widths, spec.inits, bounds)


def stable_chart(points: Sequence, spec) -> Chart:
    """P(second-layer unit dead) against n1, a colour per n0: dead everywhere, on the data, and published."""
    lines, bounds = [], []
    for n0 in spec.inputs:
        mine = sorted((p for p in points if p.inputs == n0), key=lambda p: p.width)
        if not mine:
            continue
        x = np.array([p.width for p in mine], dtype=float)
        lines.append(SweepLine("dead everywhere", n0, x, np.array([p.everywhere_fraction for p in mine])))
        lines.append(SweepLine("dead on the data", n0, x, np.array([p.on_data_fraction for p in mine])))
        published = [(p.width, p.published) for p in mine if p.published is not None]
        if published:
            bx, by = np.array(published, dtype=float).T
            bounds.append(BoundLine(n0, bx, by, "published"))
    return sweep_chart(lines, spec.widths, spec.inputs, ("dead everywhere", "dead on the data"), bounds,
                       x_label="n1 (first layer's width)", y_label="P(second-layer unit dead)", group="n0 = {}")


def targets_chart(points: Sequence, spec) -> Chart:
    """The share of units dead after training against -log10(target scale), a colour per momentum
    (and net shape when the grid has several): dead after training, died in training, dead at birth."""
    cells = [(w, d, m) for w in spec.widths for d in spec.depths for m in spec.momenta]
    several = len(cells) > len(spec.momenta)
    name = {cell: f"{cell[2]:g}" + (f" ({cell[0]}x{cell[1]})" if several else "") for cell in cells}
    xs = [0.0 - math.log10(scale) for scale in spec.scales]  # 0.0 - : no "-0" for a scale of 1
    lines, bounds = [], []
    for cell in cells:
        mine = sorted((p for p in points if (p.width, p.depth, p.momentum) == cell), key=lambda p: -p.scale)
        if not mine:
            continue
        x = np.array([0.0 - math.log10(p.scale) for p in mine])
        lines.append(SweepLine("dead after training", name[cell], x, np.array([p.dead for p in mine])))
        lines.append(SweepLine("died in training", name[cell], x, np.array([p.died for p in mine])))
        bounds.append(BoundLine(name[cell], x, np.array([p.dead_at_birth for p in mine]), "dead at birth"))
    return sweep_chart(lines, xs, [name[c] for c in cells], ("dead after training", "died in training"), bounds,
                       x_label="-log10(target scale)", y_label="share of units dead", group="momentum {}")


def kind_chart(points: Sequence, spec) -> Chart:
    """The chart of a sweep of any kind (``spec`` its SweepSpec)."""
    if spec.kind == "stably_unactivated":
        return stable_chart(points, spec)
    if spec.kind == "small_targets":
        return targets_chart(points, spec)
    return born_dead_chart(points, spec)
