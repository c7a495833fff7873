"""An immutable picture of a trainer at one moment: everything a display needs, nothing it must compute.

Built on the thread that owns the trainer; read by any renderer (the Textual app, a script).
"""

from __future__ import annotations

import functools
import weakref
from dataclasses import dataclass

import numpy as np
import torch

from relu_tui.engine.records import EpochRecord, Traces
from relu_tui.engine.trainer import Trainer
from relu_tui.spec.scenario import Scenario


@dataclass(frozen=True)
class Plane:
    """The input plane of two-feature data on a grid: each unit's activation and the network's decision."""

    x: np.ndarray  # (gx,) grid coordinates of feature 1
    y: np.ndarray  # (gy,) grid coordinates of feature 2, bottom to top
    activations: tuple[np.ndarray, ...]  # per layer: (gy, gx, units), as the forward pass makes them
    decision: np.ndarray  # (gy, gx) predicted class (or value for regression)
    points: np.ndarray  # (n, 2) training inputs
    labels: np.ndarray  # (n,) their classes
    test_points: np.ndarray  # (m, 2) test inputs
    test_labels: np.ndarray  # (m,)

    def unit(self, layer: int, unit: int) -> np.ndarray:
        """One unit's activation over the grid, (gy, gx)."""
        return self.activations[layer][..., unit]


@dataclass(frozen=True)
class Fit:
    """One-input regression: the network's output over the input's range, and the data it fits."""

    x: np.ndarray  # (k,) inputs spanning the data
    output: np.ndarray  # (k,) the network's output there
    points: np.ndarray  # (n,) training inputs
    targets: np.ndarray  # (n,) their targets


@dataclass(frozen=True)
class LayerSpread:
    """How one layer's activations spread over the samples shown (all units together)."""

    name: str
    std: float
    mean: float
    zero_share: float  # share of (sample, unit) activations that are exactly 0
    histogram: np.ndarray  # counts of the other activations (not exactly 0) over ``edges``
    edges: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    scenario: Scenario
    record: EpochRecord
    last_epoch: int
    n_train: int
    loss: np.ndarray  # per epoch 0..last
    accuracy: np.ndarray  # nan where undefined (always, for a regression)
    test_loss: np.ndarray  # nan without a test split
    test_accuracy: np.ndarray
    dead_fraction: np.ndarray
    sample_activations: tuple[np.ndarray, ...]  # per layer: (units, samples shown), samples sorted by class
    sample_labels: np.ndarray  # (samples shown,) class of each column (or target, regression)
    weights: tuple[np.ndarray, ...]  # per hidden layer: (units, fan_in)
    biases: tuple[np.ndarray, ...]
    traces: Traces
    plane: Plane | None
    fit: Fit | None  # one input and one output to regress: what the network computes from it
    feature_names: tuple[str, ...]  # the inputs' names: a CSV's own columns, else x1, x2, ...

    @property
    def epoch(self) -> int:
        return self.record.epoch

    @property
    def n_units(self) -> int:
        return self.record.n_units

    @functools.cached_property
    def spreads(self) -> tuple[LayerSpread, ...]:
        """Each layer's spread over the samples shown, worked out when first read: only the Layers
        panel (data neither two-feature nor one-input regression) and the compare screen show them."""
        return tuple(_spread(layer.name, a.T) for layer, a in zip(self.scenario.model.layers, self.sample_activations))

    @property
    def classifies(self) -> bool:
        """A classification task (the alternative, a regression, has no classes and no accuracy)."""
        return self.scenario.data.n_classes > 0


