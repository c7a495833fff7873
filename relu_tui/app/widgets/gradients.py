"""Per-unit gradient norm at the current epoch, as bars on a log scale; an exact zero says so."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style

from relu_tui.app.palette import DIM, EXACT_ZERO, STATE_COLOR
from relu_tui.app.widgets.unit_rows import Row, UnitRowsView

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot

_EIGHTHS = " ▏▎▍▌▋▊▉█"
_ZERO = EXACT_ZERO + Style(italic=True)
VALUE_WIDTH = 9


def axis_text(lo: float, hi: float, bar: int) -> str:
    """The bar axis from 10**lo to 10**hi in ``bar`` cells: one tick when both ends print the same
    (a single unit, or norms that agree to two digits)."""
    left, right = f"{10 ** lo:.1e}", f"{10 ** hi:.1e}"
    if left == right:
        return f"all {left}"[:bar]
    return (left + " " * max(bar - len(left) - len(right), 1) + right)[:bar]


class GradientBars(UnitRowsView):
    """Bar length ~ log10(norm) between the smallest and largest non-zero norm of this epoch."""

    def prepare(self, snapshot: Snapshot, width: int) -> None:
        norms = np.concatenate([layer.grad_norm for layer in snapshot.record.layers])
        self._norms = norms
        self._states = np.concatenate([layer.state for layer in snapshot.record.layers])
        positive = norms[(norms > 0) & np.isfinite(norms)]
        self._range = (math.log10(positive.min()), math.log10(positive.max())) if positive.size else (0.0, 0.0)

    def header(self, width: int) -> list[Segment]:
        if not (self._norms > 0).any():
            return [Segment("every gradient is exactly 0"[:width], DIM)]
        return [Segment(axis_text(*self._range, max(width - VALUE_WIDTH - 1, 1)), DIM)]

    def body(self, row: Row, width: int) -> list[Segment]:
        norm = float(self._norms[row.offset])
        bar = max(width - VALUE_WIDTH - 1, 1)
        if norm == 0:
            return [Segment("exactly 0".ljust(bar + 1 + VALUE_WIDTH), _ZERO)]
        if not math.isfinite(norm):
            return [Segment("not finite".ljust(bar + 1 + VALUE_WIDTH), _ZERO)]
        lo, hi = self._range
        share = 1.0 if hi <= lo else 0.05 + 0.95 * (math.log10(norm) - lo) / (hi - lo)
        eighths = max(1, round(share * bar * 8))
        text = ("█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")).ljust(bar)
        color = STATE_COLOR[int(self._states[row.offset])]
        return [Segment(text, Style(color=color)), Segment(f" {norm:>{VALUE_WIDTH}.2e}"[: VALUE_WIDTH + 1], DIM)]
