"""The Textual app: the only layer that imports Textual and Rich.

It renders snapshots and sends commands; the session it drives (:mod:`relu_tui.engine.session`) runs
on the app's engine thread. Names load lazily, so importing the package does not start Textual.
"""

from __future__ import annotations

from relu_tui.lazy import lazy_exports

_EXPORTS = {"ReluApp": "main", "run_app": "main"}
__all__ = list(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
