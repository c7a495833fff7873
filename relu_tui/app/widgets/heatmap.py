"""The heatmap: hidden units as rows; training samples by class, or epochs, as columns."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from textual.reactive import reactive

from relu_tui.app.palette import (
    DEAD_CELL_STYLE,
    DIM,
    HEAT_GLYPHS,
    HEAT_STYLES,
    SILENT,
    ZERO_GLYPH,
    coded_segments,
    heat_codes,
)
from relu_tui.app.widgets.unit_rows import Row, UnitRowsView
from relu_tui.engine.records import DEAD

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot

MODES = ("activations", "active", "gradient")
MODE_TITLES = {
    "activations": "Activations · columns: training samples by class · · = exactly 0",
    "active": "Active share per epoch · a row going dark is a unit dying",
    "gradient": "Gradient norm per epoch, log scale · · = exactly 0",
}
REGRESSION_TITLE = "Activations · columns: training samples by target value · · = exactly 0"
RUN_MODE_TITLES = {  # a monitored run's log has no per-sample activations
    "active": "Active share per record · a row going dark is a unit dying · columns: optimization steps",
    "gradient": "Gradient norm per record, log scale · · = exactly 0",
}
# cell codes: the heat codes, then a class boundary, a dead unit's cell and a silent (not dead) one
_BOUNDARY, _DEAD, _QUIET = len(HEAT_GLYPHS), len(HEAT_GLYPHS) + 1, len(HEAT_GLYPHS) + 2
_GLYPHS = np.array([*HEAT_GLYPHS, "│", ZERO_GLYPH, ZERO_GLYPH])
_STYLES = [*HEAT_STYLES, DIM, DEAD_CELL_STYLE, SILENT]


def class_columns(labels: np.ndarray, width: int, classify: bool) -> list[np.ndarray | None]:
    """Split sample positions (sorted by class) into about ``width`` columns; None marks a class boundary.

    Every class keeps at least one column: when there is no room for boundaries as well, there are
    none and each class is one column (the mean over its samples)."""
    groups = np.split(np.arange(len(labels)), np.flatnonzero(np.diff(labels)) + 1) if classify else [np.arange(len(labels))]
    if len(groups) > 1 and width < 2 * len(groups) - 1:
        return list(groups)
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


def axis(labels: list[str], width: int) -> str:
    """``width`` cells of ─ with the first label at the left end, the last at the right end and any
    others spread between; when they do not fit, the ends only, else none: never a cut label."""
    while len(labels) >= 2:
        gap = width - sum(len(label) for label in labels)
        if gap >= len(labels) - 1:
            cuts = [gap * k // (len(labels) - 1) for k in range(len(labels))]
            return "".join("─" * (b - a) + label for a, b, label in zip([0, *cuts], cuts, labels))
        labels = [labels[0], labels[-1]] if len(labels) > 2 else []
    return "─" * width


def target_axis(targets: np.ndarray, width: int) -> str:
    """A header for columns of samples sorted by target (``targets``, ascending): the smallest, the
    median and the largest target."""
    picks = (targets[0], targets[len(targets) // 2], targets[-1])
    return axis([f"{v:.2f}" if abs(v) < 10 else f"{v:.3g}" for v in picks], width)


class Heatmap(UnitRowsView):
    """Colour = activation (mean over the samples of a column), active share, or gradient norm."""

    mode: reactive[str] = reactive("activations")
    titles = MODE_TITLES
    regression_title = REGRESSION_TITLE
    max_row_height = 3

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._codes = np.zeros((0, 0), dtype=np.int64)  # unit x column cell codes; rows are drawn when shown
        self._header: list[Segment] = []
        self._title = ""
        self._layout_key: tuple = ()  # what the sample columns below were laid out for
        self._layout: tuple = ()

    def watch_mode(self) -> None:
        self._retitle()
        self.recompute()

    def show(self, snapshot: Snapshot, selected: tuple[int, int]) -> None:
        super().show(snapshot, selected)
        self._retitle()

    def title(self) -> str:
        """What the columns are in this mode (a regression's samples go by target, not class)."""
        if self.mode == "activations" and self.snapshot is not None and not self.snapshot.classifies:
            return self.regression_title
        return self.titles[self.mode]

    def _retitle(self) -> None:
        title = self.title()
        if title != self._title:  # setting a border title repaints the whole widget
            self.border_title = self._title = title

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

    def row_key(self, row: Row) -> tuple | None:
        """A row's cells: most keep their shade from one epoch to the next."""
        codes = self._codes
        return (codes.dtype.str, codes[row.offset].tobytes()) if row.offset < len(codes) else None

    def _sample_cells(self, snap: Snapshot, width: int) -> None:
        classify = snap.scenario.data.n_classes > 0
        key = (snap.sample_labels.tobytes(), snap.sample_labels.dtype.str, width, classify)
        if key != self._layout_key:  # the same samples every frame of a run: lay them out once
            columns = class_columns(snap.sample_labels, width, classify)
            starts = np.array([c[0] for c in columns if c is not None])  # columns tile the samples in order
            self._layout = (columns, np.array([c is None for c in columns]), starts,
                            np.diff(np.append(starts, len(snap.sample_labels))))
            self._layout_key = key
        columns, boundary, starts, sizes = self._layout
        layers = []
        for acts in snap.sample_activations:
            finite = acts[np.isfinite(acts)]
            scale = float(np.abs(finite).max()) if finite.size else 1.0  # each layer on its own scale
            means = np.zeros((acts.shape[0], len(columns)))
            means[:, ~boundary] = np.add.reduceat(acts, starts, axis=1) / sizes
            layers.append(np.where(boundary, _BOUNDARY, heat_codes(means, scale)))
        self._codes = np.concatenate(layers) if layers else np.zeros((0, len(columns)), dtype=np.int64)
        if not classify:
            self._header = [Segment(target_axis(snap.sample_labels, len(columns)), DIM)]
            return
        self._header = []
        labels = [None if c is None else int(snap.sample_labels[c[0]]) for c in columns]
        for label, run in itertools.groupby(labels):  # a run: one class's columns, or a boundary
            span = len(list(run))
            if label is None:
                self._header.append(Segment("┬" * span, DIM))
            else:
                text = f" class {label} " if len(f" class {label} ") <= span else f"{label}"
                self._header.append(Segment(text.center(span, "─")[:span], DIM))

    def _epoch_cells(self, snap: Snapshot, width: int) -> None:
        traces = snap.traces
        k = len(traces.epochs)
        index = np.minimum((np.arange(width) * k) // width, k - 1)
        states = traces.states[:, index]
        values = traces.active_fraction[:, index] if self.mode == "active" else self._log_scaled(traces.grad_norm[:, index])
        codes = np.where(values <= 0, _QUIET if self.mode == "active" else 0, heat_codes(values, 1.0))
        self._codes = np.where(states == DEAD, _DEAD, codes)
        first, last = int(traces.epochs[0]), int(traces.epochs[-1])
        labels = [f"{traces.label} {first}", f"{traces.label} {last}"]
        if sum(map(len, labels)) + 1 > width:  # narrow: the numbers alone
            labels = [str(first), str(last)]
        self._header = [Segment(axis(labels, width), DIM)]

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


class RunHeatmap(Heatmap):
    """A monitored run's units x records: active share, or gradient norm."""

    mode: reactive[str] = reactive("active")
    titles = RUN_MODE_TITLES
