"""Diagnose the ReLU units of your own PyTorch model while it trains: a headless :class:`Monitor` writes a run
log that :func:`read_run` and :class:`RunLogTail` read back.

Names load lazily, so reading a run log does not import PyTorch.
"""

from __future__ import annotations

from relu_tui.lazy import lazy_exports

_EXPORTS = {
    "Monitor": "monitor",
    "RunLog": "reader",
    "RunLogTail": "reader",
    "read_run": "reader",
    "RunLogError": "errors",
    "NoRunError": "errors",
    "RunMeta": "runlog",
    "RunRecord": "runlog",
    "LayerInfo": "runlog",
    "LayerStats": "runlog",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
