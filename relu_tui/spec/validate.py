"""Typed reading of TOML tables with errors that name key, value and expectation."""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from relu_tui.errors import ScenarioError
from relu_tui.visible import visible

# Every number ends up in a float32 tensor or a PyTorch hyperparameter computed in float32.
FLOAT32_MAX = 3.4028234663852886e38
KeyPath = tuple[str | int, ...]
REQUIRED = object()


def dotted(path: KeyPath) -> str:
    """``("model", "layers", 0, "width")`` -> ``model.layers[0].width``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def did_you_mean(word: str, options: Iterable[str]) -> str | None:
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


class Context:
    """Where values come from: turns a key path into a located ScenarioError."""

    def __init__(self, source: str | None = None, line_of: Callable[[KeyPath], int | None] | None = None):
        self.source = source
        self._line_of = line_of or (lambda path: None)

    def error(self, path: KeyPath, problem: str, **kwargs: Any) -> ScenarioError:
        return ScenarioError(problem, source=self.source, line=self._line_of(path), key=dotted(path), **kwargs)


class Check:
    """A value rule: ``expected`` reads after 'expected', ``convert`` returns the clean value or None."""

    expected: str

    def convert(self, value: Any) -> Any:
        raise NotImplementedError

    def explain(self, value: Any) -> tuple[str, str]:
        """The problem with a ``value`` that ``convert`` refused, and what was expected."""
        return "bad value", self.expected


def _is_number(value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _bounds_text(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    if low is not None and high is not None:
        return f"in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '>='} {low:g}"
    if high is not None:
        return f"{'<' if high_open else '<='} {high:g}"
    return ""


@dataclass(frozen=True)
class Number(Check):
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False

    @property
    def expected(self) -> str:
        bounds = _bounds_text(self.low, self.high, self.low_open, self.high_open)
        return f"a finite number {bounds}".rstrip()

    def convert(self, value: Any) -> float | None:
        if not _is_number(value) or abs(value) > FLOAT32_MAX:
            return None
        v = float(value)
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return None
        if self.high is not None and (v > self.high or (self.high_open and v == self.high)):
            return None
        return v

    def explain(self, value: Any) -> tuple[str, str]:
        # Only where the bounds themselves would have allowed the value.
        unbounded = self.high is None if _is_number(value) and value > 0 else self.low is None
        if _is_number(value) and abs(value) > FLOAT32_MAX and unbounded:
            return "beyond the float32 range", f"{self.expected}, of magnitude at most {FLOAT32_MAX:.4g}"
        return "bad value", self.expected


@dataclass(frozen=True)
class Integer(Check):
    low: int | None = None
    high: int | None = None

    @property
    def expected(self) -> str:
        return f"an integer {_bounds_text(self.low, self.high, False, False)}".rstrip()

    def convert(self, value: Any) -> int | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        if (self.low is not None and value < self.low) or (self.high is not None and value > self.high):
            return None
        return value


@dataclass(frozen=True)
class Text(Check):
    """A string of at most ``max_len`` characters without control characters (``multiline``: newlines and
    tabs allowed), so that it can reach a terminal as it is."""

    nonempty: bool = True
    max_len: int = 200
    multiline: bool = False

    @property
    def expected(self) -> str:
        return "a non-empty string" if self.nonempty else "a string"

    def convert(self, value: Any) -> str | None:
        if not isinstance(value, str) or (self.nonempty and not value.strip()) or len(value) > self.max_len:
            return None
        lines = value.replace("\t", " ").split("\n") if self.multiline else [value]
        return value if all(line == visible(line) for line in lines) else None

    def explain(self, value: Any) -> tuple[str, str]:
        if isinstance(value, str) and len(value) > self.max_len:
            return f"too long ({len(value)} characters)", f"{self.expected} of at most {self.max_len} characters"
        if isinstance(value, str) and (not self.nonempty or value.strip()):
            allowed = "control characters other than newlines and tabs" if self.multiline else "control characters"
            return "has control characters", f"{self.expected} without {allowed}"
        return "bad value", self.expected


class Boolean(Check):
    expected = "true or false"

    def convert(self, value: Any) -> bool | None:
        return value if isinstance(value, bool) else None


@dataclass(frozen=True)
class Choice(Check):
    options: Sequence[str]
    aliases: tuple[tuple[str, str], ...] = ()

    @property
    def expected(self) -> str:
        return "one of " + ", ".join(f"'{o}'" for o in self.options)

    def convert(self, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        value = dict(self.aliases).get(value, value)
        return value if value in self.options else None

    def hint(self, value: Any) -> str | None:
        if isinstance(value, str):
            return did_you_mean(value, [*self.options, *(a for a, _ in self.aliases)])
        return None


def _distinct(values: list[Any]) -> bool:
    """No two values alike (by type and value, so 1 and 1.0 and true differ); works for unhashable values."""
    seen: list[tuple[type, Any]] = []
    for value in values:
        if (type(value), value) in seen:
            return False
        seen.append((type(value), value))
    return True


class Table:
    """One TOML table being read: typed ``take`` per key, then ``done`` rejects leftovers."""

    def __init__(self, data: Any, path: KeyPath, ctx: Context) -> None:
        if not isinstance(data, dict):
            raise ctx.error(path, "not a table", value=data, expected="a table of keys")
        self.data = data
        self.path = path
        self.ctx = ctx
        self.used: set[str] = set()

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = None) -> Any:
        self.used.add(key)
        return self.data.get(key, default)

    def take(self, key: str, check: Check, default: Any = REQUIRED) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is REQUIRED:
                raise self.ctx.error((*self.path, key), "missing key", expected=check.expected)
            return default
        return self.convert((*self.path, key), self.data[key], check)

    def take_list(self, key: str, check: Check, default: list[Any], *, max_len: int = 64) -> tuple[Any, ...]:
        """A non-empty array of distinct values that each pass ``check``."""
        self.used.add(key)
        values = self.data.get(key, default)
        if not isinstance(values, list) or not 1 <= len(values) <= max_len or not _distinct(values):
            raise self.ctx.error((*self.path, key), "bad value", value=values,
                                 expected=f"an array of 1 to {max_len} distinct values, each {check.expected}")
        return tuple(self.convert((*self.path, key, i), v, check) for i, v in enumerate(values))

    def convert(self, path: KeyPath, value: Any, check: Check) -> Any:
        clean = check.convert(value)
        if clean is None:
            hint = check.hint(value) if isinstance(check, Choice) else None
            problem, expected = check.explain(value)
            raise self.ctx.error(path, problem, value=value, expected=expected, hint=hint)
        return clean

    def sub(self, key: str, default: Any = REQUIRED) -> Table:
        self.used.add(key)
        if key not in self.data and default is not REQUIRED:
            return Table(default, (*self.path, key), self.ctx)
        if key not in self.data:
            raise self.ctx.error((*self.path, key), "missing table", expected="a table")
        return Table(self.data[key], (*self.path, key), self.ctx)

    def list_of_tables(self, key: str, *, min_len: int = 0, max_len: int | None = None) -> list[Table]:
        self.used.add(key)
        if key not in self.data and min_len:
            raise self.ctx.error((*self.path, key), "missing key",
                                 expected=f"at least {min_len} [[{dotted((*self.path, key))}]] table(s)")
        items = self.data.get(key, [])
        if not isinstance(items, list) or len(items) < min_len or (max_len is not None and len(items) > max_len):
            need = f"an array of at least {min_len} table(s)" if min_len else "an array of tables"
            need += f" (at most {max_len})" if max_len is not None else ""
            raise self.ctx.error((*self.path, key), "bad value", value=items, expected=need)
        return [Table(item, (*self.path, key, i), self.ctx) for i, item in enumerate(items)]

    def error(self, key: str | None, problem: str, **kwargs: Any) -> ScenarioError:
        path = self.path if key is None else (*self.path, key)
        return self.ctx.error(path, problem, **kwargs)

    def done(self, *also: str) -> None:
        """Reject any key not read; suggest the closest of the keys read or ``also``."""
        for key in self.data:
            if key not in self.used:
                options = sorted(self.used | set(also))
                raise self.ctx.error((*self.path, key), "unknown key", hint=did_you_mean(key, options))
