"""A scrolling list of hidden units, one line each, grouped by layer, drawn with Textual's line API.

Subclasses say what follows each unit's label (heat cells, a gradient bar) and what the fixed
top line shows; strips are cached until the data, the size or the selection change.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from relu_tui.app.palette import DIM, STATE_GLYPH, STATE_STYLE
from relu_tui.app.widgets.lines import refresh_changed
from relu_tui.engine.records import DEAD

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot

LABEL_WIDTH = 9
NARROW = 30  # a view narrower than this (a compare column) gives its unit labels only the cells they need


@dataclass(frozen=True)
class Row:
    layer: int
    unit: int | None  # None: the layer's header row
    offset: int  # index of the unit among all hidden units


def unit_rows(snapshot: Snapshot) -> tuple[Row, ...]:
    return _rows(tuple(layer.width for layer in snapshot.record.layers))


@functools.lru_cache(maxsize=16)
def _rows(widths: tuple[int, ...]) -> tuple[Row, ...]:
    """A header row per layer, then a row per unit (the same object for every frame of a network)."""
    rows, offset = [], 0
    for i, width in enumerate(widths):
        rows.append(Row(i, None, offset))
        rows.extend(Row(i, u, offset + u) for u in range(width))
        offset += width
    return tuple(rows)


def dead_rows(snapshot: Snapshot) -> tuple[Row, ...]:
    """The rows of the dead units only (a header per layer still), for a view filtered to them."""
    rows, offset = [], 0
    for i, layer in enumerate(snapshot.record.layers):
        rows.append(Row(i, None, offset))
        rows.extend(Row(i, int(u), offset + int(u)) for u in np.flatnonzero(layer.state == DEAD))
        offset += layer.width
    return tuple(rows)


def moved(layers, selected: tuple[int, int], delta: int) -> tuple[int, int]:
    """The unit ``delta`` places after ``selected`` among all hidden units, in layer order (clamped)."""
    units = [(i, u) for i, layer in enumerate(layers) for u in range(layer.width)]
    index = units.index(selected) if selected in units else 0
    return units[max(0, min(len(units) - 1, index + delta))]


def jumped(layers, selected: tuple[int, int], delta: int) -> tuple[int, int]:
    """The same unit index (or the last) ``delta`` layers on, wrapping around."""
    layer = (selected[0] + delta) % len(layers)
    return layer, min(selected[1], layers[layer].width - 1)


class UnitRowsView(ScrollView, can_focus=False):
    """Line 0 is a fixed header; the lines below scroll through the layers' units.

    Not focusable: the arrow keys select units app-wide and the view follows the selection."""

    max_row_height = 1  # a subclass may draw each unit on up to this many lines when there is room
    dead_only = False  # show the dead units only

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.row_height = 1
        self.snapshot: Snapshot | None = None
        self.selected: tuple[int, int] = (0, 0)
        self._rows: tuple[Row, ...] = ()
        self._line_rows: list[Row] = []  # the row drawn on each line (tall rows repeat)
        self._cache: LRUCache[tuple, Strip] = LRUCache(1024)  # this frame's lines
        self._looks: LRUCache[tuple, Strip] = LRUCache(1024)  # lines by what they look like (see row_key)
        self._built_size = Size(0, 0)  # the scrollable content size the rows were built for
        self.label_width = LABEL_WIDTH
        self._shown: dict[int, Strip] = {}  # what each visible line shows now

    def show(self, snapshot: Snapshot, selected: tuple[int, int]) -> None:
        """New data: only the lines that look different are repainted, unless the rows changed."""
        rows = dead_rows(snapshot) if self.dead_only else unit_rows(snapshot)
        same_rows = rows is self._rows
        self.snapshot, self.selected, self._rows = snapshot, selected, rows
        self.recompute(repaint_all=not same_rows)

    def select(self, selected: tuple[int, int]) -> None:
        """Highlight a unit and scroll it into view."""
        self.selected = selected
        self._cache.clear()
        y = next((i for i, r in enumerate(self._line_rows) if (r.layer, r.unit) == selected), None)
        if y is not None:
            top = int(self.scroll_offset.y)
            visible = max(self.scrollable_content_region.height - 1, 1)
            if y - 1 < top:
                self.scroll_to(y=max(y - 1, 0), animate=False)
            elif y >= top + visible:
                self.scroll_to(y=y - visible + 1, animate=False)
        self._refresh_changed_lines()

    def on_resize(self) -> None:
        self.recompute()

    def watch_show_vertical_scrollbar(self) -> None:
        """A scrollbar coming or going changes the width the rows were built for."""
        self.recompute()

    def _measure(self) -> None:
        """Take the widths the rows are built for (read once: the region is costly to look up per line).

        A unit's label is its state glyph and index, padded to 9 cells; in a narrow view, the glyph,
        the widest index and a space."""
        region = self.scrollable_content_region
        self._built_size = region.size
        if self.snapshot is None or region.width >= NARROW:
            self.label_width = LABEL_WIDTH
        else:
            self.label_width = 2 + len(str(max(layer.width for layer in self.snapshot.record.layers) - 1))

    @property
    def body_width(self) -> int:
        """Cells available right of the unit labels."""
        return self._built_size.width - self.label_width

    def recompute(self, repaint_all: bool = True) -> None:
        """Rebuild whatever the rows draw from (after new data, a resize or a mode change)."""
        self._cache.clear()
        self._measure()
        if self.snapshot is not None and self.body_width > 0:
            units = sum(r.unit is not None for r in self._rows)
            spare = self._built_size.height - 1 - (len(self._rows) - units)
            self.row_height = max(1, min(self.max_row_height, spare // max(units, 1)))
            self._line_rows = [r for r in self._rows for _ in range(1 if r.unit is None else self.row_height)]
            self.prepare(self.snapshot, self.body_width)
            self.virtual_size = Size(self._built_size.width, len(self._line_rows) + 1)
        if repaint_all:
            self._shown.clear()
            self.refresh()
        else:
            self._refresh_changed_lines()

    def _refresh_changed_lines(self) -> None:
        """Repaint the visible lines whose strips differ from what is on screen."""
        height = self._built_size.height
        refresh_changed(self, [self._shown.get(y) for y in range(height)], [self._line(y) for y in range(height)])

    def prepare(self, snapshot: Snapshot, width: int) -> None:
        """Precompute per-row data for ``width`` body cells."""

    def header(self, width: int) -> list[Segment]:
        return []

    def body(self, row: Row, width: int) -> list[Segment]:
        raise NotImplementedError

    def render_line(self, y: int) -> Strip:
        strip = self._shown[y] = self._line(y)
        return strip

    def _line(self, y: int) -> Strip:
        """Visible line ``y``: the fixed header, then the rows from the scroll position."""
        width = self._built_size.width
        if self.snapshot is None or self.body_width <= 0:
            return Strip.blank(width)
        if y == 0:
            return Strip([Segment(" " * self.label_width), *self.header(self.body_width)]).adjust_cell_length(width)
        lines = self._line_rows
        index = y - 1 + int(self.scroll_offset.y)
        if index >= len(lines):
            return Strip.blank(width)
        row = lines[index]
        first = index == 0 or lines[index - 1] != row
        content = None if row.unit is None else self.row_key(row)
        if content is not None:  # the same look as a line of an earlier frame: drawn as it was then
            state = int(self.snapshot.record.layers[row.layer].state[row.unit])
            key = (row, first, width, self.label_width, state, (row.layer, row.unit) == self.selected, content)
            cache = self._looks
        else:
            key, cache = (row, first, width), self._cache
        strip = cache.get(key)
        if strip is None:
            strip = cache[key] = self._render_row(row, width, first)
        return strip

    def row_key(self, row: Row) -> Hashable | None:
        """What a unit's line shows right of its label, when a subclass can tell it cheaply (None:
        the line is drawn again for every frame)."""
        return None

    def _render_row(self, row: Row, width: int, first: bool) -> Strip:
        layer = self.snapshot.record.layers[row.layer]
        if row.unit is None:
            # narrow (compare columns): the count first, then what fits of the name and the activation;
            # the form is chosen for the widest count, so it does not change as units die
            forms = [(f"{layer.name} · {layer.activation} · ", " dead"),
                     (STATE_GLYPH[DEAD], f" {layer.name} {layer.activation}"), (STATE_GLYPH[DEAD], f" {layer.name}")]
            widest = len(f"{layer.width}/{layer.width}")
            head, tail = next((f for f in forms if len(f[0]) + widest + len(f[1]) <= width), forms[-1])
            text = f"{head}{layer.count(DEAD)}/{layer.width}{tail}"
            return Strip([Segment(text[:width], DIM + Style(bold=True))]).adjust_cell_length(width)
        state = int(layer.state[row.unit])
        style = STATE_STYLE[state] + Style(reverse=True) if (row.layer, row.unit) == self.selected else STATE_STYLE[state]
        if not first:
            style = Style()
        size = self.label_width
        index = f"{row.unit:>5}  " if size == LABEL_WIDTH else f"{row.unit:>{size - 2}} "
        label = (STATE_GLYPH[state] + index if first else "").ljust(size)[:size]
        return Strip(Segment.simplify([Segment(label, style), *self.body(row, self.body_width)])).adjust_cell_length(width)
