"""Run under torchrun by test_monitor_distributed.py: two gloo ranks train one DDP model with a Monitor.

Unit 0 fires only on rank 1's data, unit 1 on no data, unit 2 on all. Each rank passes its own run
directory (RUN_BASE/rank<r>); only rank 0 may create it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
from torch import distributed as dist
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from relu_tui.monitor import Monitor


def sharded(base: Path) -> None:
    """fully_shard (FSDP2) on two ranks: the Monitor refuses it in one clear line, on every rank."""
    from torch.distributed.fsdp import fully_shard

    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    fully_shard(model)
    try:
        Monitor(model, base / f"rank{dist.get_rank()}")
    except ValueError as exc:
        print(f"refused: {exc}")


def main(base: Path) -> None:
    dist.init_process_group("gloo")
    if sys.argv[2:] == ["fsdp"]:
        sharded(base)
        dist.destroy_process_group()
        return
    rank = dist.get_rank()
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0, 0.0], [0.0, -1.0], [0.0, 1.0]]))
        model[0].bias.copy_(torch.tensor([0.0, -0.5, 0.5]))
    ddp = DistributedDataParallel(model)
    x = torch.rand(4 + 2 * rank, 2, generator=torch.Generator().manual_seed(rank)) + 0.1
    if rank == 0:
        x[:, 0] = -x[:, 0]  # unit 0 is silent on rank 0's data
    optimizer = torch.optim.SGD(ddp.parameters(), lr=0.0)
    with Monitor(ddp, base / f"rank{rank}") as monitor:
        for epoch in range(3):
            loss = ddp(x).square().mean()
            loss.backward()
            averaged = torch.cat([model[0].weight.grad, model[0].bias.grad[:, None]], 1).norm(dim=1)  # DDP's
            optimizer.step()
            optimizer.zero_grad()  # before monitor.step(): the norms were taken when backward made them
            record = monitor.step(loss, epoch=epoch)
            assert record.layers["1"].inputs == 10, record.layers["1"].inputs  # 4 + 6 inputs, every rank
            assert torch.allclose(torch.from_numpy(record.layers["1"].grad_norm), averaged, rtol=1e-6), (
                record.layers["1"].grad_norm, averaged)
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
    # torch 2.13's gloo backend aborts at interpreter exit in about half of all runs ("terminate called without an
    # active exception"), with or without a Monitor; the work is done and flushed, so skip the teardown.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
