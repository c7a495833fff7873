"""Per-layer spread of the activations: a log-scale bar of the standard deviation and a histogram.

Shows at a glance whether a deep stack's signal shrinks, holds or explodes layer by layer.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from relu_tui.app.palette import DIM, EXACT_ZERO, POSITIVE_RAMP, sparkline
from relu_tui.app.widgets.lines import StripsWidget

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import LayerSpread, Snapshot

LOG_RANGE = (-3.0, 2.0)  # the std bar spans 0.001 to 100 on a log scale, the same in every view
_NAME = 8
_STD = Style(color=POSITIVE_RAMP[3])
_HIST = Style(color=POSITIVE_RAMP[2])
_ZERO = EXACT_ZERO


class LayerSpreadView(StripsWidget):
    """One line per hidden layer: name, std (a bar on a fixed log scale, comparable across variants),
    share of exact zeros and a histogram of the activations."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        self.rebuild()

    def build(self, width: int, height: int) -> list[Strip]:
        snap = self.snapshot
        if snap is None or width < 12:
            return []
        wide = width >= 36  # narrow (compare columns): name, std and the log bar only
        name_width = _NAME if wide else 4
        head = f"{'layer' if wide else '':<{name_width}}{'std':<9}" + ("log std  zero hist" if wide else "log std")
        lines = [Strip([Segment(head, DIM)]).adjust_cell_length(width)]
        for y, spread in enumerate(snap.spreads[:height - 1], start=1):
            lines.append(self._line(spread, y, width, wide, name_width))
        return lines

    @staticmethod
    def _line(spread: LayerSpread, y: int, width: int, wide: bool, name_width: int) -> Strip:
        lo, hi = LOG_RANGE
        bar_width = 8 if wide else max(width - name_width - 9, 1)
        name = spread.name[:name_width - 1] if wide else f"L{y}"
        segments = [Segment(f"{name:<{name_width}}", DIM), Segment(f"{spread.std:<9.1e}")]
        if spread.std > 0 and math.isfinite(spread.std):
            share = min(max((math.log10(spread.std) - lo) / (hi - lo), 0.0), 1.0)
            filled = max(1, round(share * bar_width))
            segments.append(Segment("█" * filled + " " * (bar_width - filled), _STD))
        else:
            segments.append(Segment("silent".ljust(bar_width)[:bar_width], _ZERO))
        if wide:
            hist_width = max(width - name_width - 9 - bar_width - 6, 4)
            segments.append(Segment(f"{100 * spread.zero_share:4.0f}% ", _ZERO if spread.zero_share == 1 else DIM))
            segments.append(Segment(sparkline(np.sqrt(spread.histogram), hist_width), _HIST))  # sqrt: small bins show
        return Strip(segments).adjust_cell_length(width)
