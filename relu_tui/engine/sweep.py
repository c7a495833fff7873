"""Born dead at initialization: a Monte Carlo sweep over width, depth and initialization.

A network is *born dead* when every input gives the same output: some layer is silent (or
constant) on the whole input range, so nothing downstream can tell inputs apart. Following Lu,
Shin, Su and Karniadakis, "Dying ReLU and Initialization: Theory and Numerical Examples" (2019),
the nets here have one input, ``depth`` ReLU layers of ``width`` units, and either a symmetric He
initialization (weights and biases from N(0, 2 / fan_in)) or their randomized asymmetric one (RAI).
All trials of one grid point run as one batched computation; grid points run on parallel threads
(PyTorch releases the GIL in its kernels, so they use every core).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import torch

from relu_tui.engine.inits import rai
from relu_tui.engine.seeding import torch_rng
from relu_tui.spec.scenario import Scenario, SweepSpec


@dataclass(frozen=True)
class SweepPoint:
    width: int
    depth: int
    init: str
    trials: int
    born_dead: int

    @property
    def born_dead_fraction(self) -> float:
        return self.born_dead / self.trials

    def to_dict(self, scenario: str) -> dict[str, object]:
        return {"scenario": scenario, "width": self.width, "depth": self.depth, "init": self.init,
                "trials": self.trials, "born_dead": self.born_dead, "born_dead_fraction": self.born_dead_fraction}


def count_born_dead(width: int, depth: int, init: str, trials: int, seed: int, points: int = 256,
                    low: float = -math.sqrt(3), high: float = math.sqrt(3)) -> int:
    """How many of ``trials`` random nets give one output for every input on a grid of ``points``."""
    generator = torch_rng(seed, "sweep", init, width, depth)
    h = torch.linspace(low, high, points).reshape(1, points, 1).expand(trials, points, 1)
    fan_in = 1
    with torch.no_grad():
        for _ in range(depth):
            if init == "rai":
                rows = rai((trials, width, fan_in + 1), generator).transpose(1, 2)  # (trials, fan_in + 1, width)
                weight, bias = rows[:, :fan_in], rows[:, fan_in:]
            else:
                std = math.sqrt(2.0 / fan_in)
                weight = torch.randn(trials, fan_in, width, generator=generator) * std
                bias = torch.randn(trials, 1, width, generator=generator) * std
            h = torch.relu(torch.baddbmm(bias, h, weight))
            fan_in = width
    constant = (h.amax(dim=1) == h.amin(dim=1)).all(dim=1)
    return int(constant.sum())


def _point(args: tuple) -> SweepPoint:
    width, depth, init, trials, seed, points, low, high = args
    torch.set_num_threads(1)  # the workers already share out the cores
    return SweepPoint(width, depth, init, trials, count_born_dead(width, depth, init, trials, seed, points, low, high))


def grid(spec: SweepSpec) -> list[tuple[str, int, int]]:
    return [(init, width, depth) for init in spec.inits for width in spec.widths for depth in spec.depths]


def run_sweep(scenario: Scenario, trials: int | None = None, workers: int | None = None,
              progress: Callable[[int, int], None] | None = None) -> Iterator[SweepPoint]:
    """Every grid point of the scenario's [sweep], in grid order; ``progress(done, total)`` as they finish."""
    spec = scenario.sweep
    assert spec is not None, "the scenario has no [sweep] table"
    n = trials or spec.trials
    tasks = [(w, d, i, n, scenario.seed, spec.points, spec.low, spec.high) for i, w, d in grid(spec)]
    workers = workers or os.cpu_count() or 1
    if workers == 1:
        for done, task in enumerate(tasks, start=1):
            point = _point(task)
            if progress:
                progress(done, len(tasks))
            yield point
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:  # torch releases the GIL in its kernels
        futures = [pool.submit(_point, task) for task in tasks]
        for future in futures:
            yield future.result()
            if progress:
                progress(sum(f.done() for f in futures), len(tasks))
