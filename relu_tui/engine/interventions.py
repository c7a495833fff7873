"""Interventions: the events of an epoch acted out on the network, before its first update.

A set event writes a unit's bias and/or incoming weights; a swap replaces a layer's activation module;
a revive (ReDo: Sokar, Agarwal, Castro and Evci, 2023) redraws the incoming weights and bias of each
chosen unit (those dead or dormant by the diagnosis's rules, or the one named) from its layer's own init
specs, on a stream of the seed named by the epoch and the layer (so a rerun revives identically), sets
its outgoing weights to 0 (the output does not move where only dead units are revived) and zeroes the
optimizer's state (momentum, Adam's moments) of all of those weights. A set leaves that state alone.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np
import torch

from relu_tui.engine.model import Network, fill
from relu_tui.engine.states import dormant
from relu_tui.spec.activations import Activation
from relu_tui.spec.scenario import Event


def act_out(events: tuple[Event, ...], model: Network, optimizer: torch.optim.Optimizer,
            activations: list[Activation], x_train: torch.Tensor, seed: int, tau: float) -> None:
    """Apply ``events`` (all of one epoch) in order; ``activations`` (each layer's now) follows the swaps;
    ``tau`` is the diagnosis's dormant threshold. A target shuffle is the trainer's (it owns the targets)."""
    with torch.no_grad():
        for event in events:
            if event.kind == "activation":
                activations[event.layer] = event.activation
                model.activations[event.layer] = event.activation.module(model.spec.layers[event.layer].width)
            elif event.kind == "set":
                linear = model.hidden[event.layer]
                if event.bias is not None:
                    linear.bias[event.unit] = event.bias
                if event.weights is not None:
                    linear.weight[event.unit] = torch.tensor(event.weights, dtype=torch.float32)
            elif event.kind == "revive":
                for layer, units in _chosen(event, model, activations, x_train, tau).items():
                    revive(model, optimizer, layer, units, activations[layer].gain, seed, event.epoch)


def dead_units(model: Network, activations: list[Activation], x: torch.Tensor,
               tau: float | None = None) -> list[np.ndarray]:
    """Per hidden layer, the units dead at the current parameters: never above 0 on ``x``, and an
    activation flat there (the diagnosis's rule); with ``tau``, the tau-dormant units too."""
    with torch.no_grad():
        _, pre, post = model.forward_traced(x)
    chosen = []
    for z, a, act in zip(pre, post, activations):
        dead = ((z > 0).sum(dim=0).numpy() == 0) & act.can_die
        if tau is not None:
            dead |= dormant(a.abs().mean(dim=0).numpy(), tau)[1]
        chosen.append(np.flatnonzero(dead))
    return chosen


def _chosen(event: Event, model: Network, activations: list[Activation], x: torch.Tensor,
            tau: float) -> dict[int, np.ndarray]:
    if event.unit is not None:
        return {event.layer: np.array([event.unit])}
    dead = dead_units(model, activations, x, tau)
    layers = range(len(dead)) if event.layer is None else (event.layer,)
    return {layer: dead[layer] for layer in layers if len(dead[layer])}


def revive(model: Network, optimizer: torch.optim.Optimizer, layer: int, units: np.ndarray, gain: float,
           seed: int, epoch: int) -> None:
    """Redraw ``units`` of hidden ``layer`` from its init specs (He's ``gain`` for its activation now)."""
    spec = model.spec.layers[layer]
    linear = model.hidden[layer]
    after = model.hidden[layer + 1] if layer + 1 < len(model.hidden) else model.head
    fresh = copy.deepcopy(linear)  # a module to draw into (a new nn.Linear would draw from the global RNG)
    fill(fresh, spec.weight_init, spec.bias_init, seed, layer, gain, stream=("revive", epoch))
    rows = torch.from_numpy(units)
    linear.weight[rows] = fresh.weight[rows]
    linear.bias[rows] = fresh.bias[rows]
    after.weight[:, rows] = 0.0
    _zero_state(optimizer, linear.weight, lambda t: t.index_fill_(0, rows, 0.0))
    _zero_state(optimizer, linear.bias, lambda t: t.index_fill_(0, rows, 0.0))
    _zero_state(optimizer, after.weight, lambda t: t.index_fill_(1, rows, 0.0))


def _zero_state(optimizer: torch.optim.Optimizer, param: torch.Tensor, zero: Callable[[torch.Tensor], object]) -> None:
    """Zero the revived entries of every per-entry tensor the optimizer keeps for ``param``."""
    for value in optimizer.state.get(param, {}).values():
        if torch.is_tensor(value) and value.shape == param.shape:
            zero(value)
