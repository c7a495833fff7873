"""Charts of what the network computes: a layer's activation histogram (exact zeros as a bar of
their own) and, for one-input regression, its output over x against the targets."""

from __future__ import annotations

import numpy as np

from relu_tui.plots.chart import LINE, Chart, Series, Ticks, nice_ticks, span, tick_label
from relu_tui.plots.colors import HISTOGRAM_COLOR, OUTPUT_COLOR, TARGET_COLOR, ZERO_COLOR

FLAT = 1e-6  # an output varying by less than this (relative to the targets' range) is one answer for every x


def histogram_chart(counts: np.ndarray, edges: np.ndarray, zero_share: float, bins: int = 12) -> Chart:
    """Shares of a layer's activations: the exact zeros as the bar at "=0", then the others in
    ``bins`` bins over their range (its ends labelled)."""
    counts = np.asarray(counts, dtype=float)
    edges = np.asarray(edges, dtype=float)
    if counts.size > bins and counts.size % bins == 0:
        counts = counts.reshape(bins, -1).sum(axis=1)
        edges = edges[:: len(edges) // bins]
    total = counts.sum()
    shares = counts / total * (1.0 - zero_share) if total > 0 else np.zeros_like(counts)
    positions = np.arange(2, counts.size + 2, dtype=float)  # a gap after the zero bar
    top = max(zero_share, float(shares.max(initial=0.0)), 1e-9)
    y_ticks = nice_ticks(0.0, top, 3)
    series = (Series("exactly 0", np.array([0.0]), np.array([zero_share]), ZERO_COLOR, bars=True),
              Series("other values", positions, shares, HISTOGRAM_COLOR, bars=True))
    middle = len(positions) // 2  # the value at the middle bin's left edge, and the largest
    x_ticks = Ticks((0.0, float(positions[middle]) - 0.5, float(positions[-1]) + 0.5),
                    ("=0", tick_label(float(f"{edges[middle]:.2g}")), tick_label(float(f"{edges[-1]:.2g}"))))
    return Chart(series, (-0.8, float(positions[-1]) + 0.8), (0.0, max(top, y_ticks.at[-1])), x_ticks, y_ticks,
                 x_label="activation", y_label="share",
                 legend=(("█", f"exactly 0: {100 * zero_share:.0f}%", ZERO_COLOR),
                         ("█", "other values", HISTOGRAM_COLOR)))


def is_flat(output: np.ndarray, targets: np.ndarray) -> bool:
    """The output gives one answer for every x (a born-dead network's)."""
    scale = float(np.ptp(targets)) if np.size(targets) else 1.0
    return bool(np.ptp(output) <= FLAT * max(scale, 1e-12))


def fit_chart(x: np.ndarray, output: np.ndarray, points: np.ndarray, targets: np.ndarray) -> Chart:
    """The network's output over x (a line) against the training targets (dots)."""
    low, high = span(np.concatenate([np.asarray(output, float), np.asarray(targets, float)]), pad=0.05)
    x_low, x_high = span(x)
    output_label = "network output" + (" (flat: one answer for every x)" if is_flat(output, targets) else "")
    series = (Series("target", points, targets, TARGET_COLOR, "·"),
              Series(output_label, x, output, OUTPUT_COLOR, LINE))
    return Chart(series, (x_low, x_high), (low, high), nice_ticks(x_low, x_high, 5), nice_ticks(low, high, 3),
                 x_label="x", y_label="y", legend=(("·", "target", TARGET_COLOR), ("━", output_label, OUTPUT_COLOR)))
