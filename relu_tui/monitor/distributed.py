"""torch.distributed, when a process group is initialized: which rank writes, and summing counts over ranks."""

from __future__ import annotations

import torch
from torch import distributed as dist


def _initialized() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if _initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if _initialized() else 1


def sum_over_ranks(tensor: torch.Tensor) -> None:
    """In place: every rank gets the sum of everyone's ``tensor`` (one collective; a no-op without a group)."""
    if _initialized():
        dist.all_reduce(tensor, op=dist.ReduceOp.SUM)
