"""A watched activation call site: the layer feeding it, and its units' active counts since the last record."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from relu_tui.monitor.runlog import LayerInfo
from relu_tui.spec.activations import watching

FEEDERS = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
_EXACT_FLOAT32 = 2**24  # a float32 sum of 0s and 1s is exact below this


def spatial_dims(feeder: nn.Module) -> int:
    """0 for a Linear layer (units on the last dimension), else the conv's number of spatial dimensions."""
    return 0 if isinstance(feeder, nn.Linear) else len(feeder.kernel_size)


def out_width(feeder: nn.Module) -> int:
    return feeder.out_features if isinstance(feeder, nn.Linear) else feeder.out_channels


@dataclass(eq=False)
class WatchedLayer:
    """One call of an activation module, the Linear / Conv layer feeding it and its counts since the last record."""

    name: str
    activation: nn.Module
    fed_by: str
    feeder: nn.Module
    width: int
    spatial: int  # see spatial_dims
    active: torch.Tensor  # float64 per unit: inputs with pre-activation > 0
    inputs: int = 0  # inputs counted per unit

    @classmethod
    def matching(cls, name: str, activation: nn.Module, z: torch.Tensor,
                 feeders: list[tuple[str, nn.Module]]) -> WatchedLayer | None:
        """The layer for pre-activations ``z``, fed by the last of ``feeders`` (in run order) whose output
        width matches; None if none does."""
        for fed_by, feeder in reversed(feeders):
            spatial, width = spatial_dims(feeder), out_width(feeder)
            dim = _channel_dim(z, spatial)
            if dim is not None and z.shape[dim] == width:
                active = torch.zeros(width, dtype=torch.float64, device=z.device)
                return cls(name, activation, fed_by, feeder, width, spatial, active)
        return None

    @property
    def info(self) -> LayerInfo:
        kind = "unit" if self.spatial == 0 else "channel"
        entry = watching(self.activation)
        return LayerInfo(self.name, entry.label(self.activation), entry.can_die(entry.read(self.activation)), kind,
                         self.width, self.fed_by)

    def count(self, z: torch.Tensor) -> None:
        """Add the inputs of ``z`` on which each unit's pre-activation is > 0 (NaN pre-activations make the
        count NaN). Vectorized, no host sync; float arithmetic, which is several times faster than bool sums."""
        dim = _channel_dim(z, self.spatial)
        if dim is None or z.shape[dim] != self.width:
            return
        per_unit = z.numel() // self.width
        other = [d for d in range(z.ndim) if d != dim]
        with torch.no_grad():
            positive = torch.sign(z.detach()).clamp_(min=0)
            if not other:
                self.active += positive
            else:
                exact = torch.float32 if per_unit < _EXACT_FLOAT32 else torch.float64
                self.active += positive.sum(dim=other, dtype=exact)
        self.inputs += per_unit

    def take(self) -> tuple[torch.Tensor, int]:
        """The counts so far, and start counting again."""
        counts = (self.active.clone(), self.inputs)
        self.active.zero_()
        self.inputs = 0
        return counts

    def grad_norm(self) -> torch.Tensor | None:
        """Per unit: L2 norm of the gradient of its weight row (a channel's whole kernel) with its bias entry;
        None while the feeding layer has no weight gradient."""
        weight, bias = self.feeder.weight, self.feeder.bias
        if weight.grad is None:
            return None
        with torch.no_grad():
            squares = weight.grad.detach().reshape(self.width, -1).square().sum(dim=1)
            if bias is not None and bias.grad is not None:
                squares = squares + bias.grad.detach().square()
            return squares.sqrt()


def _channel_dim(z: torch.Tensor, spatial: int) -> int | None:
    """Where the units are in ``z``: last for a Linear; before the spatial dims (batched or not) for a conv."""
    if spatial == 0:
        return z.ndim - 1 if z.ndim >= 1 else None
    return z.ndim - 1 - spatial if z.ndim in (spatial + 1, spatial + 2) else None
