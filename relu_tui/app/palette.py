"""Colours and glyphs: every state and heat level has both, so 16-colour terminals stay legible."""

from __future__ import annotations

import math

import numpy as np
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
CLASS_COLOR = ("#ff9f1c", "#2ec4b6", "#e71d36", "#a06cd5", "#8ac926", "#f4d35e", "#4cc9f0", "#f72585")
POSITIVE_WEIGHT = Style(color="#5aa9e6", bold=True)
NEGATIVE_WEIGHT = Style(color="#ff6b6b", bold=True)
DIM = Style(color="#8a8a8a")

_POS_STYLES = tuple(Style(color=c) for c in POSITIVE_RAMP)
_NEG_STYLES = tuple(Style(color=c) for c in NEGATIVE_RAMP)
_POS_BG = tuple(Style(bgcolor=c) for c in POSITIVE_RAMP)
_NEG_BG = tuple(Style(bgcolor=c) for c in NEGATIVE_RAMP)
ZERO_BG = Style(bgcolor="#1c1c1c")


def level(magnitude: float, scale: float) -> int:
    """0..4: how far ``magnitude`` goes towards ``scale``; any non-zero value is at least level 0."""
    if scale <= 0 or not math.isfinite(magnitude):
        return 4
    return min(4, int(5 * min(magnitude / scale, 1.0) - 1e-9)) if magnitude > 0 else 0


def heat_cell(value: float, scale: float) -> tuple[str, Style]:
    """Glyph and style for a signed value: exact zero, positive and negative each look different."""
    if value == 0:
        return ZERO_GLYPH, ZERO_STYLE
    if not math.isfinite(value):
        return "!", DEAD_CELL_STYLE
    k = level(abs(value), scale)
    return SHADES[k], (_POS_STYLES if value > 0 else _NEG_STYLES)[k]


def heat_background(value: float, scale: float) -> Style:
    """A background colour for a signed value (the input plane)."""
    if value == 0 or not math.isfinite(value):
        return ZERO_BG
    k = level(abs(value), scale)
    return (_POS_BG if value > 0 else _NEG_BG)[k]


def class_color(label: int) -> str:
    return CLASS_COLOR[int(label) % len(CLASS_COLOR)]


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
