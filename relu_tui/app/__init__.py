"""The Textual app (the only part of relu-tui that imports Textual)."""

from .main import ReluApp, run_app

__all__ = ["ReluApp", "run_app"]
