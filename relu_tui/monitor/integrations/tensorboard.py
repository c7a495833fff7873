"""Dead and dormant share per layer as TensorBoard scalars, through ``torch.utils.tensorboard``.

``TensorBoardScalars(log_dir).write(record, meta_layers, tau)`` after each record (the Lightning and
transformers callbacks take one as ``tensorboard=``). Tags: ``relu_tui/dead_share/<layer>``,
``relu_tui/dormant_share/<layer>`` and ``relu_tui/dead_share`` (all units), at the record's step.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from relu_tui.engine.records import DEAD
from relu_tui.monitor.runlog import LayerInfo, RunRecord
from relu_tui.spec.scenario import DiagnosisSpec


def scalars(record: RunRecord, layers: Sequence[LayerInfo], tau: float = DiagnosisSpec.dormant_threshold) -> dict[str, float]:
    """The record's shares, tag -> value."""
    values, dead, units = {}, 0, 0
    for info in layers:
        stats = record.layers[info.name]
        layer_dead = int((stats.state == DEAD).sum())
        dormant = int(stats.dormant_units(tau).sum())
        values[f"relu_tui/dead_share/{info.name}"] = layer_dead / info.width
        values[f"relu_tui/dormant_share/{info.name}"] = dormant / info.width
        dead, units = dead + layer_dead, units + info.width
    values["relu_tui/dead_share"] = dead / max(units, 1)
    return values


class TensorBoardScalars:
    """Writes :func:`scalars` to a ``SummaryWriter`` (given, or made on ``log_dir``)."""

    def __init__(self, log_dir: str | Path | None = None, writer: Any = None) -> None:
        if writer is None:
            from torch.utils.tensorboard import SummaryWriter  # needs the tensorboard package

            writer = SummaryWriter(log_dir=None if log_dir is None else str(log_dir))
        self.writer = writer

    def write(self, record: RunRecord, layers: Sequence[LayerInfo], tau: float = DiagnosisSpec.dormant_threshold) -> None:
        for tag, value in scalars(record, layers, tau).items():
            self.writer.add_scalar(tag, value, global_step=record.step)

    def close(self) -> None:
        self.writer.close()
