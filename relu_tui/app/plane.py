"""The input plane (two-feature data): the selected unit's activation over the plane, the network's
decision boundary and the training points; TensorFlow Playground's pictures, in text cells."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from .palette import DIM, class_color, heat_background

if TYPE_CHECKING:
    from ..snapshot import Snapshot

_BOUNDARY = Style(color="#ffffff", bold=True)


class InputPlane(Widget):
    """Each cell is a grid point: background = activation, '·' = decision boundary, '●' = training points."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.selected: tuple[int, int] = (0, 0)
        self._lines: list[Strip] = []

    def show(self, snapshot: Snapshot, selected: tuple[int, int]) -> None:
        self.snapshot, self.selected = snapshot, selected
        self._build()

    def select(self, selected: tuple[int, int]) -> None:
        self.selected = selected
        self._build()

    def on_resize(self) -> None:
        self._build()

    def _build(self) -> None:
        width, height = self.content_region.width, self.content_region.height
        snap = self.snapshot
        self._lines = []
        if snap is None or width <= 0 or height <= 0:
            self.refresh()
            return
        plane = snap.plane
        if plane is None:
            message = f"The input plane needs two input features; this data has {snap.scenario.data.n_features}."
            self._lines = [Strip([Segment(message[:width], DIM)])]
            self.refresh()
            return
        layer, unit = self.selected
        acts = plane.activations[layer][unit]
        gy, gx = acts.shape
        cols = np.minimum((np.arange(width) * gx) // width, gx - 1)
        rows = np.minimum((np.arange(height)[::-1] * gy) // height, gy - 1)  # top line = largest x2
        grid = acts[np.ix_(rows, cols)]
        decision = plane.decision[np.ix_(rows, cols)]
        finite = acts[np.isfinite(acts)]
        scale = float(np.abs(finite).max()) if finite.size else 1.0
        marks = self._points(plane, width, height)
        for r in range(height):
            segments = []
            for c in range(width):
                bg = heat_background(float(grid[r, c]), scale)
                if (r, c) in marks:
                    segments.append(Segment("●", bg + Style(color=class_color(marks[(r, c)]), bold=True)))
                elif (c + 1 < width and decision[r, c] != decision[r, c + 1]) or (
                        r + 1 < height and decision[r, c] != decision[r + 1, c]):
                    segments.append(Segment("·", bg + _BOUNDARY))
                else:
                    segments.append(Segment(" ", bg))
            self._lines.append(Strip(Segment.simplify(segments)))
        self.refresh()

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

    def render_line(self, y: int) -> Strip:
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.content_region.width)
