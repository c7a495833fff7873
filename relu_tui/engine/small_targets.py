"""Small targets and momentum (Arnekvist, Carvalho, Kragic and Stork, 2020): in regression, ReLUs die
more easily as the target variance goes to 0, and momentum makes it worse.

Each trial is a net of one input, ``depth`` ReLU layers of ``width`` units (He normal weights, zero
biases) and a linear head (N(0, 1 / fan_in), zero bias), trained by full-batch SGD (PyTorch's
momentum rule) for ``steps`` steps on y = scale * sin(x) at ``points`` inputs evenly spaced on
[low, high]. A unit is dead when its pre-activation is at most 0 on every one of those inputs.
All trials of one grid point train together as one batched computation, each with its own draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from relu_tui.engine.seeding import torch_rng


@dataclass(frozen=True)
class TargetPoint:
    """One (scale, momentum, width, depth) cell: the share of dead units at birth and after training
    (averaged over ``trials`` nets, with standard errors), and of units alive at birth that died."""

    scale: float
    momentum: float
    width: int
    depth: int
    trials: int
    dead_at_birth: float
    dead: float
    dead_error: float
    died: float
    died_error: float

    def to_dict(self, scenario: str) -> dict[str, object]:
        return {"scenario": scenario, "scale": self.scale, "momentum": self.momentum, "width": self.width,
                "depth": self.depth, "trials": self.trials, "dead_at_birth": self.dead_at_birth,
                "dead_fraction": self.dead, "standard_error": self.dead_error, "died_fraction": self.died,
                "died_standard_error": self.died_error}


def _mean_and_error(values: torch.Tensor) -> tuple[float, float]:
    return float(values.mean()), float(values.std()) / math.sqrt(len(values)) if len(values) > 1 else 0.0


def train_and_count(scale: float, momentum: float, width: int, depth: int, trials: int, seed: int, points: int,
                    low: float, high: float, learning_rate: float, steps: int) -> TargetPoint:
    """Train ``trials`` nets on targets of size ``scale``; how many of their units are dead after?"""
    torch.set_num_threads(1)  # the sweep's workers already share out the cores
    generator = torch_rng(seed, "small_targets", width, depth)  # the same nets at every scale and momentum
    x = torch.linspace(low, high, points).reshape(1, points, 1).expand(trials, points, 1)
    y = scale * torch.sin(x)
    params, fan_in = [], 1
    for _ in range(depth):
        params += [torch.randn(trials, fan_in, width, generator=generator) * math.sqrt(2.0 / fan_in),
                   torch.zeros(trials, 1, width)]
        fan_in = width
    params += [torch.randn(trials, fan_in, 1, generator=generator) / math.sqrt(fan_in), torch.zeros(trials, 1, 1)]
    for p in params:
        p.requires_grad_(True)

    def forward() -> tuple[torch.Tensor, list[torch.Tensor]]:
        h, pre = x, []
        for layer in range(depth):
            z = torch.baddbmm(params[2 * layer + 1], h, params[2 * layer])
            pre.append(z)
            h = torch.relu(z)
        return torch.baddbmm(params[-1], h, params[-2]), pre

    def dead_units() -> torch.Tensor:
        with torch.no_grad():
            return torch.cat([z.amax(dim=1) <= 0 for z in forward()[1]], dim=1)  # (trials, units)

    born = dead_units()
    buffers = [torch.zeros_like(p) for p in params]
    for _ in range(steps):
        out, _ = forward()
        loss = ((out - y) ** 2).mean(dim=(1, 2)).sum()  # each net's own mean squared error
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, grad, buffer in zip(params, grads, buffers):
                if momentum:
                    grad = buffer.mul_(momentum).add_(grad)
                p.sub_(learning_rate * grad)
    after = dead_units()
    dead, dead_error = _mean_and_error(after.float().mean(dim=1))
    died, died_error = _mean_and_error((after & ~born).float().mean(dim=1))
    return TargetPoint(scale, momentum, width, depth, trials, float(born.float().mean()), dead, dead_error, died,
                       died_error)