def sample_subset(labels: torch.Tensor, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` training samples, sorted by class (stable), evenly spread within it."""
    order = np.argsort(labels.numpy(), kind="stable")
    if len(order) <= limit:
        return order
    return order[np.linspace(0, len(order) - 1, limit).round().astype(int)]


def take_snapshot(trainer: Trainer, *, samples: np.ndarray, plane_size: tuple[int, int] = (64, 32),
                  trace_columns: int = 120) -> Snapshot:
    """A snapshot of ``trainer`` now; ``samples`` are the training indices the heatmap shows."""
    data, model = trainer.dataset, trainer.model
    scalars = trainer.history.scalars
    n_units = max(trainer.record.n_units, 1)
    with torch.no_grad():
        _, _, post = model.forward_traced(data.x_train[samples])
        weights = tuple(layer.weight.detach().numpy().copy() for layer in model.hidden)
        biases = tuple(layer.bias.detach().numpy().copy() for layer in model.hidden)
    return Snapshot(
        scenario=trainer.scenario,
        record=trainer.record,
        last_epoch=trainer.history.last,
        n_train=trainer.n_train,
        loss=np.array(scalars.loss, dtype=np.float64),
        accuracy=_series(scalars.accuracy),
        test_loss=_series(scalars.test_loss),
        test_accuracy=_series(scalars.test_accuracy),
        dead_fraction=np.array([c["dead"] / n_units for c in scalars.counts]),
        sample_activations=tuple(a.T.numpy().copy() for a in post),
        sample_labels=data.y_train[samples].numpy(),
        weights=weights,
        biases=biases,
        traces=_traces(trainer, trace_columns),
        plane=_plane(trainer, plane_size) if data.n_features == 2 else None,
        fit=_fit(trainer) if data.n_features == 1 and trainer.scenario.data.n_classes == 0 else None,
        feature_names=data.feature_names,
    )


def _spread(name: str, activations: np.ndarray, bins: int = 24) -> LayerSpread:
    """The spread of ``activations`` (samples x units), its values taken in that order."""
    values = activations[np.isfinite(activations)]
    if not values.size:
        return LayerSpread(name, float("nan"), float("nan"), 0.0, np.zeros(bins, dtype=int), np.zeros(bins + 1))
    others = values[values != 0].astype(np.float64)
    low, high = (float(others.min()), float(others.max())) if others.size else (0.0, 1.0)
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run may hold huge values
        try:
            counts, edges = np.histogram(others, bins=bins, range=(low, high if high > low else low + 1.0))
        except ValueError:  # a range too narrow for its magnitude (1e38 and its next float): one bin holds them
            counts, edges = np.zeros(bins, dtype=int), np.linspace(low, low + 1.0, bins + 1)
            counts[0] = others.size
        std, mean = float(values.std()), float(values.mean())
    return LayerSpread(name, std, mean, float((values == 0).mean()), counts, edges)


def _series(values: list[float | None]) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _traces(trainer: Trainer, columns: int) -> Traces:
    """Up to ``columns`` epochs, evenly spread over those the history holds (never a replay)."""
    held = np.array(sorted(trainer.history.records.items))
    epochs = held[np.unique(np.linspace(0, len(held) - 1, min(columns, len(held))).round().astype(int))]
    picked = [_trace_column(trainer.history.records.items[int(e)]) for e in epochs]
    return Traces(epochs, *(np.stack(field, axis=1) for field in zip(*picked)))


_COLUMNS: dict[int, tuple[weakref.ref, tuple[np.ndarray, np.ndarray, np.ndarray]]] = {}  # by id(record)
_KEEP_COLUMNS = 1024  # about the traces of a few variants, as a history grows


def _trace_column(record: EpochRecord) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A record's active shares, gradient norms and states over every hidden unit: kept, since a held
    record does not change and the traces take mostly the same ones every frame (the references are weak,
    so a record the history drops is not kept alive)."""
    kept = _COLUMNS.get(id(record))
    if kept is not None and kept[0]() is record:
        return kept[1]
    column = tuple(np.concatenate([getattr(layer, field) for layer in record.layers])
                   for field in ("active_fraction", "grad_norm", "state"))
    if len(_COLUMNS) >= _KEEP_COLUMNS:  # the oldest goes (pop: another engine thread may have taken it)
        _COLUMNS.pop(next(iter(_COLUMNS), None), None)
    _COLUMNS[id(record)] = (weakref.ref(record), column)
    return column


PLANE_WORK = 500_000_000  # multiply-adds for the plane's grid; wider networks get a coarser grid


def _plane(trainer: Trainer, size: tuple[int, int]) -> Plane:
    """Every unit's activation and the decision over a grid spanning the data (coarser for wide
    networks: a 1,024-unit layer pair on the full grid would cost 2 billion multiply-adds a frame)."""
    data, model = trainer.dataset, trainer.model
    work = sum(layer.weight.numel() for layer in model.hidden) * size[0] * size[1]
    if work > PLANE_WORK:
        shrink = (work / PLANE_WORK) ** 0.5
        size = (max(16, int(size[0] / shrink)), max(8, int(size[1] / shrink)))
    points = data.x_train.numpy()
    gx, gy = size
    xs, ys, grid = _grid(data.x_train, size)
    with torch.no_grad():
        output, _, post = model.forward_traced(grid)
        decision = model.predict(output).numpy().reshape(gy, gx)
    activations = tuple(a.numpy().reshape(gy, gx, -1) for a in post)  # fresh tensors: no copy needed
    return Plane(xs, ys, activations, decision, points, data.y_train.numpy(), data.x_test.numpy(),
                 data.y_test.numpy())


_grids: dict[tuple[int, int], tuple[torch.Tensor, tuple[np.ndarray, np.ndarray, torch.Tensor]]] = {}


def _grid(x_train: torch.Tensor, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, torch.Tensor]:
    """The plane's grid over the training inputs (padded by 8%): its x and y coordinates and the
    points as a tensor, kept for the last data seen at each size (the same every frame of a run)."""
    kept = _grids.get(size)
    if kept is not None and kept[0] is x_train:
        return kept[1]
    points = x_train.numpy()
    low, high = points.min(axis=0), points.max(axis=0)
    pad = 0.08 * np.maximum(high - low, 1e-6)
    xs = np.linspace(low[0] - pad[0], high[0] + pad[0], size[0])
    ys = np.linspace(low[1] - pad[1], high[1] + pad[1], size[1])
    grid = torch.tensor(np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2), dtype=torch.float32)
    _grids[size] = (x_train, (xs, ys, grid))
    return xs, ys, grid


def _fit(trainer: Trainer, points: int = 200) -> Fit:
    """The output over ``points`` inputs spanning the training data (one forward pass)."""
    data, model = trainer.dataset, trainer.model
    x = data.x_train[:, 0].numpy()
    low, high = float(x.min()), float(x.max())
    grid = np.linspace(low, high, points) if high > low else np.full(points, low)
    with torch.no_grad():
        output = model.predict(model(torch.tensor(grid, dtype=torch.float32).reshape(-1, 1))).numpy()
    return Fit(grid, output.astype(float), x.copy(), data.y_train.numpy().astype(float).reshape(-1))
