"""Weight and bias initializers, each drawn from its own seeded generator."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch

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
RAI_SCALE = 0.6007  # RAI's symmetric entries have std RAI_SCALE / sqrt(fan_in), as published
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


def activation_gain(activation: str, slope: float) -> float:
    """He's gain for the layer's activation: sqrt(2 / (1 + slope^2)) for the ReLU family."""
    if activation in ("relu", "leaky_relu", "prelu"):
        s = slope if activation != "relu" else 0.0
        return math.sqrt(2.0 / (1.0 + s * s))
    if activation == "tanh":
        return 5.0 / 3.0
    return math.sqrt(2.0) if activation in ("elu", "gelu") else 1.0


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


def draw(spec: InitSpec, shape: tuple[int, ...], generator: torch.Generator, fan_in: int, fan_out: int,
         he_gain: float) -> torch.Tensor:
    """A new float32 tensor of ``shape`` filled as ``spec`` says."""
    import torch  # scenarios load without torch; only building a model needs it

    if spec.kind == "explicit":
        return torch.tensor(spec.values, dtype=torch.float32).reshape(shape)
    p = spec.params
    out = torch.empty(shape, dtype=torch.float32)
    if spec.kind == "default":
        bound = 1.0 / math.sqrt(fan_in)
        return out.uniform_(-bound, bound, generator=generator)
    if spec.kind == "uniform":
        return out.uniform_(p["low"], p["high"], generator=generator)
    if spec.kind == "normal":
        return out.normal_(p["mean"], p["std"], generator=generator)
    if spec.kind == "constant":
        return out.fill_(p["value"])
    if spec.kind in ("he_normal", "he_uniform"):
        gain = he_gain if p["gain"] == "auto" else p["gain"]
        std = gain / math.sqrt(fan_in if p["mode"] == "fan_in" else fan_out)
        if spec.kind == "he_normal":
            return out.normal_(0.0, std, generator=generator)
        return out.uniform_(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator=generator)
    if spec.kind in ("xavier_normal", "xavier_uniform"):
        std = p["gain"] * math.sqrt(2.0 / (fan_in + fan_out))
        if spec.kind == "xavier_normal":
            return out.normal_(0.0, std, generator=generator)
        return out.uniform_(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator=generator)
    if spec.kind == "orthogonal":
        return _orthogonal(shape, generator, p["gain"])
    if spec.kind == "rai":
        return rai(shape, generator)
    raise ValueError(f"unknown init kind {spec.kind!r}")  # parse_init admits no other kind


def _orthogonal(shape: tuple[int, ...], generator: torch.Generator, gain: float) -> torch.Tensor:
    import torch

    rows, cols = shape
    flat = torch.empty(rows, cols, dtype=torch.float32).normal_(0.0, 1.0, generator=generator)
    if rows < cols:
        flat = flat.T
    q, r = torch.linalg.qr(flat)
    q = q * torch.sign(torch.diagonal(r))
    if rows < cols:
        q = q.T
    return (gain * q).contiguous()


def rai(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """Randomized asymmetric initialization as published (Lu, Shin, Su and Karniadakis, 2019), row by row.

    Each row (one unit's weights followed by its bias, the last axis) is drawn from
    N(0, (RAI_SCALE / sqrt(fan_in))^2), fan_in being the row's length less the bias; then one entry,
    chosen uniformly (the bias included), is replaced by a draw from the positive Beta(2, 1).
    """
    import torch

    *lead, n = shape
    std = RAI_SCALE / math.sqrt(max(n - 1, 1))
    out = torch.empty(shape, dtype=torch.float32).normal_(0.0, std, generator=generator)
    position = torch.randint(0, n, (*lead, 1), generator=generator)
    positive = torch.rand((*lead, 1), generator=generator).sqrt()  # Beta(2, 1): F(x) = x^2
    return out.scatter_(-1, position, positive)
