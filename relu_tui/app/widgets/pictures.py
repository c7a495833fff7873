"""Every hidden unit's picture at once (two-feature data): its activation over the input plane as a
thumbnail of half-block cells, grouped by layer; TensorFlow Playground's neuron pictures.

A cell is two pixels: ``▀`` in the upper pixel's colour on the lower pixel's. Each thumbnail is
scaled to its own largest value, so a faint unit still shows its shape; a dead unit's is blank and
marked ✖. Thumbnails keep their size at any terminal size: the layers that do not fit scroll, the
selected unit always in view. Strips are cached per (snapshot, selection, size).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.strip import Strip

from relu_tui.app.palette import DIM, HEAT_BACKGROUNDS, STATE_GLYPH, STATE_STYLE, heat_codes
from relu_tui.app.widgets.lines import StripsWidget
from relu_tui.engine.records import DEAD

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot

CELLS = (8, 4)  # a thumbnail's cells (columns, rows): 8 x 8 pixels; 8 x 6 when that makes every layer fit
GAP = 2  # columns between thumbnails
_SELECTED = Style(reverse=True, bold=True)
_MARK = Style(color=STATE_STYLE[DEAD].color, bold=True)


@functools.cache
def _pixel_pair(top: int, bottom: int) -> Style:
    """The style of a cell showing heat code ``top`` over heat code ``bottom``."""
    return Style(color=HEAT_BACKGROUNDS[top].bgcolor, bgcolor=HEAT_BACKGROUNDS[bottom].bgcolor)


def thumbnail(activation: np.ndarray, dead: bool, cells: tuple[int, int] = CELLS) -> list[list[Segment]]:
    """``cells[1]`` lines of ``cells[0]`` cells: the activation grid (rows bottom to top) sampled to
    twice as many pixel rows, scaled to its largest magnitude; all exact 0 when ``dead``."""
    columns, rows = cells
    gy, gx = activation.shape
    pick_x = np.minimum((np.arange(columns) * gx + gx // 2) // columns, gx - 1)
    pick_y = np.minimum(((np.arange(2 * rows)[::-1]) * gy + gy // 2) // (2 * rows), gy - 1)  # top pixel = largest x2
    pixels = activation[np.ix_(pick_y, pick_x)]
    finite = np.abs(pixels[np.isfinite(pixels)])
    scale = float(finite.max()) if finite.size else 1.0
    codes = np.zeros_like(pixels, dtype=np.int64) if dead else heat_codes(pixels, scale)
    lines = []
    for r in range(rows):
        top, bottom = codes[2 * r].tolist(), codes[2 * r + 1].tolist()
        lines.append([Segment("▀", _pixel_pair(t, b)) for t, b in zip(top, bottom)])
    if dead:  # the mark in the middle, so a blank picture is never mistaken for a missing one
        middle = lines[rows // 2]
        middle[columns // 2] = Segment("✖", _MARK + Style(bgcolor=HEAT_BACKGROUNDS[0].bgcolor))
    return lines


class UnitPictures(StripsWidget):
    """A line per layer name, then its units' thumbnails in rows, each under its glyph and index;
    the selected unit's label is reversed."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None
        self.selected: tuple[int, int] = (0, 0)
        self._cache: LRUCache[tuple, list[Strip]] = LRUCache(8)

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
        if snap.plane is None:
            message = f"Unit pictures need two input features; this data has {snap.scenario.data.n_features}."
            return [Strip([Segment(message[:width], DIM)])]
        key = (id(snap), self.selected, width, height)
        lines = self._cache.get(key)
        if lines is None:
            layout = self._layout(snap, width, CELLS)
            if len(layout[0]) > height:  # a little lower, if that shows every layer at once
                flatter = self._layout(snap, width, (CELLS[0], CELLS[1] - 1))
                layout = flatter if len(flatter[0]) <= height else layout
            lines = self._cache[key] = _window(*layout, height)
        return lines

    def _layout(self, snap: Snapshot, width: int, cells: tuple[int, int]) -> tuple[list[Strip], int, int, list[int]]:
        """Every layer's block of lines, the first line of the selected unit's row, a row's height and
        the first line of each layer name and row."""
        columns, rows = cells
        per_row = max(1, (width + GAP) // (columns + GAP))
        lines: list[Strip] = []
        selected_at = 0
        starts = []
        for li, layer in enumerate(snap.record.layers):
            starts.append(len(lines))
            head = f"{layer.name} · {layer.width} unit{'s' if layer.width > 1 else ''}"
            dead = layer.count(DEAD)
            if dead:
                head += f" · {dead} dead"
            lines.append(Strip([Segment(head[:width], DIM + Style(bold=li == self.selected[0]))]))
            for start in range(0, layer.width, per_row):
                units = range(start, min(start + per_row, layer.width))
                starts.append(len(lines))
                if li == self.selected[0] and self.selected[1] in units:
                    selected_at = len(lines)
                labels, pictures = [], [[] for _ in range(rows)]
                for k, unit in enumerate(units):
                    state = int(layer.state[unit])
                    text = f"{STATE_GLYPH[state]}{unit}"[:columns].ljust(columns)
                    style = STATE_STYLE[state] + _SELECTED if (li, unit) == self.selected else STATE_STYLE[state]
                    gap = [Segment(" " * GAP)] if k else []
                    labels += [*gap, Segment(text, style)]
                    for r, line in enumerate(thumbnail(snap.plane.unit(li, unit), state == DEAD, cells)):
                        pictures[r] += [*gap, *line]
                lines.append(Strip(labels).adjust_cell_length(width))
                lines.extend(Strip(p).adjust_cell_length(width) for p in pictures)
        return lines, selected_at, rows + 1, starts


def _window(lines: list[Strip], selected_at: int, block: int, starts: list[int], height: int) -> list[Strip]:
    """``height`` of ``lines``: all when they fit, else a window from a layer name or a row's start
    that holds the selected row of thumbnails (``block`` lines from ``selected_at``), with a line
    saying how many rows are above and below."""
    if len(lines) <= height:
        return lines
    room = max(height - 1, 1)
    start = min((s for s in starts if s <= selected_at and selected_at + block - s <= room), default=selected_at)
    shown = lines[start:start + room]
    above = sum(1 for s in starts if s < start)
    below = sum(1 for s in starts if s >= start + len(shown))
    note = " · ".join(part for part in (f"▲ {above} above" if above else "", f"▼ {below} below" if below else "")
                      if part)
    return [*shown, Strip([Segment(f"{note} (↑↓ select, tab: layer)", DIM)])]
