"""The Textual app: the only part of relu-tui that imports Textual.

``session`` and ``exporting`` (the engine side, run on the app's worker thread) import no Textual,
so the names below load lazily.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ReluApp", "run_app"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from . import main

        return getattr(main, name)
    raise AttributeError(f"module 'relu_tui.app' has no attribute {name!r}")
