"""How trained figures are written: the digits that carry meaning, not float32 rounding noise.

Another CPU (other SIMD kernels) rounds differently in the last bits, about one part in a million
of a trained loss; four significant digits read the same on every CPU, seven (``188.3909``) do not.
"""

from __future__ import annotations

import math

LOSS_DIGITS = 4


def significant(value: float, digits: int = LOSS_DIGITS) -> str:
    """``value`` to ``digits`` significant digits: fixed notation from 0.001 up (``188.4``, ``0.6931``)."""
    if not math.isfinite(value) or value == 0:
        return f"{value:.{digits - 1}f}"
    magnitude = math.floor(math.log10(abs(value)))
    if magnitude < -3:
        return f"{value:.{digits - 1}e}"
    return f"{value:.{max(0, digits - 1 - magnitude)}f}"
