"""The errors a user's bad input raises: an :class:`InputError` (a scenario's :class:`ScenarioError`,
or a run log's ``RunLogError``), one line naming the file, line, key, value and what was expected."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from relu_tui.visible import visible

_MISSING = object()


class InputError(Exception):
    """A file a user gave is malformed or impossible.

    It names the file, the line where known, the dotted key, the bad value
    and what was expected; ``str()`` gives all of that on one line.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | Path | None = None,
        line: int | None = None,
        key: str | None = None,
        value: Any = _MISSING,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = str(source) if source is not None else None
        self.line = line
        self.key = key
        self.value = value
        self.expected = expected
        self.hint = hint
        super().__init__(self.message)

    @property
    def has_value(self) -> bool:
        return self.value is not _MISSING

    @property
    def message(self) -> str:
        where = self.source or "<scenario>"
        if self.line is not None:
            where += f":{self.line}"
        parts = [where]
        if self.key:
            subject = self.key
            if self.has_value:
                subject += f" = {_show(self.value)}"
            parts.append(subject)
        text = self.problem
        if self.expected:
            text += f"; expected {self.expected}"
        if self.hint:
            text += f" ({self.hint})"
        parts.append(text)
        # File names, keys, values and hints can all come from the user: no control character
        # (a line break, or an escape sequence a terminal would obey) is printed as it is.
        return visible(": ".join(parts))

    def located(self, source: str | Path | None = None, line: int | None = None) -> ScenarioError:
        """Fill in the file and line if they are not known yet."""
        if self.source is None and source is not None:
            self.source = str(source)
        if self.line is None and line is not None:
            self.line = line
        self.args = (self.message,)
        return self


class ScenarioError(InputError):
    """A scenario (or the data it names) is malformed or impossible."""


def _show(value: Any, limit: int = 60) -> str:
    """A short, single-line rendering of a TOML value."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{k} = {_show(v, 20)}" for k, v in value.items()) + "}"
    elif isinstance(value, list):
        text = "[" + ", ".join(_show(v, 20) for v in value) + "]"
    elif isinstance(value, int) and value.bit_length() > 200:
        text = _long_int(value)
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _long_int(value: int) -> str:
    """The first digits and the digit count of an integer too long to print (Python refuses to
    convert one of more than 4300 digits to text at all)."""
    magnitude = abs(value)
    digits = int(magnitude.bit_length() * math.log10(2)) + 1
    if 10 ** (digits - 1) > magnitude:
        digits -= 1
    lead = magnitude // 10 ** (digits - 12)
    return f"{'-' if value < 0 else ''}{lead}… ({digits} digits)"
