"""The activation modules a :class:`~relu_tui.monitor.Monitor` watches, and which of them can die."""

from __future__ import annotations

from torch import nn

# Flat zero for every input <= 0: a unit that is never above 0 gets no gradient at all.
_DYING = (nn.ReLU, nn.ReLU6)
# Below 0 these have a slope or a value that is not 0 (or a learnable slope): a unit never above 0 still learns.
_LEARNING_BELOW_ZERO = (nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU, nn.SiLU, nn.Mish,
                        nn.Hardswish, nn.Softplus)
FAMILY = _DYING + _LEARNING_BELOW_ZERO


def is_relu_family(module: nn.Module) -> bool:
    return isinstance(module, FAMILY)


def can_die(module: nn.Module) -> bool:
    """True when the activation is flat zero for every input <= 0 (a unit never above 0 is dead, not negative)."""
    if isinstance(module, nn.LeakyReLU):
        return module.negative_slope == 0
    if isinstance(module, nn.RReLU):
        return module.lower == module.upper == 0
    return isinstance(module, _DYING)


def describe(module: nn.Module) -> str:
    """The class name, with the slope of a leaky ReLU (it decides whether the unit can die)."""
    if isinstance(module, nn.LeakyReLU):
        return f"LeakyReLU({module.negative_slope:g})"
    return type(module).__name__
