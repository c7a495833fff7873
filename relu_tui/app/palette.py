"""Styles and glyphs: every state and heat level has both, so 16-colour terminals stay legible.

The colours themselves are named once, in :mod:`relu_tui.plots.colors`.
"""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style

from relu_tui.plots.colors import (
    ALERT_BG,
    CLASS_COLOR,
    DIM_COLOR,
    NEGATIVE_RAMP,
    NEGATIVE_WEIGHT_COLOR,
    POSITIVE_RAMP,
    POSITIVE_WEIGHT_COLOR,
    STATE_COLOR,
    WHITE,
    ZERO_BG_COLOR,
    ZERO_CELL_COLOR,
)

STATE_GLYPH = ("✖", "▽", "◐", "●")  # dead, negative, sparse, active (index = state code)
STATE_STYLE = tuple(Style(color=c, bold=True) for c in STATE_COLOR)
INPUT_GLYPH, OUTPUT_GLYPH = "○", "◎"

SHADES = "░▒▓██"  # glyph density rises with magnitude, so levels survive a 16-colour terminal
ZERO_GLYPH = "·"
ZERO_STYLE = Style(color=ZERO_CELL_COLOR)
DEAD_CELL_STYLE = Style(color=STATE_COLOR[0])
# Each class also has its own glyph (its colour is never red: red means dead).
CLASS_GLYPH = ("■", "▲", "◆", "★", "✚", "◉", "✦", "♣")  # none is a state glyph
POSITIVE_WEIGHT = Style(color=POSITIVE_WEIGHT_COLOR, bold=True)
NEGATIVE_WEIGHT = Style(color=NEGATIVE_WEIGHT_COLOR, bold=True)
DIM = Style(color=DIM_COLOR)

ALERT = Style(color=WHITE, bgcolor=ALERT_BG, bold=True)  # divergence
BUSY = Style(color=STATE_COLOR[2])  # loading, a long command's progress, watch's waiting notes
PLAYING, PAUSED = Style(color=STATE_COLOR[3]), DIM
EXACT_ZERO = Style(color=STATE_COLOR[0])  # a gradient or a layer that is exactly 0: the colour of death
SILENT = Style(color=STATE_COLOR[1])  # below zero everywhere but not dead (leaky, ELU, ...)
BOUNDARY = Style(color=WHITE, bold=True)  # the decision boundary on the input plane

_POS_STYLES = tuple(Style(color=c) for c in POSITIVE_RAMP)
_NEG_STYLES = tuple(Style(color=c) for c in NEGATIVE_RAMP)
_POS_BG = tuple(Style(bgcolor=c) for c in POSITIVE_RAMP)
_NEG_BG = tuple(Style(bgcolor=c) for c in NEGATIVE_RAMP)
ZERO_BG = Style(bgcolor=ZERO_BG_COLOR)


def levels(magnitudes: np.ndarray, scale: float) -> np.ndarray:
    """0..4 per element: how far it goes towards ``scale``; any non-zero value is at least level 0
    and a non-finite one is level 4."""
    if scale <= 0:
        return np.full(np.shape(magnitudes), 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.floor(5 * np.minimum(np.abs(magnitudes) / scale, 1.0) - 1e-9)
    return np.clip(np.nan_to_num(k, nan=4.0), 0, 4).astype(np.int64)


# heat codes: 0 exact zero, 1..5 positive levels, 6..10 negative levels, 11 not finite
HEAT_GLYPHS = (ZERO_GLYPH, *SHADES, *SHADES, "!")
HEAT_STYLES = (ZERO_STYLE, *_POS_STYLES, *_NEG_STYLES, DEAD_CELL_STYLE)
HEAT_BACKGROUNDS = (ZERO_BG, *_POS_BG, *_NEG_BG, ZERO_BG)


def heat_codes(values: np.ndarray, scale: float) -> np.ndarray:
    """A heat code per signed value: exact zero, positive and negative each look different."""
    k = levels(values, scale)
    codes = np.where(values > 0, 1 + k, 6 + k)
    codes = np.where(values == 0, 0, codes)
    return np.where(np.isfinite(values), codes, 11)


def coded_segments(codes: np.ndarray, glyphs: np.ndarray, styles: list[Style]) -> list[Segment]:
    """One line of cells given as codes into ``glyphs`` and ``styles``: one segment per run of a style."""
    if not codes.size:
        return []
    text = "".join(glyphs[codes].tolist())
    cuts = [0, *(np.flatnonzero(np.diff(codes)) + 1).tolist(), len(codes)]
    return [Segment(text[a:b], styles[codes[a]]) for a, b in zip(cuts, cuts[1:])]


def class_color(label: int) -> str:
    return CLASS_COLOR[int(label) % len(CLASS_COLOR)]


def class_glyph(label: int) -> str:
    return CLASS_GLYPH[int(label) % len(CLASS_GLYPH)]


_BARS = " ▁▂▃▄▅▆▇█"


def sparkline(values: np.ndarray, width: int, top: float | None = None) -> str:
    """``values`` averaged into ``width`` cells, each a bar of 0 to 8 eighths of ``top`` (default: the max)."""
    values = np.nan_to_num(np.asarray(values, dtype=float), nan=0.0, posinf=0.0, neginf=0.0)
    if not values.size or width <= 0:
        return ""
    cells = np.array([c.mean() for c in np.array_split(values, min(width, len(values)))])
    peak = top if top is not None else float(cells.max())
    if peak <= 0:
        return _BARS[0] * len(cells)
    return "".join(_BARS[int(k)] for k in np.clip(np.ceil(cells / peak * 8), 0, 8))
