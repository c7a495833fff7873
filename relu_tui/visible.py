"""Untrusted text made safe for a terminal: every control character written as its escape.

A scenario, a CSV or a run log may carry ESC, BEL or other controls (an OSC sequence that renames
the terminal, writes the clipboard, clears the screen). Whatever prints such text, in the app, the
CLI, an error message or a table, passes it through :func:`visible` first.
"""

from __future__ import annotations

import unicodedata

_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def visible(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` with each control character (C0, DEL, C1, and the Unicode line and format
    controls that move or hide text) as a visible escape such as ``\\x1b``."""
    if text.isprintable():
        return text
    return "".join(ch if (keep_newlines and ch == "\n") or _printable(ch) else _escape(ch) for ch in text)


def _printable(ch: str) -> bool:
    category = unicodedata.category(ch)
    return category[0] not in "CZ" or category == "Zs"


def _escape(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
