"""``relu-tui serve``: the same app in a browser tab, through textual-serve.

textual-serve runs a fresh ``relu-tui`` process for every browser tab and streams its screen
over a websocket; nothing else changes, so every key works as in a terminal.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

MISSING = "relu-tui serve needs textual-serve: pip install 'relu-tui[serve]'"


class ServeUnavailable(Exception):
    """textual-serve is not installed."""


def serve(command: Sequence[str], host: str, port: int) -> int:
    """Serve ``command`` (the app's command line) at http://host:port until interrupted."""
    try:
        from textual_serve.server import Server
    except ImportError:
        raise ServeUnavailable(MISSING) from None
    Server(shlex.join(command), host=host, port=port, title="relu-tui").serve()
    return 0
