"""Build the training and test tensors a scenario describes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

from relu_tui.engine.seeding import numpy_rng
from relu_tui.errors import ScenarioError
from relu_tui.spec.generators import GENERATORS

if TYPE_CHECKING:
    from relu_tui.spec.scenario import DataSpec


@dataclass(frozen=True)
class Dataset:
    """Training and test split, already transformed; labels are int64 classes or float32 targets."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int  # 0 for regression
    feature_names: tuple[str, ...]

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]

    @property
    def task(self) -> str:
        return task_of(self.n_classes)


def task_of(n_classes: int) -> str:
    return "regression" if n_classes == 0 else ("binary" if n_classes == 2 else "multiclass")


def make_dataset(spec: DataSpec, seed: int, source: str | Path | None = None) -> Dataset:
    """Generate (or take from the CSV) the samples, split them and apply the transform.

    ``source`` (the scenario file) is named in the ScenarioError of a data set that cannot train."""
    if spec.table is not None:
        x, y = spec.table.features, spec.table.labels
        names = spec.table.feature_names
        if spec.n_classes:
            y = np.searchsorted(np.unique(y), y).astype(np.int64)
    else:
        generator = GENERATORS[spec.generator]
        x, y = generator.make(numpy_rng(seed, "data"), spec.n_samples, spec.noise, dict(spec.params))
        names = tuple(f"x{i + 1}" for i in range(x.shape[1]))
    n = len(x)
    n_test = int(round(n * spec.test_fraction))
    order = numpy_rng(seed, "split").permutation(n)
    train, test = order[: n - n_test], order[n - n_test :]
    if spec.n_classes and len(np.unique(y[train])) < 2:
        raise ScenarioError("every training sample has the same label", source=source, key="data",
                            expected="a data set with at least two classes in its training split")
    x_train, x_test = x[train], x[test]
    if spec.transform == "standardize":
        mean, std = x_train.mean(axis=0), x_train.std(axis=0)
        std = np.where(std > 0, std, 1.0)
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    elif spec.transform == "shift":
        x_train, x_test = x_train + spec.shift, x_test + spec.shift
    label_type = torch.int64 if spec.n_classes else torch.float32
    return Dataset(
        torch.tensor(x_train, dtype=torch.float32),
        torch.tensor(y[train], dtype=label_type),
        torch.tensor(x_test, dtype=torch.float32),
        torch.tensor(y[test], dtype=label_type),
        spec.n_classes,
        names,
    )
