"""Diagnose the ReLU units of your own PyTorch model while it trains: a headless :class:`Monitor` writes a run
log that :func:`read_run` and :class:`RunLogTail` read back.

Names load lazily, so reading a run log does not import PyTorch.
"""

from __future__ import annotations

import importlib
from typing import Any

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


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'relu_tui.monitor' has no attribute {name!r}")
