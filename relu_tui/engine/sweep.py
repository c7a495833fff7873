"""Born dead at initialization: a Monte Carlo sweep over width, depth and initialization (and the
runner of every kind of [sweep]: stably unactivated units and small targets too).

Following Lu, Shin, Su and Karniadakis, "Dying ReLU and Initialization: Theory and Numerical
Examples" (2019), the nets here have one input, ``depth`` ReLU layers of ``width`` units and one of
three initializations: symmetric He (weights and biases from N(0, 2 / fan_in)), He with zero biases
(the common default), or their randomized asymmetric one (RAI, as published).

The input domain is a grid of ``points`` inputs evenly spaced on [low, high], ends included. A net
is *born dead* when some layer is constant on that grid: every unit of it gives one value for every
input, so nothing after it can tell inputs apart. The test is made layer by layer and is sticky:
once a layer is constant the net is dead, whatever rounding does downstream (a batched matrix
product need not give bit-identical outputs for identical input rows, so a constant can pick up
noise in the last bits and look alive at the output). The nets run in float64. Nets that pass the
test but whose output varies by less than NEAR_CONSTANT of its magnitude are counted apart, as
*near constant*.

All trials of one grid point run as one batched computation; grid points run on parallel threads
(PyTorch releases the GIL in its kernels, so they use every core).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import torch

from relu_tui.engine.inits import rai
from relu_tui.engine.seeding import torch_rng
from relu_tui.engine.small_targets import TargetPoint, train_and_count
from relu_tui.engine.stably_unactivated import StablePoint, measure
from relu_tui.spec.scenario import Scenario, SweepSpec

NEAR_CONSTANT = 1e-9  # relative variation of the output below which a living net counts as near constant


def zero_bias_bound(width: int, depth: int) -> float:
    """Upper bound on P(born dead) with zero biases: 1 - (1 - 2^-width)^depth.

    With zero biases the net is positively homogeneous, so it is dead only if the input x = 1 dies;
    each layer fed a nonzero input kills it with probability 2^-width (all units below 0)."""
    return 1.0 - (1.0 - 2.0 ** -width) ** depth


@dataclass(frozen=True)
class SweepPoint:
    width: int
    depth: int
    init: str
    trials: int
    born_dead: int
    near_constant: int = 0  # not born dead, but the output varies by less than NEAR_CONSTANT relative

    @property
    def born_dead_fraction(self) -> float:
        return self.born_dead / self.trials

    @property
    def near_constant_fraction(self) -> float:
        return self.near_constant / self.trials

    @property
    def standard_error(self) -> float:
        """The Monte Carlo standard error of ``born_dead_fraction``: sqrt(p (1 - p) / trials)."""
        p = self.born_dead_fraction
        return math.sqrt(p * (1.0 - p) / self.trials)

    @property
    def bound(self) -> float | None:
        """The analytic upper bound for zero biases; None for the other inits."""
        return zero_bias_bound(self.width, self.depth) if self.init == "he_zero_bias" else None

    def to_dict(self, scenario: str) -> dict[str, object]:
        return {"scenario": scenario, "width": self.width, "depth": self.depth, "init": self.init,
                "trials": self.trials, "born_dead": self.born_dead, "born_dead_fraction": self.born_dead_fraction,
                "standard_error": self.standard_error, "near_constant": self.near_constant,
                "near_constant_fraction": self.near_constant_fraction, "bound": self.bound}


AnyPoint = SweepPoint | StablePoint | TargetPoint  # one grid point of any kind of sweep


def random_layers(width: int, depth: int, init: str, trials: int,
                  generator: torch.Generator) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``depth`` layers of ``trials`` nets: (weight (trials, fan_in, width), bias (trials, 1, width)), float64."""
    fan_in = 1
    for _ in range(depth):
        if init == "rai":
            rows = rai((trials, width, fan_in + 1), generator).transpose(1, 2).double()  # (trials, fan_in + 1, width)
            weight, bias = rows[:, :fan_in], rows[:, fan_in:]
        else:
            std = math.sqrt(2.0 / fan_in)
            weight = torch.randn(trials, fan_in, width, generator=generator, dtype=torch.float64) * std
            bias = (torch.zeros(trials, 1, width, dtype=torch.float64) if init == "he_zero_bias"
                    else torch.randn(trials, 1, width, generator=generator, dtype=torch.float64) * std)
        yield weight, bias
        fan_in = width


