"""The layers that produce an activation's input: which modules they are, where their units lie in their
output and each unit's gradient (the rows of the producer's parameters that compute that unit).

A producer is any module with parameters of its own that is neither a normalisation layer (the trace
passes through those) nor an activation (PReLU). Linear, Bilinear, Conv, ConvTranspose, Embedding and the
recurrent layers have a per-unit gradient; any other producer is named but its units' gradient is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

NORMS = (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm, nn.LocalResponseNorm, nn.RMSNorm)
_LAST = (nn.Linear, nn.Bilinear, nn.Embedding, nn.EmbeddingBag, nn.RNNBase, nn.MultiheadAttention)


def is_producer(module: nn.Module, activations: set[nn.Module]) -> bool:
    return (any(True for _ in module.parameters(recurse=False)) and not isinstance(module, NORMS)
            and module not in activations)


@dataclass(frozen=True)
class Layout:
    """Where the units are in a tensor: the last dimension (``spatial`` 0), or the channel dimension before
    ``spatial`` spatial dimensions (batched or not)."""

    spatial: int

    def unit_dim(self, z: torch.Tensor) -> int | None:
        if self.spatial == 0:
            return z.ndim - 1 if z.ndim >= 1 else None
        return z.ndim - 1 - self.spatial if z.ndim in (self.spatial + 1, self.spatial + 2) else None

    @property
    def kind(self) -> str:
        return "unit" if self.spatial == 0 else "channel"


def layout_of(module: nn.Module) -> Layout | None:
    """The producer's unit layout, None if not known for its class."""
    if isinstance(module, nn.modules.conv._ConvNd):
        return Layout(len(module.kernel_size))
    return Layout(0) if isinstance(module, _LAST) else None


def guessed_layout(z: torch.Tensor, hint: Layout | None) -> Layout:
    """Without a producer: the layout a normalisation layer on the way implied, else channels of an image
    or volume for 4-D and 5-D tensors and the last dimension otherwise."""
    if hint is not None:
        return hint
    return Layout(z.ndim - 2) if z.ndim in (4, 5) else Layout(0)


def unit_norms(module: nn.Module, width: int, out: torch.Tensor, add: bool = False) -> bool:
    """Write to ``out`` (float32, per unit) the L2 norm of the gradients of the parameters that compute each
    unit, or with ``add`` combine it with the norm already there (the norm of both together); False (``out``
    untouched) if the producer has no gradient, or none is defined per unit for its class or this width.
    In place, in two operations for a Linear or Conv layer with a bias. Call it under ``torch.no_grad()``
    (a gradient made with ``create_graph`` must not grow a graph)."""
    rows = [grad for grad in _grad_rows(module) or () if grad is not None]
    if not rows or any(grad.shape[0] != width for grad in rows):
        return False
    for grad in rows:
        if grad.ndim == 1 or grad.shape[1] == 1:  # a bias: its own row's norm is |b|
            norm = grad.reshape(-1)
        elif not add and grad.dtype is torch.float32:  # straight into out (asking float32 of float32 takes a slower kernel)
            norm = torch.linalg.vector_norm(grad, dim=1, out=out)
        else:
            norm = torch.linalg.vector_norm(grad, dim=1, dtype=torch.float32)
        if norm is not out:
            torch.hypot(out, norm, out=out) if add else out.copy_(norm.abs())
        add = True
    return True


def _grad_rows(module: nn.Module) -> list[torch.Tensor | None] | None:
    """The parameters' gradients as (units, -1) matrices (a bias's as it is: one per unit), or None when the
    weight has no gradient."""
    weight = getattr(module, "weight", None)
    bias = getattr(module, "bias", None)
    bias_rows = None if not isinstance(bias, torch.Tensor) or bias.grad is None else bias.grad
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        if weight.grad is None:
            return None
        g = module.groups
        grad = weight.grad.reshape(g, weight.shape[0] // g, weight.shape[1], -1).transpose(1, 2)
        return [grad.reshape(g * weight.shape[1], -1), bias_rows]
    if isinstance(module, nn.Linear):
        return None if weight.grad is None else [weight.grad, bias_rows]
    if isinstance(module, nn.Bilinear | nn.modules.conv._ConvNd):
        return None if weight.grad is None else [weight.grad.reshape(weight.shape[0], -1), bias_rows]
    if isinstance(module, nn.Embedding | nn.EmbeddingBag):
        return None if weight.grad is None else [weight.grad.t()]
    if isinstance(module, nn.RNNBase):
        return _recurrent_rows(module)
    return None


def _recurrent_rows(module: nn.RNNBase) -> list[torch.Tensor | None] | None:
    """A recurrent layer's output units: each hidden unit of its last layer with the rows of every gate that
    computes it (both directions, one after the other), or the rows of the projection when it has one."""
    gates = {"LSTM": 4, "GRU": 3}.get(module.mode, 1)
    last = module.num_layers - 1
    directions = ("", "_reverse") if module.bidirectional else ("",)
    per_direction = []
    for suffix in directions:
        if module.proj_size:
            grad = getattr(module, f"weight_hr_l{last}{suffix}").grad
            if grad is None:
                return None
            per_direction.append(grad)
            continue
        parts = []
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            param = getattr(module, f"{name}_l{last}{suffix}", None)
            if param is None:
                continue
            if param.grad is None:
                if name.startswith("weight"):
                    return None
                continue
            hidden = module.hidden_size
            parts.append(param.grad.reshape(gates, hidden, -1).transpose(0, 1).reshape(hidden, -1))
        per_direction.append(torch.cat(parts, dim=1))
    return [torch.cat(per_direction, dim=0)] if len(per_direction) > 1 else per_direction
