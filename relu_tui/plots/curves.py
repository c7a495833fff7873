"""Training curves: the losses on their own axis (log scale when they span a decade or more, so a
spike does not flatten the rest), and the shares (accuracy, dead share) on a 0..1 axis."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from relu_tui.plots.chart import LINE, Chart, Series, Ticks, log_ticks, nice_ticks

LOG_FROM = 10.0  # largest over smallest loss from which the loss axis is logarithmic


@dataclass(frozen=True, eq=False)
class Curve:
    """One curve: a value per x, its label and colour."""

    label: str
    values: np.ndarray
    color: str

    @property
    def drawn(self) -> bool:
        return bool(np.isfinite(np.asarray(self.values, dtype=float)).any())


def _x_axis(x: np.ndarray) -> tuple[tuple[float, float], Ticks]:
    low = float(x[0]) if x.size else 0.0
    high = max(float(x[-1]) if x.size else 1.0, low + 1)
    return (low, high), nice_ticks(low, high, 5, integer=True)


def _legend(curves: Sequence[Curve]) -> tuple[tuple[str, str, str], ...]:
    return tuple(("━", c.label, c.color) for c in curves)


def loss_chart(x: np.ndarray, curves: Sequence[Curve], x_label: str, title: str = "loss") -> Chart:
    """The losses against ``x``: on a log axis when every finite value is positive and the largest
    is :data:`LOG_FROM` times the smallest or more (the axis title says so), else from 0."""
    x = np.asarray(x, dtype=float)
    curves = [c for c in curves if c.drawn]
    values = np.concatenate([np.asarray(c.values, dtype=float) for c in curves]) if curves else np.zeros(1)
    finite = values[np.isfinite(values)]
    logarithmic = finite.size > 0 and finite.min() > 0 and finite.max() >= LOG_FROM * finite.min()
    x_range, x_ticks = _x_axis(x)
    if logarithmic:
        with np.errstate(divide="ignore", invalid="ignore"):
            series = tuple(Series(c.label, x, np.log10(np.asarray(c.values, dtype=float)), c.color, LINE)
                           for c in curves)
        low, high = np.log10(finite.min()), np.log10(finite.max())
        y_range, y_ticks = (float(low), float(high)), log_ticks(float(low), float(high))
        label = f"{title} (log scale)"
    else:
        series = tuple(Series(c.label, x, np.asarray(c.values, dtype=float), c.color, LINE) for c in curves)
        top = float(finite.max()) if finite.size and finite.max() > 0 else 1.0
        ticks = nice_ticks(0.0, top, 3)
        step = ticks.at[1] - ticks.at[0] if len(ticks.at) > 1 else top
        top = math.ceil(top / step - 1e-9) * step  # up to a tick, so the top of the axis is labelled
        y_range, y_ticks, label = (0.0, top), nice_ticks(0.0, top, 3), title
    return Chart(series, x_range, y_range, x_ticks, y_ticks, x_label=x_label, y_label=label, legend=_legend(curves))


SHARE_TOPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)  # the top of a share axis, at least


def share_top(shares: np.ndarray) -> float:
    """The smallest of :data:`SHARE_TOPS` at or above every share: 0.6% dead is drawn against a top of 1%."""
    shares = np.asarray(shares, dtype=float)
    peak = float(np.nanmax(shares)) if np.isfinite(shares).any() else 0.0
    return next(top for top in SHARE_TOPS if peak <= top)


def share_chart(x: np.ndarray, curves: Sequence[Curve], x_label: str, title: str = "share", top: float = 1.0) -> Chart:
    """Shares (accuracy, dead share) against ``x`` on a 0..``top`` axis (ticks in percent below 1)."""
    x = np.asarray(x, dtype=float)
    curves = [c for c in curves if c.drawn]
    x_range, x_ticks = _x_axis(x)
    series = tuple(Series(c.label, x, np.asarray(c.values, dtype=float), c.color, LINE) for c in curves)
    if top == 1.0:
        ticks = Ticks((0.0, 0.5, 1.0), ("0", "0.5", "1"))
    else:
        ticks = Ticks((0.0, top / 2, top), ("0", f"{100 * top / 2:g}%", f"{100 * top:g}%"))
    return Chart(series, x_range, (0.0, top), x_ticks, ticks, x_label=x_label, y_label=title, legend=_legend(curves))
