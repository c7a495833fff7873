"""Changing a scenario the way its file would be changed: its document edited, then read by the parser.

The app's editor and interventions go through here, so a value is refused with the very message the
file would get, and what is accepted is exactly what a saved file reproduces.
"""

from __future__ import annotations

import tomllib
from dataclasses import replace
from typing import Any

from relu_tui.errors import ScenarioError
from relu_tui.spec.parse import parse_scenario
from relu_tui.spec.scenario import Event, Scenario
from relu_tui.spec.write import Doc, scenario_doc, value_text

BLANK = object()  # a form field left empty: its key is left out


def reread(doc: Doc, like: Scenario) -> Scenario:
    """``doc`` through the parser, as a scenario in the place of ``like`` (its source, variant and summary)."""
    parsed = parse_scenario(doc, source=like.source)
    return replace(parsed, source=like.source, variant=like.variant, summary=like.summary, variants={})


def with_event(scenario: Scenario, event: Doc) -> tuple[Scenario, Event]:
    """``scenario`` with one more ``[[training.events]]`` table, after the others (so last of its epoch's),
    and the event it reads as."""
    doc = scenario_doc(scenario)
    doc["training"]["events"] = [*doc["training"].get("events", []), event]
    amended = reread(doc, scenario)
    return amended, [e for e in amended.training.events if e.epoch == event["epoch"]][-1]


def field_value(text: str) -> Any:
    """What a form field holds, read as a TOML value (``0.5``, ``"he_normal"``, ``{ kind = "normal", std = 1 }``,
    ``[1, 2]``); text that is no TOML value is a string (so that the parser names it as the file would);
    an empty field is BLANK."""
    text = text.strip()
    if not text:
        return BLANK
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def field_text(value: Any) -> str:
    """A document's value as a form field shows it (a bare word for a string)."""
    return value if isinstance(value, str) else value_text(value)


def short_message(exc: ScenarioError) -> str:
    """The error as a form shows it: the key, the value, the problem and what was expected (no file, no line)."""
    bare = ScenarioError(exc.problem, key=exc.key, expected=exc.expected, hint=exc.hint,
                         **({"value": exc.value} if exc.has_value else {}))
    return bare.message.removeprefix("<scenario>: ")


def changes(before: Doc, after: Doc, prefix: str = "") -> list[str]:
    """What differs between two documents, as ``key: old → new`` lines (an array of tables by its length)."""
    out = []
    for key in dict.fromkeys([*before, *after]):
        name = f"{prefix}{key}"
        old, new = before.get(key, BLANK), after.get(key, BLANK)
        if old == new:
            continue
        if isinstance(old, dict) and isinstance(new, dict) and "kind" not in old and "kind" not in new:
            out += changes(old, new, name + ".")
        elif _tables(old) and _tables(new) and len(old) == len(new):
            for i, (a, b) in enumerate(zip(old, new)):
                out += changes(a, b, f"{name}[{i}].")
        elif _tables(old) or _tables(new):
            out.append(f"{name}: {len(old) if _tables(old) else 0} → {len(new) if _tables(new) else 0}")
        else:
            out.append(f"{name}: {_shown(old)} → {_shown(new)}")
    return out


def _tables(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, dict) for v in value)


def _shown(value: Any) -> str:
    return "–" if value is BLANK else field_text(value)
