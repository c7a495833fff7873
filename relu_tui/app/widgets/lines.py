"""Repaint only what changed: a step that moves one number should not resend the whole panel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget


def changed_cells(old: Strip, new: Strip) -> tuple[int, int] | None:
    """The cells ``[start, end)`` of a line that differ between ``old`` and ``new`` (None: none do;
    the whole line when their lengths differ), found from both ends inward: the segments the two
    share, then the characters a differing pair of the same style shares."""
    if old == new:
        return None
    length = new.cell_length
    if old.cell_length != length:
        return 0, max(length, old.cell_length)
    a, b = list(old), list(new)
    n = min(len(a), len(b))
    start = i = 0
    while i < n and a[i] == b[i]:
        start += a[i].cell_length
        i += 1
    if i == n:  # one is the other and some empty segments
        return 0, length
    if a[i].style == b[i].style:
        start += cell_len(_common_prefix(a[i].text, b[i].text))
    end = length
    j = 1
    while j <= n - i and a[-j] == b[-j]:
        end -= a[-j].cell_length
        j += 1
    if j <= n - i and a[-j].style == b[-j].style:
        end -= cell_len(_common_prefix(a[-j].text[::-1], b[-j].text[::-1]))
    return start, max(end, start + 1)


def _common_prefix(x: str, y: str) -> str:
    n = 0
    for p, q in zip(x, y):
        if p != q:
            break
        n += 1
    return x[:n]


def refresh_changed(widget: Widget, old: Sequence[Strip | None], new: Sequence[Strip]) -> None:
    """Mark the cells of content lines whose strips differ between ``old`` and ``new`` for repaint
    (each line from its first differing cell to its last; everything when the line count changed)."""
    if len(old) != len(new):
        widget.refresh()
        return
    regions = []
    width = widget.content_region.width
    for y, (before, after) in enumerate(zip(old, new)):
        if before is None:
            regions.append(Region(0, y, width, 1))
            continue
        span = changed_cells(before, after)
        if span is not None:
            regions.append(Region(span[0], y, span[1] - span[0], 1))
    if regions:
        widget.refresh(*regions)


class StripsWidget(Widget):
    """A line-API widget drawn from a list of strips, rebuilt on new data or a resize; only the
    lines that changed are repainted."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._lines: list[Strip] = []

    def build(self, width: int, height: int) -> list[Strip]:
        """The widget's lines for a content area of ``width`` x ``height`` cells."""
        raise NotImplementedError

    def rebuild(self) -> None:
        width, height = self.content_region.width, self.content_region.height
        lines = self.build(width, height) if width > 0 and height > 0 else []
        refresh_changed(self, self._lines, lines)
        self._lines = lines

    def on_resize(self) -> None:
        self.rebuild()

    def render_line(self, y: int) -> Strip:
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.content_region.width)


Layout = Callable[[int, int], Text]  # the text for a content area of (width, height) cells


class TextPanel(StripsWidget):
    """Rich ``Text`` drawn line by line; unlike a Static, a new text repaints only the lines that differ.

    The text may be given as a layout function of the panel's size: it is laid out again whenever the
    panel is resized, so a resized terminal never shows text built for the old size.
    ``wrap=False`` keeps each line on one row, cut with an ellipsis."""

    def __init__(self, *, wrap: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        self.wrap = wrap
        self.text = Text()
        self._layout: Layout | None = None
        self._drawn: tuple = ()  # what the strips below were laid out from: the text's looks and the size
        self._strips: list[Strip] = []

    def update(self, text: Text | Layout) -> None:
        if callable(text):
            self._layout = text
            self.rebuild()
        elif text != self.text or self._layout is not None:
            self._layout, self.text = None, text
            self.rebuild()

    def build(self, width: int, height: int) -> list[Strip]:
        if self._layout is not None:
            self.text = self._layout(width, height)
        drawn = (_looks(self.text), width, height)
        if drawn != self._drawn:  # the text an epoch leaves as it was is not laid out again
            options = self.app.console.options.update(width=width, height=height, no_wrap=not self.wrap,
                                                      overflow="fold" if self.wrap else "ellipsis")
            lines = self.app.console.render_lines(self.text, options, pad=True)
            self._drawn, self._strips = drawn, [Strip(line, width) for line in lines[:height]]
        return self._strips


def _looks(text: Text) -> tuple:
    """All that decides how ``text`` is drawn (``Text.__eq__`` leaves out its own style and layout)."""
    return (text.plain, tuple(text.spans), text.style, text.justify, text.overflow, text.no_wrap, text.end,
            text.tab_size)