def born_dead_nets(layers: Iterable[tuple[torch.Tensor, torch.Tensor]],
                   x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Which nets are born dead and which near constant, from their layers and inputs ``x`` (trials, points, 1).

    Born dead: some layer is constant over the points (sticky: later layers cannot undo it). Near
    constant: alive by that test, but the last layer varies by at most NEAR_CONSTANT of its magnitude."""
    h = x.double()
    alive = torch.arange(x.shape[0])  # the nets no layer has made constant yet; only they go on
    dead = torch.zeros(x.shape[0], dtype=torch.bool)
    with torch.no_grad():
        for weight, bias in layers:
            h = torch.baddbmm(bias[alive], h, weight[alive]).relu_()
            constant = (h == h[:, :1]).flatten(1).all(dim=1)  # every input gives the first one's values
            if constant.any():
                dead[alive[constant]] = True
                h, alive = h[~constant], alive[~constant]
        spread = (h.amax(dim=1) - h.amin(dim=1)).amax(dim=1)
        near = torch.zeros(x.shape[0], dtype=torch.bool)
        near[alive] = spread <= NEAR_CONSTANT * h.abs().amax(dim=(1, 2))
    return dead, near


def count_born_dead(width: int, depth: int, init: str, trials: int, seed: int, points: int = 256,
                    low: float = -math.sqrt(3), high: float = math.sqrt(3)) -> tuple[int, int]:
    """Of ``trials`` random nets, how many are born dead and how many near constant on a grid of ``points``."""
    generator = torch_rng(seed, "sweep", init, width, depth)
    x = torch.linspace(low, high, points, dtype=torch.float64).reshape(1, points, 1).expand(trials, points, 1)
    dead, near = born_dead_nets(random_layers(width, depth, init, trials, generator), x)
    return int(dead.sum()), int(near.sum())


def _point(width: int, depth: int, init: str, trials: int, seed: int, points: int, low: float,
           high: float) -> SweepPoint:
    torch.set_num_threads(1)  # the workers already share out the cores
    return SweepPoint(width, depth, init, trials, *count_born_dead(width, depth, init, trials, seed, points, low, high))


def grid(spec: SweepSpec) -> list[tuple[str, int, int]]:
    return [(init, width, depth) for init in spec.inits for width in spec.widths for depth in spec.depths]


def _tasks(scenario: Scenario, trials: int) -> list[Callable[[], AnyPoint]]:
    """The grid points of the scenario's [sweep], each a call that computes it."""
    spec = scenario.sweep
    assert spec is not None, "the scenario has no [sweep] table"
    where = (scenario.seed, spec.points, spec.low, spec.high)
    if spec.kind == "stably_unactivated":
        return [partial(measure, n0, n1, trials, *where) for n0 in spec.inputs for n1 in spec.widths]
    if spec.kind == "small_targets":
        return [partial(train_and_count, scale, momentum, w, d, trials, *where, spec.learning_rate, spec.steps)
                for w in spec.widths for d in spec.depths for momentum in spec.momenta for scale in spec.scales]
    return [partial(_point, w, d, i, trials, *where) for i, w, d in grid(spec)]


def run_sweep(scenario: Scenario, trials: int | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Iterator[AnyPoint]:
    """Every grid point of the scenario's [sweep], in grid order; ``progress(done, total)`` as they finish."""
    assert scenario.sweep is not None, "the scenario has no [sweep] table"
    tasks = _tasks(scenario, trials or scenario.sweep.trials)
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for done, task in enumerate(tasks, start=1):
            point = task()
            if progress:
                progress(done, len(tasks))
            yield point
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:  # torch and NumPy release the GIL in their kernels
        futures = [pool.submit(task) for task in tasks]
        for future in futures:
            yield future.result()
            if progress:
                progress(sum(f.done() for f in futures), len(tasks))
