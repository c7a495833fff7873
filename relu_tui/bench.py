"""``relu-tui bench``: the engine (training + full per-neuron diagnosis + history) against a plain
PyTorch loop training the same model on the same batches. Reports medians over repeats and ratios."""

from __future__ import annotations

import platform
import statistics
import time
from dataclasses import dataclass
from typing import IO

import torch

from .bundled import find_scenario
from .data import Dataset, make_dataset
from .model import Network
from .scenario import Scenario, load_scenario, loads_scenario
from .trainer import Trainer, batch_order, make_optimizer

_MLP = """
name = "{name}"
[data]
generator = "{generator}"
n_samples = {n}
test_fraction = 0.1
{extra}
[[model.layers]]
width = {width}
repeat = {depth}
weight_init = "he_normal"
[training]
optimizer = "sgd"
learning_rate = 0.05
batch_size = {batch}
"""


@dataclass(frozen=True)
class Case:
    label: str
    scenario: Scenario
    epochs: int


def cases(quick: bool) -> list[Case]:
    def mlp(name: str, generator: str, n: int, width: int, depth: int, batch: str, extra: str = "") -> Scenario:
        return loads_scenario(_MLP.format(name=name, generator=generator, n=n, width=width, depth=depth,
                                          batch=batch, extra=extra), source=f"<bench {name}>")

    scale = 10 if quick else 1
    teacher = 'n_features = 784\nn_classes = 10'
    return [
        Case("(a) negative_init, full batch", load_scenario(find_scenario("negative_init")), 200 // scale),
        Case("(b) 2-64x3-1, 1k moons, full batch", mlp("b", "moons", 1000, 64, 3, '"full"'), 100 // scale),
        Case("(b) 2-64x3-1, 1k moons, batch 100", mlp("b", "moons", 1000, 64, 3, "100"), 20 // scale),
        Case("(c) 784-256x2-10, 10k, full batch", mlp("c", "random_teacher", 10000 // scale, 256, 2, '"full"', teacher),
             20 // min(scale, 4)),
        Case("(c) 784-256x2-10, 10k, batch 1000", mlp("c", "random_teacher", 10000 // scale, 256, 2, "1000", teacher),
             5),
    ]


def plain_loop(scenario: Scenario, data: Dataset, epochs: int) -> Network:
    """The textbook loop: the same initial weights, learning-rate events and batches, nothing else."""
    model = Network(scenario.model, data.n_features, data.n_classes, scenario.seed)
    optimizer = make_optimizer(model.parameters(), scenario.training)
    for epoch in range(1, epochs + 1):
        for group in optimizer.param_groups:
            group["lr"] = scenario.training.learning_rate_at(epoch)
        batches = batch_order(scenario.seed, epoch, len(data.y_train), scenario.training.batch_size)
        for index in batches if batches is not None else [slice(None)]:
            optimizer.zero_grad()
            model.loss(model(data.x_train[index]), data.y_train[index]).backward()
            optimizer.step()
    return model


def _time_engine(case: Case, data: Dataset) -> tuple[float, Trainer]:
    trainer = Trainer(case.scenario, dataset=data)
    start = time.perf_counter()
    trainer.step_epochs(case.epochs)
    return time.perf_counter() - start, trainer


def _time_plain(case: Case, data: Dataset) -> tuple[float, Network]:
    start = time.perf_counter()
    model = plain_loop(case.scenario, data, case.epochs)
    return time.perf_counter() - start, model


def run_bench(repeats: int, quick: bool, out: IO[str]) -> list[dict[str, float | str | bool]]:
    """Time every case ``repeats`` times (engine and plain loop alternating) and print a table."""
    out.write(f"relu-tui bench: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch "
              f"thread(s), torch {torch.__version__}, Python {platform.python_version()}\n")
    out.write("engine = training + per-neuron diagnosis on the full training set after every epoch + history\n\n")
    out.write(f"{'case':<38} {'epochs':>6} {'engine ms/ep':>13} {'plain ms/ep':>12} {'ratio':>6}  same weights\n")
    rows = []
    for case in cases(quick):
        data = make_dataset(case.scenario.data, case.scenario.seed)
        ours, plain = [], []
        _time_engine(Case(case.label, case.scenario, 2), data)  # warm up allocators and kernels
        _time_plain(Case(case.label, case.scenario, 2), data)
        for _ in range(repeats):
            seconds, trainer = _time_engine(case, data)
            ours.append(seconds)
            seconds, model = _time_plain(case, data)
            plain.append(seconds)
        same = all(torch.equal(a, b) for a, b in zip(trainer.model.parameters(), model.parameters()))
        engine_ms = 1000 * statistics.median(ours) / max(case.epochs, 1)
        plain_ms = 1000 * statistics.median(plain) / max(case.epochs, 1)
        ratio = engine_ms / plain_ms
        out.write(f"{case.label:<38} {case.epochs:>6} {engine_ms:>13.2f} {plain_ms:>12.2f} {ratio:>6.2f}  "
                  f"{'yes' if same else 'NO'}\n")
        out.flush()
        rows.append({"case": case.label, "engine_ms": engine_ms, "plain_ms": plain_ms, "ratio": ratio, "same": same})
    out.write(f"\nmedians of {repeats} repeat(s); ratio = engine / plain\n")
    return rows
