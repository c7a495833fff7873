"""The activation registry: every activation a hidden layer can use or the Monitor watches, and which can die.

An entry declares its scenario parameters (check, default), how to build its module, He's gain for the
weights feeding it, whether it can die, the torch.nn classes the Monitor watches as it and the function it
computes (the Monitor recognises a module of any other class by comparing what it computes with these).
The parser, the model, the inits, the panels and the Monitor read only this, so a new activation is one
entry here; :func:`register` adds a class of your own. Torch is imported only to build or recognise a
module: scenarios load without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from relu_tui.spec.validate import Check, Choice, Number, Table

if TYPE_CHECKING:
    from torch import nn

Params = dict[str, float]


def _nn() -> Any:
    from torch import nn

    return nn


def _f() -> Any:
    from torch.nn import functional

    return functional


def _he(params: Params) -> float:
    """sqrt(2 / (1 + slope^2)): He's gain for a ReLU with this slope below zero."""
    s = params["negative_slope"]
    return math.sqrt(2.0 / (1.0 + s * s))


def _plain(name: str) -> Callable[[Params, int], nn.Module]:
    """A builder for a torch.nn module without parameters."""
    return lambda params, width: getattr(_nn(), name)()


@dataclass(frozen=True)
class ActivationKind:
    """One activation; a parameter's name is the torch module's attribute of that name where it has one."""

    build: Callable[[Params, int], nn.Module]  # (its parameters, the layer's width) -> a new module
    params: dict[str, tuple[Check, float]] = field(default_factory=dict)  # name -> (check, default)
    # Flat zero for every input <= 0, so a unit never above 0 gets no gradient at all (a learnable slope
    # still gets one: PReLU cannot die).
    can_die: Callable[[Params], bool] = lambda params: False
    # He's gain for the weights feeding it; 1 (a linear layer's) where none is known.
    gain: Callable[[Params], float] = lambda params: 1.0
    aliases: tuple[str, ...] = ()
    in_scenarios: bool = True  # False: only the Monitor meets it, in users' own models
    watched: tuple[str, ...] = ()  # the torch.nn classes the Monitor watches as this activation
    label: Callable[[nn.Module], str] = lambda module: type(module).__name__  # the Monitor's name for it
    learnable: int = 0  # parameters per unit the module itself learns
    # What it computes, (input tensor, parameters) -> output: how the Monitor recognises a module of an
    # unregistered class. None: never recognised so (random, learnable, or not a ReLU-family activation).
    reference: Callable[[Any, Params], Any] | None = None

    def read(self, module: nn.Module) -> Params:
        """Its parameters as a watched ``module`` holds them (the default where it has no such attribute)."""
        return {name: getattr(module, name, default) for name, (_, default) in self.params.items()}


_SLOPE = Number(0, 1)
_POSITIVE = Number(low=0, low_open=True)

# In the order the Monitor lists what it watches.
REGISTRY: dict[str, ActivationKind] = {
    "relu": ActivationKind(_plain("ReLU"), can_die=lambda p: True, gain=lambda p: math.sqrt(2.0),
                           watched=("ReLU",), reference=lambda x, p: _f().relu(x)),
    "relu6": ActivationKind(_plain("ReLU6"), can_die=lambda p: True, in_scenarios=False, watched=("ReLU6",),
                            reference=lambda x, p: _f().relu6(x)),
    "leaky_relu": ActivationKind(
        lambda p, width: _nn().LeakyReLU(p["negative_slope"]), {"negative_slope": (_SLOPE, 0.01)},
        can_die=lambda p: p["negative_slope"] == 0.0, gain=_he, aliases=("leaky", "leakyrelu"),
        watched=("LeakyReLU",),
        label=lambda m: f"LeakyReLU({m.negative_slope:g})",  # the slope decides whether it can die
        reference=lambda x, p: _f().leaky_relu(x, p["negative_slope"]),
    ),
    "prelu": ActivationKind(
        lambda p, width: _nn().PReLU(num_parameters=width, init=p["negative_slope"]),
        {"negative_slope": (_SLOPE, 0.25)}, gain=_he, watched=("PReLU",), learnable=1,
    ),
    "rrelu": ActivationKind(
        lambda p, width: _nn().RReLU(p["lower"], p["upper"]), {"lower": (_SLOPE, 1 / 8), "upper": (_SLOPE, 1 / 3)},
        can_die=lambda p: p["lower"] == p["upper"] == 0, in_scenarios=False, watched=("RReLU",),
    ),
    "elu": ActivationKind(lambda p, width: _nn().ELU(alpha=p["alpha"]), {"alpha": (_POSITIVE, 1.0)},
                          gain=lambda p: math.sqrt(2.0), watched=("ELU",),
                          reference=lambda x, p: _f().elu(x, p["alpha"])),
    "celu": ActivationKind(lambda p, width: _nn().CELU(alpha=p["alpha"]), {"alpha": (_POSITIVE, 1.0)},
                           in_scenarios=False, watched=("CELU",), reference=lambda x, p: _f().celu(x, p["alpha"])),
    "selu": ActivationKind(_plain("SELU"), gain=lambda p: 0.75, in_scenarios=False, watched=("SELU",),
                           reference=lambda x, p: _f().selu(x)),
    "gelu": ActivationKind(_plain("GELU"), gain=lambda p: math.sqrt(2.0), watched=("GELU",),
                           label=lambda m: "GELU(tanh)" if getattr(m, "approximate", "none") == "tanh" else "GELU",
                           reference=lambda x, p: _f().gelu(x)),
    # Transformers' NewGELUActivation, GELUTanh, GPT-2's "gelu_new": GELU's tanh approximation.
    "gelu_tanh": ActivationKind(_plain("GELU"), in_scenarios=False,
                                reference=lambda x, p: _f().gelu(x, approximate="tanh")),
    # x * sigmoid(1.702 x) (CLIP; transformers' QuickGELUActivation).
    "quick_gelu": ActivationKind(_plain("GELU"), in_scenarios=False,
                                 reference=lambda x, p: x * (1.702 * x).sigmoid()),
    "silu": ActivationKind(_plain("SiLU"), in_scenarios=False, watched=("SiLU",), reference=lambda x, p: _f().silu(x)),
    "mish": ActivationKind(_plain("Mish"), in_scenarios=False, watched=("Mish",), reference=lambda x, p: _f().mish(x)),
    "hardswish": ActivationKind(_plain("Hardswish"), in_scenarios=False, watched=("Hardswish",),
                                reference=lambda x, p: _f().hardswish(x)),
    "softplus": ActivationKind(
        lambda p, width: _nn().Softplus(p["beta"], p["threshold"]),
        {"beta": (_POSITIVE, 1.0), "threshold": (Number(), 20.0)}, in_scenarios=False, watched=("Softplus",),
        reference=lambda x, p: _f().softplus(x, p["beta"], p["threshold"]),
    ),
    # relu(x)^2 (Primer; transformers' ReLUSquaredActivation): flat zero below 0, so it can die.
    "relu_squared": ActivationKind(_plain("ReLU"), can_die=lambda p: True, in_scenarios=False,
                                   reference=lambda x, p: _f().relu(x).square()),
    "tanh": ActivationKind(_plain("Tanh"), gain=lambda p: 5.0 / 3.0),
    "sigmoid": ActivationKind(_plain("Sigmoid")),
    "identity": ActivationKind(_plain("Identity"), aliases=("linear",)),
}


