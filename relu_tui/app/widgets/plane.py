"""The input plane (two-feature data): the selected unit's activation over the plane, the network's
decision boundary and the training points; TensorFlow Playground's pictures, in text cells."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from relu_tui.app.palette import BOUNDARY, DIM, HEAT_BACKGROUNDS, class_color, class_glyph, coded_segments, heat_codes
from relu_tui.app.widgets.lines import StripsWidget

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot

_BOUNDARY = BOUNDARY
_MARKS = 16  # cell marks: none, boundary, and a point of up to 14 classes


@functools.cache
def _cell_style(code: int) -> Style:
    background, mark = HEAT_BACKGROUNDS[code // _MARKS], code % _MARKS
    if mark == 0:
        return background
    if mark == 1:
        return background + _BOUNDARY
    return background + Style(color=class_color(mark - 2), bold=True)


class InputPlane(StripsWidget):
    """Each cell is a grid point: background = activation, '·' = decision boundary, a class's glyph
    (■ ▲ ◆ …) = its training points."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.selected: tuple[int, int] = (0, 0)

    def show(self, snapshot: Snapshot, selected: tuple[int, int]) -> None:
        self.snapshot, self.selected = snapshot, selected
        self.rebuild()

    def select(self, selected: tuple[int, int]) -> None:
        self.selected = selected
        self.rebuild()

    def build(self, width: int, height: int) -> list[Strip]:
        snap = self.snapshot
        if snap is None:
            return []
        plane = snap.plane
        if plane is None:
            message = f"The input plane needs two input features; this data has {snap.scenario.data.n_features}."
            return [Strip([Segment(message[:width], DIM)])]
        layer, unit = self.selected
        acts = plane.activations[layer][unit]
        gy, gx = acts.shape
        cols = np.minimum((np.arange(width) * gx) // width, gx - 1)
        rows = np.minimum((np.arange(height)[::-1] * gy) // height, gy - 1)  # top line = largest x2
        grid = acts[np.ix_(rows, cols)]
        decision = plane.decision[np.ix_(rows, cols)]
        finite = acts[np.isfinite(acts)]
        scale = float(np.abs(finite).max()) if finite.size else 1.0
        # a cell's code: its heat code (background) x 16 + what it shows (0 nothing, 1 boundary, 2+k point of class k)
        edge = np.zeros((height, width), dtype=bool)
        edge[:, :-1] |= decision[:, :-1] != decision[:, 1:]
        edge[:-1, :] |= decision[:-1, :] != decision[1:, :]
        mark = edge.astype(np.int64)
        for (r, c), label in self._points(plane, width, height).items():
            mark[r, c] = 2 + label % (_MARKS - 2)
        codes = heat_codes(grid, scale) * _MARKS + mark
        marks = [" ", "·", *(class_glyph(k) for k in range(_MARKS - 2))]
        glyphs = np.array([marks[k % _MARKS] for k in range(codes.max() + 1)])
        styles = [_cell_style(k) for k in range(codes.max() + 1)]
        return [Strip(coded_segments(codes[r], glyphs, styles)) for r in range(height)]

    @staticmethod
    def _points(plane, width: int, height: int) -> dict[tuple[int, int], int]:
        """Cell -> majority class of the training points that fall in it."""
        x0, x1, y0, y1 = plane.x[0], plane.x[-1], plane.y[0], plane.y[-1]
        c = np.clip(((plane.points[:, 0] - x0) / (x1 - x0) * width).astype(int), 0, width - 1)
        r = np.clip(((y1 - plane.points[:, 1]) / (y1 - y0) * height).astype(int), 0, height - 1)
        votes: dict[tuple[int, int], list[int]] = {}
        for key, label in zip(zip(r.tolist(), c.tolist()), plane.labels.tolist()):
            votes.setdefault(key, []).append(int(label))
        return {key: max(set(v), key=v.count) for key, v in votes.items()}
