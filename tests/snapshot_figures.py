"""Snapshot comparison that lets a trained figure's last digit differ by one, as it does between CPUs.

Other SIMD kernels (AVX-512, AVX2, none) round float32 sums differently: about one part in a
million of a trained number, which can move the last digit a screen writes (``0.1235`` against
``0.1234``, or ``−0.0000`` against ``+0.0000``). Everything else must match exactly: every glyph,
colour and position, every integer (counts, epochs, indices), and the format of each figure.
"""

from __future__ import annotations

import html
import re

from pytest_textual_snapshot import SVGImageExtension

# A line of text in the SVG: markup (tags, positions, styles) around the characters shown.
_TEXT = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")
# A figure with a fractional part or an exponent; a bare integer is not a figure that rounds.
_FIGURE = re.compile(r"([+\-−]?\d+(?:\.(\d+))?(?:e([+-]\d+))?)")


def same_screen(actual: str, stored: str) -> bool:
    """True when the two SVG screenshots differ at most in the last digit of decimal figures."""
    if actual == stored:
        return True
    ours, theirs = _TEXT.split(actual), _TEXT.split(stored)
    if len(ours) != len(theirs):
        return False
    for index, (a, b) in enumerate(zip(ours, theirs)):
        is_shown_text = index % 4 == 2
        if a != b and not (is_shown_text and _same_text(html.unescape(a), html.unescape(b))):
            return False
    return True


def _same_text(a: str, b: str) -> bool:
    ours, theirs = _FIGURE.split(a), _FIGURE.split(b)
    if len(ours) != len(theirs):
        return False
    # split() yields [text, figure, decimals, exponent, text, ...]
    for i in range(0, len(ours), 4):
        if ours[i] != theirs[i]:
            return False
        if i + 1 < len(ours) and not _one_unit_apart(ours[i + 1:i + 4], theirs[i + 1:i + 4]):
            return False
    return True


def _one_unit_apart(a: list[str | None], b: list[str | None]) -> bool:
    (text_a, decimals_a, exponent_a), (text_b, decimals_b, exponent_b) = a, b
    if text_a == text_b:
        return True
    if decimals_a is None and exponent_a is None:
        return False  # an integer: exact
    if len(text_a) != len(text_b) or len(decimals_a or "") != len(decimals_b or "") or (exponent_a is None) != (
            exponent_b is None):
        return False  # another format, not another rounding
    unit = 10.0 ** -len(decimals_a or "")
    value_a, value_b = (float(t.replace("−", "-")) for t in (text_a, text_b))
    if exponent_a is not None:
        return abs(value_a / 10.0 ** int(exponent_a) - value_b / 10.0 ** int(exponent_a)) <= unit * 1.001
    return abs(value_a - value_b) <= unit * 1.001


class CpuTolerantSVG(SVGImageExtension):
    """pytest-textual-snapshot's SVG snapshots, compared with :func:`same_screen`."""

    def matches(self, *, serialized_data, snapshot_data) -> bool:
        return same_screen(serialized_data, snapshot_data)
