"""A small monitored run for pictures and trials of ``relu-tui watch``: the README's example model
(eight units of the first layer born dead under a bias of -10) trained with a large learning rate."""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from relu_tui.monitor.monitor import Monitor


def write_demo_run(run_dir: str | Path, epochs: int = 30, seed: int = 0) -> Path:
    """Train a 20-64-64-2 ReLU net on seeded random data, recording every 4 steps into ``run_dir``."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 2))
    with torch.no_grad():
        model[0].bias[:8] = -10.0
    x = torch.randn(1024, 20, generator=generator)
    y = (x[:, :2].sum(dim=1) > 0).long()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    with Monitor(model, run_dir, every=4) as monitor:
        for epoch in range(epochs):
            order = torch.randperm(len(x), generator=generator)
            for start in range(0, len(x), 64):
                batch = order[start:start + 64]
                optimizer.zero_grad()
                loss = nn.functional.cross_entropy(model(x[batch]), y[batch])
                loss.backward()
                optimizer.step()
                monitor.step(loss, epoch=epoch)
    return Path(run_dir)
