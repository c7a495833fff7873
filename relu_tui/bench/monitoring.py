"""What a :class:`relu_tui.Monitor` costs a user's own training loop: steps per second with and
without it, on an MLP and a small CNN, recording every step and every tenth step."""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from relu_tui.monitor import Monitor


@dataclass(frozen=True)
class MonitorCost:
    label: str
    plain_ms: float  # per optimization step, no monitor
    every_1_ms: float
    every_10_ms: float


def _mlp() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))
    return model, torch.randn(128, 784), torch.randint(0, 10, (128,))


def _cnn() -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Flatten(), nn.Linear(32 * 8 * 8, 10))
    return model, torch.randn(64, 3, 32, 32), torch.randint(0, 10, (64,))


def _seconds_per_step(build, every: int | None, steps: int, directory: Path) -> float:
    torch.manual_seed(0)
    model, x, y = build()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    monitor = Monitor(model, directory / f"run-{every}-{time.monotonic_ns()}", every=every) if every else None

    def step() -> None:
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        if monitor is not None:
            monitor.step(loss)

    for _ in range(5):  # warm up, and let the monitor find its layers
        step()
    begin = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = (time.perf_counter() - begin) / steps
    if monitor is not None:
        monitor.close()
    return seconds


def monitor_costs(repeats: int, quick: bool) -> list[MonitorCost]:
    """Medians over ``repeats`` rounds, the three settings alternating within each round."""
    steps = 20 if quick else 100
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, build in (("MLP 784-256-256-10, batch 128", _mlp), ("CNN 2 conv (16, 32 ch) + fc, batch 64", _cnn)):
            times: dict[int | None, list[float]] = {None: [], 1: [], 10: []}
            for _ in range(repeats):
                for every in times:
                    times[every].append(_seconds_per_step(build, every, steps, Path(tmp)))
            ms = {every: 1000 * statistics.median(values) for every, values in times.items()}
            rows.append(MonitorCost(label, ms[None], ms[1], ms[10]))
    return rows
