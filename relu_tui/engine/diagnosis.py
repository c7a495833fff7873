"""Per-neuron diagnosis: statistics on the full training set, state, and when and why a unit died.

The words for it are in :mod:`relu_tui.engine.explanations`."""

from __future__ import annotations

import numpy as np
import torch

from relu_tui.engine.records import ALIVE, BORN_DEAD, DEAD, NO_CAUSE, UPDATE, UPSTREAM, LayerRecord
from relu_tui.engine.states import carry_deaths, classify, dormant


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
    dormant_threshold: float = 0.0,
) -> LayerRecord:
    """Statistics of one layer from its pre-activations ``z`` and activations ``a`` (samples x units)
    and its parameters (with ``.grad`` of the full-training-set loss); death tracking starts blank."""
    with torch.no_grad():
        active_fraction, state = classify((z > 0).sum(dim=0).numpy(), z.shape[0], can_die, sparse_threshold)
        w_grad = weight.grad if weight.grad is not None else torch.zeros_like(weight)
        b_grad = bias.grad if bias.grad is not None else torch.zeros_like(bias)
        grad_norm = torch.sqrt((w_grad * w_grad).sum(dim=1) + b_grad * b_grad)
        preact_min, preact_max = z.amin(dim=0), z.amax(dim=0)
        b = bias.detach()
        by_bias = (preact_max <= 0) & (preact_max - b > 0)
        width = z.shape[1]
        dormant_score, is_dormant = dormant(a.abs().mean(dim=0).numpy(), dormant_threshold)
        return LayerRecord(
            name=name,
            activation=activation,
            state=state,
            active_fraction=active_fraction,
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
            dormant_score=dormant_score,
            dormant=is_dormant,
        )


def track_deaths(layer: LayerRecord, previous: LayerRecord | None, epoch: int, learning_rate: float,
                 batch: int = 0) -> None:
    """Carry death bookkeeping over from ``previous`` (the last record) and record new deaths and revivals,
    with the cause of each new death; ``batch``: the mini-batch of ``epoch`` just done (0: its end)."""
    died, revived, new, still = carry_deaths(layer.state, None if previous is None else previous.epoch_of_death,
                                             None if previous is None else previous.revived, epoch)
    layer.epoch_of_death[:] = died
    layer.revived[:] = revived
    if previous is None:
        layer.cause[new] = BORN_DEAD
        return
    for name in ("cause", "death_step", "death_lr", "by_bias", "death_batch"):
        getattr(layer, name)[still] = getattr(previous, name)[still]
    moved = layer.step > 0
    layer.cause[new & moved] = UPDATE
    layer.cause[new & ~moved] = UPSTREAM
    layer.death_step[new & moved] = layer.step[new & moved]
    layer.death_lr[new & moved] = learning_rate
    layer.death_batch[new] = batch
    layer.cause[layer.state != DEAD] = NO_CAUSE
