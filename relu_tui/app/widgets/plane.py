"""The input plane (two-feature data): the selected unit's activation over the plane (or the
network's output, discretised), the decision boundary, the training (and test) points, with axes
named after the features; TensorFlow Playground's pictures, in text cells."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from relu_tui.app.palette import (
    BOUNDARY,
    CLASS_COLOR,
    DIM,
    HEAT_BACKGROUNDS,
    POSITIVE_RAMP,
    class_color,
    class_glyph,
    coded_segments,
    heat_codes,
)
from relu_tui.app.widgets.lines import StripsWidget
from relu_tui.plots.chart import tick_label

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Plane, Snapshot

TEST_GLYPH = ("□", "△", "◇", "☆", "✢", "⊙", "✧", "♧")  # a test point: its class's glyph, hollow
_CLASSES = len(CLASS_COLOR)
_MARKS = 2 + 2 * _CLASSES  # cell marks: none, boundary, a training point of class k, a test point of class k


def _darker(color: str, keep: float = 0.4) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"#{int(r * keep):02x}{int(g * keep):02x}{int(b * keep):02x}"


# backgrounds: the heat codes, then a class's colour, darkened (the discretised output)
_BACKGROUNDS = (*HEAT_BACKGROUNDS, *(Style(bgcolor=_darker(c)) for c in CLASS_COLOR))
_GLYPHS = (" ", "·", *(class_glyph(k) for k in range(_CLASSES)), *TEST_GLYPH)


@functools.cache
def _cell_style(code: int) -> Style:
    background, mark = _BACKGROUNDS[code // _MARKS], code % _MARKS
    if mark == 0:
        return background
    if mark == 1:
        return background + BOUNDARY
    return background + Style(color=class_color((mark - 2) % _CLASSES), bold=True)


def shade_legend() -> str:
    """The shades' key in Rich markup: exact 0, then rising activation."""
    cells = "".join(f"[on {c}] [/]" for c in POSITIVE_RAMP)
    return f"[on {HEAT_BACKGROUNDS[0].bgcolor.name}] [/]0 {cells} max"


