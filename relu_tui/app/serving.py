"""``relu-tui serve``: the same app in a browser tab, through textual-serve.

textual-serve runs a fresh ``relu-tui`` process for every browser tab and streams its screen
over a websocket; nothing else changes, so every key works as in a terminal. The server is
guarded (:mod:`relu_tui.app.guarded_server`): pages from other sites are refused, the number of
sessions is capped, and an app ends when its tab goes.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

MISSING = "relu-tui serve needs textual-serve: pip install 'relu-tui[serve]'"
MAX_SESSIONS = 4  # apps running at once (each is a process of about 300 MB)


class ServeUnavailable(Exception):
    """textual-serve is not installed."""


def serve(command: Sequence[str], host: str, port: int, max_sessions: int = MAX_SESSIONS) -> int:
    """Serve ``command`` (the app's command line) at http://host:port until interrupted."""
    try:
        from relu_tui.app.guarded_server import GuardedServer
    except ImportError:
        raise ServeUnavailable(MISSING) from None
    # exec: the shell textual-serve starts becomes the app, so ending the process ends the app
    GuardedServer("exec " + shlex.join(command), host=host, port=port, max_sessions=max_sessions,
                  title="relu-tui").serve()
    return 0
