"""A monitored run as the app's panels read it: the latest record as per-unit layer records, each
unit's active share, gradient and state over the records, and the loss and dead share per record.

Pure NumPy: watching a run log needs no PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from relu_tui.engine.records import ACTIVE, ALIVE, DEAD, SPARSE, EpochRecord, LayerRecord, Traces
from relu_tui.monitor.runlog import NO_STATE, RunMeta, RunRecord

TRACE_COLUMNS = 240  # at most this many records become heatmap columns (evenly spread, the last one kept)


@dataclass(frozen=True)
class RunView:
    meta: RunMeta
    record: EpochRecord  # the latest record (its ``epoch`` is the step; death epochs are steps too)
    traces: Traces  # units x records, columns labelled by step
    steps: np.ndarray  # per record
    loss: np.ndarray  # per record, NaN where none was given
    dead_fraction: np.ndarray  # per record
    last: RunRecord
    shares: np.ndarray  # per layer at the latest record: (dead, dormant, sparse) shares of its units

    def dormant(self, layer: int) -> np.ndarray:
        """Which units of a layer are dormant at the latest record (score <= the run's tau)."""
        return self.last.layers[self.meta.layers[layer].name].dormant_units(self.meta.dormant_tau)

    @property
    def n_records(self) -> int:
        return len(self.steps)

    @property
    def n_units(self) -> int:
        return self.record.n_units


def _layer_record(info, stats) -> LayerRecord:
    """One layer of a run record in the shape of a scenario's diagnosis (fields a monitor does not
    measure are NaN); a unit whose layer saw no input counts as active with an unknown share."""
    width = info.width
    unknown = np.full(width, np.nan, dtype=np.float32)
    state = np.where(stats.state == NO_STATE, ACTIVE, stats.state).astype(np.int8)
    return LayerRecord(
        name=info.name, activation=info.activation, state=state, active_fraction=stats.active_share,
        grad_norm=stats.grad_norm, preact_min=unknown, preact_max=unknown, preact_mean=unknown,
        mean_activation=unknown, bias=unknown, step=unknown,
        epoch_of_death=np.where(stats.died_step == ALIVE, ALIVE, stats.died_step).astype(np.int32),
        cause=np.zeros(width, dtype=np.int8), by_bias=np.zeros(width, dtype=bool),
        death_step=np.zeros(width, dtype=np.float32), death_lr=np.zeros(width, dtype=np.float32),
        revived=stats.revived,
    )


def run_view(meta: RunMeta, records: Sequence[RunRecord], columns: int = TRACE_COLUMNS) -> RunView:
    """The view of ``records`` (at least one), in step order."""
    last = records[-1]
    layers = tuple(_layer_record(info, last.layers[info.name]) for info in meta.layers)
    record = EpochRecord(epoch=last.step, batch=0, loss=np.nan if last.loss is None else last.loss, accuracy=None,
                         test_loss=None, test_accuracy=None, learning_rate=np.nan, diverged=False, layers=layers)
    picked = np.unique(np.linspace(0, len(records) - 1, min(columns, len(records))).round().astype(int))

    def stack(name: str) -> np.ndarray:
        return np.concatenate([np.stack([getattr(records[i].layers[info.name], name) for i in picked], axis=1)
                               for info in meta.layers])

    states = stack("state")
    traces = Traces(np.array([records[i].step for i in picked]), stack("active_share"), stack("grad_norm"),
                    np.where(states == NO_STATE, ACTIVE, states), label="step")
    units = max(sum(info.width for info in meta.layers), 1)
    dead = np.array([sum(int((r.layers[info.name].state == DEAD).sum()) for info in meta.layers) for r in records])
    shares = np.zeros((len(layers), 3))
    for i, (info, layer) in enumerate(zip(meta.layers, layers)):
        dormant = int(last.layers[info.name].dormant_units(meta.dormant_tau).sum())
        shares[i] = (layer.count(DEAD), dormant, layer.count(SPARSE))
        shares[i] /= info.width
    return RunView(meta, record, traces, np.array([r.step for r in records]),
                   np.array([np.nan if r.loss is None else r.loss for r in records], dtype=float), dead / units, last,
                   shares)
