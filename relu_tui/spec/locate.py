"""Find the line of a dotted key in TOML text, so errors can point at it.

``tomllib`` keeps no positions, so this scans the text: table headers,
arrays of tables and ``key = value`` lines (skipping multi-line strings and
arrays). A path is a tuple of key segments, array indices as strings.
"""

from __future__ import annotations

import re
import tomllib

_SEG = r'(?:[A-Za-z0-9_-]+|"[^"]*"|\'[^\']*\')'
_DOTTED = rf"{_SEG}(?:\s*\.\s*{_SEG})*"
_HEADER = re.compile(rf"^\s*(\[\[?)\s*({_DOTTED})\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(rf"^\s*({_DOTTED})\s*=\s*(.*)$")
_SPLIT = re.compile(rf"\s*({_SEG})\s*\.?")


def _segments(dotted: str) -> tuple[str, ...]:
    return tuple(_unquote(m.group(1)) for m in _SPLIT.finditer(dotted))


def _unquote(segment: str) -> str:
    """A key segment as tomllib reads it: quotes removed, escapes of basic strings decoded."""
    if segment.startswith('"'):
        try:
            return next(iter(tomllib.loads(f"{segment} = 0")))
        except tomllib.TOMLDecodeError:
            pass
    return segment.strip("\"'")


def _open_brackets(text: str) -> int:
    """Net count of '[' and '{' in a value, ignoring strings and comments."""
    depth, quote = 0, None
    for ch in text:
        if quote:
            if ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "#":
            break
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
    return depth


class KeyLocator:
    """Maps every key path written in a TOML document to its 1-based line."""

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, ...], int] = {}
        self.indexed: set[tuple[str, ...]] = set()  # paths ending in an array-of-tables index
        counts: dict[tuple[str, ...], int] = {}
        prefix: tuple[str, ...] = ()
        skip_until: str | None = None
        depth = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if skip_until is not None:
                if skip_until in line:
                    skip_until = None
                continue
            if depth > 0:
                depth += _open_brackets(line)
                continue
            header = _HEADER.match(line)
            if header:
                prefix = self._resolve(_segments(header.group(2)), counts)
                if header.group(1) == "[[":
                    index = counts.get(prefix, -1) + 1
                    counts[prefix] = index
                    prefix = (*prefix, str(index))
                    self.indexed.add(prefix)
                self._add(prefix, number)
                continue
            assign = _ASSIGN.match(line)
            if not assign:
                continue
            self._add((*prefix, *_segments(assign.group(1))), number)
            value = assign.group(2)
            for quote in ('"""', "'''"):
                if value.startswith(quote) and value.count(quote) == 1:
                    skip_until = quote
            if skip_until is None:
                depth = max(_open_brackets(value), 0)

    def _add(self, path: tuple[str, ...], number: int) -> None:
        """Record ``path`` and, unless seen before, the tables it opens on the way (``a.b.c`` opens ``a.b``)."""
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], number)

    @staticmethod
    def _resolve(segments: tuple[str, ...], counts: dict[tuple[str, ...], int]) -> tuple[str, ...]:
        """Insert the current index after each array-of-tables segment."""
        out: tuple[str, ...] = ()
        for i, seg in enumerate(segments):
            out = (*out, seg)
            if out in counts and i < len(segments) - 1:
                out = (*out, str(counts[out]))
        return out

    def key_at(self, number: int) -> tuple[str | int, ...] | None:
        """The longest key path written on line ``number``, array-of-tables indices as integers."""
        found = [path for path, line in self.lines.items() if line == number]
        if not found:
            return None
        path = max(found, key=len)
        return tuple(int(p) if path[: i + 1] in self.indexed else p for i, p in enumerate(path))

    def line(self, path: tuple[str | int, ...]) -> int | None:
        """The line of ``path``, else of its longest written prefix."""
        parts = tuple(str(p) for p in path)
        while parts:
            if parts in self.lines:
                return self.lines[parts]
            parts = parts[:-1]
        return None
