"""Activation functions a hidden layer can use, and which of them can die."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

ACTIVATIONS = ("relu", "leaky_relu", "prelu", "elu", "gelu", "tanh", "sigmoid", "identity")
ALIASES = (("linear", "identity"), ("leaky", "leaky_relu"), ("leakyrelu", "leaky_relu"))


@dataclass(frozen=True)
class Activation:
    """An activation and its parameters (slope for leaky/PReLU, alpha for ELU)."""

    kind: str
    negative_slope: float = 0.0  # leaky_relu and prelu only
    alpha: float = 1.0  # elu only

    @property
    def can_die(self) -> bool:
        """True when the slope is exactly 0 for every input <= 0, so a unit below zero gets no gradient."""
        return self.kind == "relu" or (self.kind == "leaky_relu" and self.negative_slope == 0.0)

    def module(self, width: int) -> nn.Module:
        from torch import nn  # scenarios load without torch; only building a model needs it

        if self.kind == "relu":
            return nn.ReLU()
        if self.kind == "leaky_relu":
            return nn.LeakyReLU(self.negative_slope)
        if self.kind == "prelu":
            return nn.PReLU(num_parameters=width, init=self.negative_slope)
        if self.kind == "elu":
            return nn.ELU(alpha=self.alpha)
        if self.kind == "gelu":
            return nn.GELU()
        if self.kind == "tanh":
            return nn.Tanh()
        if self.kind == "sigmoid":
            return nn.Sigmoid()
        return nn.Identity()

    def describe(self) -> str:
        if self.kind in ("leaky_relu", "prelu"):
            return f"{self.kind}({self.negative_slope:g})"
        if self.kind == "elu":
            return f"elu({self.alpha:g})"
        return self.kind