class InputPlane(StripsWidget):
    """Each cell is a grid point: background = activation (or, discretised, the predicted class),
    '·' = decision boundary, a class's glyph (■ ▲ ◆ …) = its training points, hollow (□ △ ◇ …)
    its test points; ticks and the features' names on the axes."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.selected: tuple[int, int] = (0, 0)
        self.show_test = False
        self.discrete = False
        self._subtitle = ""

    def show(self, snapshot: Snapshot, selected: tuple[int, int]) -> None:
        self.snapshot, self.selected = snapshot, selected
        self._legend()
        self.rebuild()

    def select(self, selected: tuple[int, int]) -> None:
        self.selected = selected
        self.rebuild()

    def toggle(self, *, test: bool = False, discrete: bool = False) -> None:
        """Show or hide the test points; switch between the unit's activation and the discretised output."""
        self.show_test ^= test
        self.discrete ^= discrete
        self._legend()
        self.rebuild()

    def _legend(self) -> None:
        snap = self.snapshot
        if snap is None or snap.plane is None:
            return
        n = max(snap.scenario.data.n_classes, 1)
        classes = " ".join(f"[{class_color(k)}]{class_glyph(k)}{TEST_GLYPH[k % _CLASSES] if self.show_test else ''}"
                           f" {k}[/]" for k in range(min(n, _CLASSES)))
        shades = "output by class" if self.discrete else shade_legend()
        subtitle = f"{classes} · boundary │ {shades}"
        if subtitle != self._subtitle:  # setting a border title repaints the whole widget
            self.border_subtitle = self._subtitle = subtitle

    def build(self, width: int, height: int) -> list[Strip]:
        snap = self.snapshot
        if snap is None:
            return []
        plane = snap.plane
        if plane is None:
            message = f"The input plane needs two input features; this data has {snap.scenario.data.n_features}."
            return [Strip([Segment(message[:width], DIM)])]
        top, bottom = tick_label(float(f"{plane.y[-1]:.2g}")), tick_label(float(f"{plane.y[0]:.2g}"))
        gutter = max(len(top), len(bottom)) + 1
        cols, rows = max(width - gutter, 1), max(height - 1, 1)
        cells = self._cells(plane, snap, cols, rows)
        lines = []
        for r, segments in enumerate(cells):
            tick = top if r == 0 else bottom if r == rows - 1 else ""
            lines.append(Strip([Segment(f"{tick:>{gutter - 1}}┤" if tick else " " * (gutter - 1) + "│", DIM),
                                *segments]))
        if height > 1:
            names = snap.feature_names
            left, right = tick_label(float(f"{plane.x[0]:.2g}")), tick_label(float(f"{plane.x[-1]:.2g}"))
            middle = f"{names[0]} →  ↑ {names[1]}" if len(names) >= 2 else ""
            room = cols - len(left) - len(right)
            axis = left + (middle[:room].center(room) if room > 0 else "") + right
            lines.append(Strip([Segment(" " * gutter + axis[:cols], DIM)]).adjust_cell_length(width))
        return lines

    def _cells(self, plane: Plane, snap: Snapshot, width: int, height: int) -> list[list[Segment]]:
        gy, gx = plane.decision.shape
        cols = np.minimum((np.arange(width) * gx) // width, gx - 1)
        rows = np.minimum((np.arange(height)[::-1] * gy) // height, gy - 1)  # top line = largest x2
        decision = plane.decision[np.ix_(rows, cols)]
        if self.discrete and snap.classifies:
            background = len(HEAT_BACKGROUNDS) + decision.astype(np.int64) % _CLASSES
        elif self.discrete:  # a regression's output, in the heat shades
            finite = decision[np.isfinite(decision)]
            background = heat_codes(decision, float(np.abs(finite).max()) if finite.size else 1.0)
        else:
            layer, unit = self.selected
            acts = plane.unit(layer, unit)
            finite = acts[np.isfinite(acts)]
            background = heat_codes(acts[np.ix_(rows, cols)], float(np.abs(finite).max()) if finite.size else 1.0)
        edge = np.zeros((height, width), dtype=bool)
        edge[:, :-1] |= decision[:, :-1] != decision[:, 1:]
        edge[:-1, :] |= decision[:-1, :] != decision[1:, :]
        mark = edge.astype(np.int64)
        for (r, c), label in _points(plane, plane.points, plane.labels, width, height).items():
            mark[r, c] = 2 + label % _CLASSES
        if self.show_test:
            for (r, c), label in _points(plane, plane.test_points, plane.test_labels, width, height).items():
                mark[r, c] = 2 + _CLASSES + label % _CLASSES
        codes = background * _MARKS + mark
        glyphs = np.array([_GLYPHS[k % _MARKS] for k in range(codes.max() + 1)])
        styles = [_cell_style(k) for k in range(codes.max() + 1)]
        return [coded_segments(codes[r], glyphs, styles) for r in range(height)]


def _points(plane: Plane, points: np.ndarray, labels: np.ndarray, width: int,
            height: int) -> dict[tuple[int, int], int]:
    """Cell -> majority class of the points that fall in it."""
    if not len(points):
        return {}
    x0, x1, y0, y1 = plane.x[0], plane.x[-1], plane.y[0], plane.y[-1]
    c = np.clip(((points[:, 0] - x0) / (x1 - x0) * width).astype(int), 0, width - 1)
    r = np.clip(((y1 - points[:, 1]) / (y1 - y0) * height).astype(int), 0, height - 1)
    votes: dict[tuple[int, int], list[int]] = {}
    for key, label in zip(zip(r.tolist(), c.tolist()), labels.astype(int).tolist()):
        votes.setdefault(key, []).append(int(label))
    return {key: max(set(v), key=v.count) for key, v in votes.items()}
