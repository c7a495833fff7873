"""Activations called as functions inside ``forward`` (``F.relu``, ``torch.relu``, ``x.relu()``, ``F.gelu``,
``F.silu``, ``x.clamp(min=0)``...): which calls they are, and the mode that sees them.

A :class:`~torch.overrides.TorchFunctionMode` is active while a monitored module runs; it hands each such
call to the Monitor with the call's input and output. Calls made inside an activation module the Monitor
watches (``nn.ReLU`` calls ``F.relu``) are that module's, not counted again.
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Number
from typing import Any

import torch
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from relu_tui.spec.activations import Params

Call = tuple[str, Params]  # a registry entry's name and the parameters the call gives it
_Reader = Callable[[tuple, dict], Call | None]


def _arg(args: tuple, kwargs: dict, index: int, name: str, default: Any) -> Any:
    return args[index] if len(args) > index else kwargs.get(name, default)


def _fixed(kind: str) -> _Reader:
    return lambda args, kwargs: (kind, {})


def _leaky(args: tuple, kwargs: dict) -> Call:
    return "leaky_relu", {"negative_slope": float(_arg(args, kwargs, 1, "negative_slope", 0.01))}


def _alpha(kind: str) -> _Reader:
    return lambda args, kwargs: (kind, {"alpha": float(_arg(args, kwargs, 1, "alpha", 1.0))})


def _gelu(args: tuple, kwargs: dict) -> Call:
    return ("gelu_tanh" if kwargs.get("approximate", "none") == "tanh" else "gelu"), {}


def _softplus(args: tuple, kwargs: dict) -> Call:
    return "softplus", {"beta": float(_arg(args, kwargs, 1, "beta", 1.0)),
                        "threshold": float(_arg(args, kwargs, 2, "threshold", 20.0))}


def _clamp(args: tuple, kwargs: dict) -> Call | None:
    """``clamp(min=0)`` with no maximum is a ReLU; any other clamp is not an activation."""
    low, high = _arg(args, kwargs, 1, "min", None), _arg(args, kwargs, 2, "max", None)
    return ("relu", {}) if isinstance(low, Number) and low == 0 and high is None else None


def _clamp_min(args: tuple, kwargs: dict) -> Call | None:
    low = _arg(args, kwargs, 1, "min", None)
    return ("relu", {}) if isinstance(low, Number) and low == 0 else None


T = torch.Tensor
FUNCTIONS: dict[Callable, _Reader] = {
    **dict.fromkeys((F.relu, F.relu_, torch.relu, torch.relu_, T.relu, T.relu_), _fixed("relu")),
    F.relu6: _fixed("relu6"),
    **dict.fromkeys((F.leaky_relu, F.leaky_relu_), _leaky),
    **dict.fromkeys((F.elu, F.elu_), _alpha("elu")),
    **dict.fromkeys((F.celu, F.celu_), _alpha("celu")),
    **dict.fromkeys((F.selu, F.selu_, torch.selu, torch.selu_), _fixed("selu")),
    F.gelu: _gelu,
    F.silu: _fixed("silu"),
    F.mish: _fixed("mish"),
    F.hardswish: _fixed("hardswish"),
    F.softplus: _softplus,
    **dict.fromkeys((torch.clamp, torch.clamp_, T.clamp, T.clamp_, torch.clip, T.clip, T.clip_), _clamp),
    **dict.fromkeys((torch.clamp_min, torch.clamp_min_, T.clamp_min, T.clamp_min_), _clamp_min),
}


class ActivationCalls(TorchFunctionMode):
    """Passes every call through; an activation call is counted by the layer ``site(call, input)`` gives
    (asked before the call runs, as an in-place call overwrites its input), if any."""

    def __init__(self, site: Callable[[Call, torch.Tensor], Any], quiet: Callable[[], bool]) -> None:
        super().__init__()
        self._site = site
        self._quiet = quiet  # True inside a watched activation module

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        reader = FUNCTIONS.get(func)
        if reader is None or not args or not isinstance(args[0], torch.Tensor) or self._quiet():
            return func(*args, **kwargs)
        call = reader(args, kwargs)
        layer = None if call is None else self._site(call, args[0])
        output = func(*args, **kwargs)
        if layer is not None:
            layer.count(args[0], output)
        return output
