"""The Textual app: the only part of relu-tui that imports Textual.

``session`` and ``exporting`` (the engine side, run on the app's engine thread) import no Textual,
so the names below load lazily.
"""

from __future__ import annotations

from relu_tui.lazy import lazy_exports

_EXPORTS = {"ReluApp": "main", "run_app": "main"}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
