"""ReDo (Sokar, Agarwal, Castro and Evci, 2023): dead and dormant units start afresh.

A revived unit gets new incoming weights and bias, drawn from its layer's own init specs on a
stream of the scenario's seed named by the epoch and the layer (so a rerun revives identically);
its outgoing weights are set to 0, so it starts with no say in the output (which does not move at
all where only dead units are revived), and the optimizer's state for all of them (momentum, Adam's
moments) starts from 0.
"""

from __future__ import annotations

import copy

import numpy as np
import torch

from relu_tui.engine.model import Network, fill
from relu_tui.engine.records import DEAD, EpochRecord


def revive(model: Network, optimizer: torch.optim.Optimizer, record: EpochRecord, seed: int, epoch: int) -> int:
    """Re-initialise every hidden unit that ``record`` (the diagnosis at the current parameters) finds dead
    or dormant; returns how many."""
    outgoing = [*model.hidden[1:], model.head]
    revived = 0
    with torch.no_grad():
        for index, (spec, diagnosis) in enumerate(zip(model.spec.layers, record.layers)):
            units = torch.from_numpy(np.flatnonzero(diagnosis.dormant | (diagnosis.state == DEAD)))
            if not len(units):
                continue
            linear, after = model.hidden[index], outgoing[index]
            fresh = copy.deepcopy(linear)  # a module to draw into (a new nn.Linear would use the global RNG)
            fill(fresh, spec.weight_init, spec.bias_init, seed, index,
                 spec.activation.gain, stream=("revive", epoch))
            linear.weight[units] = fresh.weight[units]
            linear.bias[units] = fresh.bias[units]
            after.weight[:, units] = 0.0
            for param, rows in ((linear.weight, units), (linear.bias, units)):
                _reset_state(optimizer, param, lambda t, rows=rows: t.index_fill_(0, rows, 0.0))
            _reset_state(optimizer, after.weight, lambda t, cols=units: t.index_fill_(1, cols, 0.0))
            revived += len(units)
    return revived


def _reset_state(optimizer: torch.optim.Optimizer, param: torch.Tensor, zero) -> None:
    """Zero the revived entries of every per-entry tensor the optimizer keeps for ``param``."""
    for value in optimizer.state.get(param, {}).values():
        if torch.is_tensor(value) and value.shape == param.shape:
            zero(value)
