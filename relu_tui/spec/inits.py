"""Weight and bias initializers as a scenario writes them; :mod:`relu_tui.engine.inits` draws them."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from relu_tui.spec.validate import Check, Choice, Context, KeyPath, Number, Table

_GAIN = Number(low=0, low_open=True)


class Gain(Check):
    """A positive number, or "auto": He's gain for the layer's activation."""

    expected = '"auto" or a finite number > 0'

    def convert(self, value: Any) -> float | str | None:
        return value if value == "auto" else _GAIN.convert(value)

    def explain(self, value: Any) -> tuple[str, str]:
        return _GAIN.explain(value)[0], self.expected


_HE = {"gain": (Gain(), "auto"), "mode": (Choice(("fan_in", "fan_out")), "fan_in")}

# kind -> {param: (check, default)}; a default of None means required.
WEIGHT_KINDS: dict[str, dict[str, tuple[Check, float | str | None]]] = {
    "default": {},
    "uniform": {"low": (Number(), None), "high": (Number(), None)},
    "normal": {"mean": (Number(), 0.0), "std": (Number(low=0), None)},
    "constant": {"value": (Number(), None)},
    "he_normal": _HE,
    "he_uniform": _HE,
    "xavier_normal": {"gain": (_GAIN, 1.0)},
    "xavier_uniform": {"gain": (_GAIN, 1.0)},
    "orthogonal": {"gain": (_GAIN, 1.0)},
    "rai": {},
}
BIAS_KINDS = ("default", "uniform", "normal", "constant", "he_normal", "he_uniform")
ALIASES = (
    ("kaiming_normal", "he_normal"),
    ("kaiming_uniform", "he_uniform"),
    ("glorot_normal", "xavier_normal"),
    ("glorot_uniform", "xavier_uniform"),
    ("zeros", "constant"),
)


@dataclass(frozen=True)
class InitSpec:
    """How to fill one weight matrix or bias vector."""

    kind: str
    params: dict[str, Any] = field(default_factory=dict)
    values: tuple = ()  # explicit values when kind == "explicit"

    def describe(self) -> str:
        if self.kind == "explicit":
            return "explicit values"
        args = ", ".join(f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in self.params.items())
        return f"{self.kind}({args})" if args else self.kind


def parse_init(value: Any, path: KeyPath, ctx: Context, kinds: tuple[str, ...]) -> InitSpec:
    """Read ``"he_normal"``, ``0.1`` (a constant) or ``{kind = "uniform", low = -1, high = 0}``."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"kind": "constant", "value": value}
    elif isinstance(value, str):
        value = {"kind": value}
    table = Table(value, path, ctx)
    kind = table.take("kind", Choice(kinds, aliases=tuple((a, k) for a, k in ALIASES if k in kinds)))
    params: dict[str, Any] = {}
    if value["kind"] == "zeros":
        params["value"] = 0.0
    else:
        for name, (check, default) in WEIGHT_KINDS[kind].items():
            params[name] = table.take(name, check) if default is None else table.take(name, check, default=default)
    table.done()
    if kind == "uniform" and params["low"] > params["high"]:
        raise ctx.error((*path, "low"), "low is above high", value=params["low"], expected=f"low <= high ({params['high']:g})")
    return InitSpec(kind, params)


def extent(spec: InitSpec, fan_in: int, fan_out: int, he_gain: float) -> float:
    """A bound on the magnitude of what ``spec`` draws (ten standard deviations for a normal), and for
    a uniform also its width, which PyTorch needs to be a finite float32 too."""
    p = spec.params
    if spec.kind == "uniform":
        return max(abs(p["low"]), abs(p["high"]), p["high"] - p["low"])
    if spec.kind == "normal":
        return abs(p["mean"]) + 10 * p["std"]
    if spec.kind == "constant":
        return abs(p["value"])
    if spec.kind in ("he_normal", "he_uniform"):
        gain = he_gain if p["gain"] == "auto" else p["gain"]
        return 10 * gain / math.sqrt(fan_in if p["mode"] == "fan_in" else fan_out)
    if spec.kind in ("xavier_normal", "xavier_uniform"):
        return 10 * p["gain"] * math.sqrt(2.0 / (fan_in + fan_out))
    if spec.kind == "orthogonal":
        return p["gain"]  # the entries of an orthogonal matrix lie in [-1, 1]
    return 1.0  # default, rai and explicit values (each already a float32 number)
