"""Colours and glyphs: every state and heat level has both, so 16-colour terminals stay legible."""

from __future__ import annotations

import numpy as np
from rich.segment import Segment
from rich.style import Style

STATE_GLYPH = ("✖", "▽", "◐", "●")  # dead, negative, sparse, active (index = state code)
STATE_COLOR = ("#e5484d", "#b46ee8", "#f0b429", "#46c46a")
STATE_STYLE = tuple(Style(color=c, bold=True) for c in STATE_COLOR)
INPUT_GLYPH, OUTPUT_GLYPH = "○", "◎"

POSITIVE_RAMP = ("#31446b", "#277f8e", "#3fb47a", "#a8d83a", "#fde725")  # viridis-like, dark -> bright
NEGATIVE_RAMP = ("#4a2067", "#7b2f9e", "#a64fc4", "#cf79e6", "#eeb0ff")
SHADES = "░▒▓██"  # glyph density rises with magnitude, so levels survive a 16-colour terminal
ZERO_GLYPH = "·"
ZERO_STYLE = Style(color="#6b6b6b")
DEAD_CELL_STYLE = Style(color="#e5484d")
# Red means dead, and only that: on a 16-colour terminal (TERM=xterm) every reddish colour becomes
# the same bright red, so the classes and the weights use none. Each class also has its own glyph.
CLASS_COLOR = ("#ffb000", "#48cae4", "#7ae582", "#c77dff", "#3a86ff", "#f4f1de", "#e67700", "#219ebc")
CLASS_GLYPH = ("■", "▲", "◆", "★", "✚", "◉", "✦", "♣")  # none is a state glyph
POSITIVE_WEIGHT = Style(color="#48cae4", bold=True)  # like the positive heat ramp: cyan
NEGATIVE_WEIGHT = Style(color="#c77dff", bold=True)  # like the negative heat ramp: violet
DIM = Style(color="#8a8a8a")

# curves: one colour per series wherever it is drawn (main, compare, watch)
LOSS_COLOR, TRAIN_COLOR, TEST_COLOR, DEAD_SHARE_COLOR = "#ffffff", "#5fd75f", "#5fd7d7", "#ff5f87"
SERIES_COLORS = ("#ff5f5f", "#ffaf5f", "#ffff5f", "#5fd75f", "#5fd7d7", "#5f87ff", "#d75fd7", "#ffffff")  # sweep lines
ALERT = Style(color="#ffffff", bgcolor="#b3261e", bold=True)  # divergence
BUSY = Style(color="#f0b429")  # loading, a long command's progress, watch's waiting notes
PLAYING, PAUSED = Style(color=STATE_COLOR[3]), DIM
EXACT_ZERO = Style(color=STATE_COLOR[0])  # a gradient or a layer that is exactly 0: the colour of death
SILENT = Style(color=STATE_COLOR[1])  # below zero everywhere but not dead (leaky, ELU, ...)
BOUNDARY = Style(color="#ffffff", bold=True)  # the decision boundary on the input plane

_POS_STYLES = tuple(Style(color=c) for c in POSITIVE_RAMP)
_NEG_STYLES = tuple(Style(color=c) for c in NEGATIVE_RAMP)
_POS_BG = tuple(Style(bgcolor=c) for c in POSITIVE_RAMP)
_NEG_BG = tuple(Style(bgcolor=c) for c in NEGATIVE_RAMP)
ZERO_BG = Style(bgcolor="#1c1c1c")


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
