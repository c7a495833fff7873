"""The heatmap: hidden units as rows; training samples by class, or epochs, as columns."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.reactive import reactive

from ..records import DEAD
from .palette import DEAD_CELL_STYLE, DIM, HEAT_GLYPHS, HEAT_STYLES, ZERO_GLYPH, coded_segments, heat_codes
from .unit_rows import Row, UnitRowsView

if TYPE_CHECKING:
    from ..snapshot import Snapshot

MODES = ("activations", "active", "gradient")
MODE_TITLES = {
    "activations": "Activations · columns: training samples by class · · = exactly 0",
    "active": "Active share per epoch · a row going dark is a unit dying",
    "gradient": "Gradient norm per epoch, log scale · · = exactly 0",
}
_SILENT = Style(color="#b46ee8")  # below zero everywhere but not dead (leaky, ELU, ...)
# cell codes: the heat codes, then a class boundary, a dead unit's cell and a silent (not dead) one
_BOUNDARY, _DEAD, _QUIET = len(HEAT_GLYPHS), len(HEAT_GLYPHS) + 1, len(HEAT_GLYPHS) + 2
_GLYPHS = np.array([*HEAT_GLYPHS, "│", ZERO_GLYPH, ZERO_GLYPH])
_STYLES = [*HEAT_STYLES, DIM, DEAD_CELL_STYLE, _SILENT]


def class_columns(labels: np.ndarray, width: int, classify: bool) -> list[np.ndarray | None]:
    """Split sample positions (sorted by class) into about ``width`` columns; None marks a class boundary."""
    groups = np.split(np.arange(len(labels)), np.flatnonzero(np.diff(labels)) + 1) if classify else [np.arange(len(labels))]
    cells = max(width - (len(groups) - 1), len(groups))
    share = np.array([len(g) for g in groups], dtype=float)
    counts = np.maximum(1, np.floor(cells * share / share.sum()).astype(int))
    while counts.sum() < cells:
        counts[np.argmax(share / counts)] += 1
    while counts.sum() > cells and counts.max() > 1:
        counts[np.argmax(counts)] -= 1
    columns: list[np.ndarray | None] = []
    for g, (group, n) in enumerate(zip(groups, counts)):
        if g:
            columns.append(None)
        columns.extend(part for part in np.array_split(group, min(n, len(group))) if len(part))
    return columns


class Heatmap(UnitRowsView):
    """Colour = activation (mean over the samples of a column), active share, or gradient norm."""

    mode: reactive[str] = reactive("activations")
    titles = MODE_TITLES
    max_row_height = 3

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._codes = np.zeros((0, 0), dtype=np.int64)  # unit x column cell codes; rows are drawn when shown
        self._header: list[Segment] = []

    def watch_mode(self) -> None:
        self.border_title = self.titles[self.mode]
        self.recompute()

    def prepare(self, snapshot: Snapshot, width: int) -> None:
        if self.mode == "activations":
            self._sample_cells(snapshot, width)
        else:
            self._epoch_cells(snapshot, width)

    def header(self, width: int) -> list[Segment]:
        return self._header

    def body(self, row: Row, width: int) -> list[Segment]:
        if row.offset >= len(self._codes):
            return []
        return coded_segments(self._codes[row.offset], _GLYPHS, _STYLES)

    def _sample_cells(self, snap: Snapshot, width: int) -> None:
        classify = snap.scenario.data.n_classes > 0
        columns = class_columns(snap.sample_labels, width, classify)
        boundary = np.array([c is None for c in columns])
        starts = np.array([c[0] for c in columns if c is not None])  # columns tile the samples in order
        sizes = np.diff(np.append(starts, len(snap.sample_labels)))
        layers = []
        for acts in snap.sample_activations:
            finite = acts[np.isfinite(acts)]
            scale = float(np.abs(finite).max()) if finite.size else 1.0  # each layer on its own scale
            means = np.zeros((acts.shape[0], len(columns)))
            means[:, ~boundary] = np.add.reduceat(acts, starts, axis=1) / sizes
            layers.append(np.where(boundary, _BOUNDARY, heat_codes(means, scale)))
        self._codes = np.concatenate(layers) if layers else np.zeros((0, len(columns)), dtype=np.int64)
        self._header = []
        start = 0
        for end in [i for i, c in enumerate(columns) if c is None] + [len(columns)]:
            if end > start:
                label = snap.sample_labels[columns[start][0]]
                span = end - start
                text = f" class {int(label)} " if classify else " samples, sorted by target "
                if len(text) > span:
                    text = f"{int(label)}" if classify else ""
                self._header.append(Segment(text.center(span, "─")[:span], DIM))
            if end < len(columns):
                self._header.append(Segment("┬", DIM))
            start = end + 1

    def _epoch_cells(self, snap: Snapshot, width: int) -> None:
        traces = snap.traces
        k = len(traces.epochs)
        index = np.minimum((np.arange(width) * k) // width, k - 1)
        states = traces.states[:, index]
        values = traces.active_fraction[:, index] if self.mode == "active" else self._log_scaled(traces.grad_norm[:, index])
        codes = np.where(values <= 0, _QUIET if self.mode == "active" else 0, heat_codes(values, 1.0))
        self._codes = np.where(states == DEAD, _DEAD, codes)
        left, right = f"{traces.label} {int(traces.epochs[0])}", f"{traces.label} {int(traces.epochs[-1])}"
        self._header = [Segment(left + "─" * max(width - len(left) - len(right), 1) + right, DIM)]

    @staticmethod
    def _log_scaled(values: np.ndarray) -> np.ndarray:
        """Non-zero norms mapped to (0, 1] on a log scale; exact zeros stay 0."""
        positive = values[(values > 0) & np.isfinite(values)]
        if not positive.size:
            return np.zeros_like(values)
        lo, hi = np.log10(positive.min()), np.log10(positive.max())
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = (np.log10(values) - lo) / max(hi - lo, 1e-9) * 0.95 + 0.05
        return np.where(values > 0, np.nan_to_num(scaled, nan=1.0), 0.0)
