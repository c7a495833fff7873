"""Per-neuron diagnosis: statistics on the full training set, state, and when and why a unit died.

The words for it are in :mod:`relu_tui.explanations`."""

from __future__ import annotations

import numpy as np
import torch

from .records import ACTIVE, ALIVE, BORN_DEAD, DEAD, NEGATIVE, NO_CAUSE, SPARSE, UPDATE, UPSTREAM, LayerRecord


def diagnose_layer(
    name: str,
    activation: str,
    can_die: bool,
    z: torch.Tensor,
    a: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor,
    step: np.ndarray,
    sparse_threshold: float,
) -> LayerRecord:
    """Statistics of one layer from its pre-activations ``z`` and activations ``a`` (samples x units)
    and its parameters (with ``.grad`` of the full-training-set loss); death tracking starts blank."""
    with torch.no_grad():
        n = z.shape[0]
        active_count = (z > 0).sum(dim=0)
        active_fraction = active_count.to(torch.float64) / n
        w_grad = weight.grad if weight.grad is not None else torch.zeros_like(weight)
        b_grad = bias.grad if bias.grad is not None else torch.zeros_like(bias)
        grad_norm = torch.sqrt((w_grad * w_grad).sum(dim=1) + b_grad * b_grad)
        preact_min, preact_max = z.amin(dim=0), z.amax(dim=0)
        state = torch.where(active_fraction < sparse_threshold, SPARSE, ACTIVE)
        state = torch.where(active_count == 0, DEAD if can_die else NEGATIVE, state)
        b = bias.detach()
        by_bias = (preact_max <= 0) & (preact_max - b > 0)
        width = z.shape[1]
        return LayerRecord(
            name=name,
            activation=activation,
            state=state.to(torch.int8).numpy(),
            active_fraction=active_fraction.to(torch.float32).numpy(),
            grad_norm=grad_norm.numpy(),
            preact_min=preact_min.numpy(),
            preact_max=preact_max.numpy(),
            preact_mean=z.mean(dim=0).numpy(),
            mean_activation=a.mean(dim=0).numpy(),
            bias=b.clone().numpy(),
            step=step.astype(np.float32),
            epoch_of_death=np.full(width, ALIVE, dtype=np.int32),
            cause=np.zeros(width, dtype=np.int8),
            by_bias=by_bias.numpy(),
            death_step=np.zeros(width, dtype=np.float32),
            death_lr=np.zeros(width, dtype=np.float32),
            revived=np.zeros(width, dtype=bool),
        )


def track_deaths(layer: LayerRecord, previous: LayerRecord | None, epoch: int, learning_rate: float) -> None:
    """Carry death bookkeeping over from ``previous`` (the last epoch) and record new deaths and revivals."""
    dead = layer.state == DEAD
    if previous is None:
        layer.epoch_of_death[dead] = epoch
        layer.cause[dead] = BORN_DEAD
        return
    was_dead = previous.epoch_of_death != ALIVE
    still = dead & was_dead
    for name in ("epoch_of_death", "cause", "death_step", "death_lr"):
        getattr(layer, name)[still] = getattr(previous, name)[still]
    layer.by_bias[still] = previous.by_bias[still]
    layer.revived[:] = previous.revived | (was_dead & ~dead)
    new = dead & ~was_dead
    moved = layer.step > 0
    layer.epoch_of_death[new] = epoch
    layer.cause[new & moved] = UPDATE
    layer.cause[new & ~moved] = UPSTREAM
    layer.death_step[new & moved] = layer.step[new & moved]
    layer.death_lr[new & moved] = learning_rate
    layer.cause[~dead] = NO_CAUSE