def scenario_kinds() -> tuple[str, ...]:
    """The activations a scenario may name."""
    return tuple(name for name, kind in REGISTRY.items() if kind.in_scenarios)


def aliases() -> tuple[tuple[str, str], ...]:
    """(alias, activation) for every other name a scenario may use."""
    return tuple((alias, name) for name in scenario_kinds() for alias in REGISTRY[name].aliases)


@dataclass(frozen=True)
class Activation:
    """A layer's activation: a registry entry and its parameters (the entry's defaults where not given)."""

    kind: str
    params: Params = field(default_factory=dict)

    def __post_init__(self) -> None:
        declared = REGISTRY[self.kind].params
        unknown = sorted(set(self.params) - set(declared))
        if unknown:
            raise TypeError(f"activation {self.kind!r} has no parameter {unknown[0]!r}")
        object.__setattr__(self, "params", {name: self.params.get(name, default)
                                            for name, (_, default) in declared.items()})

    @property
    def can_die(self) -> bool:
        return REGISTRY[self.kind].can_die(self.params)

    @property
    def gain(self) -> float:
        """He's gain for the weights feeding it (an init's gain = "auto")."""
        return REGISTRY[self.kind].gain(self.params)

    @property
    def learnable(self) -> int:
        return REGISTRY[self.kind].learnable

    def module(self, width: int) -> nn.Module:
        return REGISTRY[self.kind].build(self.params, width)

    def describe(self) -> str:
        """The name with its parameters, e.g. ``leaky_relu(0.05)``."""
        args = ", ".join(f"{value:g}" for value in self.params.values())
        return f"{self.kind}({args})" if args else self.kind


def parse_activation(table: Table) -> Activation:
    """Read a layer's ``activation`` and the parameters of that activation; another's parameter is an error."""
    kinds = scenario_kinds()
    kind = table.take("activation", Choice(kinds, aliases=aliases()), "relu")
    params: Params = {}
    for name in dict.fromkeys(p for k in kinds for p in REGISTRY[k].params):
        if name in REGISTRY[kind].params:
            check, default = REGISTRY[kind].params[name]
            params[name] = table.take(name, check, default)
        elif table.has(name):
            owners = " or ".join(f"'{k}'" for k in kinds if name in REGISTRY[k].params)
            raise table.error(name, f"only used with activation {owners}", value=table.data[name])
    return Activation(kind, params)


_REGISTERED: dict[type, str] = {}  # classes of users' own, by register()


def register(cls: type, kind: str) -> None:
    """Have the Monitor watch modules of ``cls`` (and its subclasses) as the registry's activation ``kind``,
    e.g. ``register(MyGELU, "gelu")``: for a class it does not recognise by what it computes (one with
    parameters or buffers, or whose output differs from every entry's on the probe)."""
    if kind not in REGISTRY:
        raise ValueError(f"unknown activation {kind!r}; the registry has {', '.join(REGISTRY)}")
    if not isinstance(cls, type):
        raise TypeError(f"register() takes a class, not {cls!r}")
    _REGISTERED[cls] = kind


def watching(module: nn.Module) -> ActivationKind | None:
    """The entry the Monitor watches ``module`` as by its class (registered, then torch.nn's), or None."""
    for cls, name in _REGISTERED.items():
        if isinstance(module, cls):
            return REGISTRY[name]
    nn = _nn()
    for kind in REGISTRY.values():
        if kind.watched and isinstance(module, tuple(getattr(nn, cls) for cls in kind.watched)):
            return kind
    return None


def watched_classes() -> tuple[str, ...]:
    """Every torch.nn class the Monitor watches by name, in the registry's order."""
    return tuple(name for kind in REGISTRY.values() for name in kind.watched)


def probed() -> tuple[str, ...]:
    """The entries the Monitor recognises a module by from what it computes, in the order it tries them."""
    return tuple(name for name, kind in REGISTRY.items() if kind.reference is not None and not kind.learnable)
