"""Engine overhead: training with full per-neuron diagnosis and history against a plain PyTorch loop
training the same model on the same batches; medians over repeats, and a check that both end with
the same weights."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass

import torch

from relu_tui.engine.data import Dataset, make_dataset
from relu_tui.engine.model import Network
from relu_tui.engine.threads import suit_threads
from relu_tui.engine.trainer import Trainer, batch_order, make_optimizer
from relu_tui.spec.bundled import find_scenario
from relu_tui.spec.scenario import Scenario, load_scenario, loads_scenario

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


def mlp_toml(name: str, generator: str, n: int, width: int, depth: int, batch: str, extra: str = "") -> str:
    """A scenario file for an MLP of ``depth`` ReLU layers of ``width`` units (He init, plain SGD)."""
    return _MLP.format(name=name, generator=generator, n=n, width=width, depth=depth, batch=batch, extra=extra)


CASE_B = mlp_toml("bench_b", "moons", 1000, 64, 3, '"full"')  # the size up to which keys must feel instant


def cases(quick: bool) -> list[Case]:
    def mlp(name: str, generator: str, n: int, width: int, depth: int, batch: str, extra: str = "") -> Scenario:
        return loads_scenario(mlp_toml(name, generator, n, width, depth, batch, extra), source=f"<bench {name}>")

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


@dataclass(frozen=True)
class Overhead:
    label: str
    epochs: int
    engine_ms: float  # per epoch
    plain_ms: float
    same_weights: bool

    @property
    def ratio(self) -> float:
        return self.engine_ms / self.plain_ms


def overhead(case: Case, repeats: int) -> Overhead:
    """Time the engine and the plain loop ``repeats`` times each, alternating, after a warm-up."""
    data = make_dataset(case.scenario.data, case.scenario.seed)
    suit_threads(case.scenario)  # both loops run on the threads `relu-tui run` would use
    ours, plain = [], []
    _time_engine(Case(case.label, case.scenario, 2), data)  # warm up allocators and kernels
    _time_plain(Case(case.label, case.scenario, 2), data)
    for _ in range(repeats):
        seconds, trainer = _time_engine(case, data)
        ours.append(seconds)
        seconds, model = _time_plain(case, data)
        plain.append(seconds)
    same = all(torch.equal(a, b) for a, b in zip(trainer.model.parameters(), model.parameters()))
    per_epoch = 1000 / max(case.epochs, 1)
    return Overhead(case.label, case.epochs, per_epoch * statistics.median(ours), per_epoch * statistics.median(plain),
                    same)
