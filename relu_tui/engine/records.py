"""What one diagnosis holds: per-epoch metrics and per-neuron arrays for every hidden layer."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from enum import IntEnum
from typing import Any

import numpy as np


class State(IntEnum):
    """A unit's state; the value is its code in the per-unit ``state`` arrays."""

    DEAD = 0  # pre-activation <= 0 on every input and a flat activation there: no gradient, ever
    NEGATIVE = 1  # <= 0 on every input, but the activation still passes gradient (leaky, ELU, ...)
    SPARSE = 2  # fires on fewer inputs than the sparse threshold: quiet, still learning
    ACTIVE = 3


class Cause(IntEnum):
    """Why a dead unit died; the value is its code in the per-unit ``cause`` arrays."""

    NONE = 0
    BORN_DEAD = 1
    UPDATE = 2  # killed by an optimizer step on its own weights
    UPSTREAM = 3  # silenced by changes in earlier layers


STATES = tuple(state.name.lower() for state in State)
DEAD, NEGATIVE, SPARSE, ACTIVE = State
CAUSES = (None, *(cause.name.lower() for cause in list(Cause)[1:]))
NO_CAUSE, BORN_DEAD, UPDATE, UPSTREAM = Cause
ALIVE = -1  # epoch_of_death of a unit that is not dead


@dataclass
class LayerRecord:
    """Per-unit arrays (length = width) for one hidden layer at one moment."""

    name: str
    activation: str
    state: np.ndarray  # int8 codes into STATES
    active_fraction: np.ndarray  # share of training inputs with pre-activation > 0
    grad_norm: np.ndarray  # L2 norm of d(train loss)/d(incoming weights, bias)
    preact_min: np.ndarray
    preact_max: np.ndarray
    preact_mean: np.ndarray
    mean_activation: np.ndarray
    bias: np.ndarray
    step: np.ndarray  # L2 norm of the change of incoming weights and bias since the previous epoch
    epoch_of_death: np.ndarray  # int32, ALIVE when not dead
    cause: np.ndarray  # int8 codes into CAUSES, for the current death
    by_bias: np.ndarray  # bool: the weights alone would fire on some input; the bias holds it below 0
    death_step: np.ndarray  # step size of the update that killed it (0 when born dead or upstream)
    death_lr: np.ndarray  # learning rate of that update
    revived: np.ndarray  # bool: was dead once and came back
    dormant_score: np.ndarray | None = None  # mean |activation| over the data / the layer's average (NaN: unknown)
    dormant: np.ndarray | None = None  # bool: dormant_score <= the diagnosis's dormant_threshold
    death_batch: np.ndarray | None = None  # int32: the mini-batch of the epoch it died in (0: found at an epoch's end)

    def __post_init__(self) -> None:
        if self.dormant_score is None:
            self.dormant_score = np.full(self.width, np.nan, dtype=np.float32)
        if self.dormant is None:
            self.dormant = np.zeros(self.width, dtype=bool)
        if self.death_batch is None:
            self.death_batch = np.zeros(self.width, dtype=np.int32)

    @property
    def width(self) -> int:
        return len(self.state)

    def count(self, state: int) -> int:
        return int((self.state == state).sum())

    @property
    def all_dead(self) -> bool:
        """Every unit dead: nothing passes this layer, and no gradient reaches the layers before it."""
        return bool((self.state == DEAD).all())

    @property
    def nbytes(self) -> int:
        return sum(getattr(self, f.name).nbytes for f in fields(self) if isinstance(getattr(self, f.name), np.ndarray))

    def neuron(self, index: int) -> dict[str, Any]:
        """One unit as plain JSON-ready values."""
        died = int(self.epoch_of_death[index])
        cause = CAUSES[self.cause[index]] if died != ALIVE else None
        return {
            "index": index,
            "state": STATES[self.state[index]],
            "active_fraction": _num(self.active_fraction[index]),
            "grad_norm": _num(self.grad_norm[index]),
            "preact_min": _num(self.preact_min[index]),
            "preact_max": _num(self.preact_max[index]),
            "preact_mean": _num(self.preact_mean[index]),
            "mean_activation": _num(self.mean_activation[index]),
            "bias": _num(self.bias[index]),
            "step": _num(self.step[index]),
            "epoch_of_death": None if died == ALIVE else died,
            "cause": cause,
            "by_bias": bool(self.by_bias[index]) if cause else None,
            "death_step": _num(self.death_step[index]) if cause == "update" else None,
            "death_learning_rate": _num(self.death_lr[index]) if cause == "update" else None,
            "revived": bool(self.revived[index]),
            "dormant_score": _num(self.dormant_score[index]),
            "dormant": bool(self.dormant[index]),
        }


@dataclass
class EpochRecord:
    """The diagnosis of the network after ``epoch`` epochs (plus ``batch`` mini-batches of the next)."""

    epoch: int
    batch: int
    loss: float
    accuracy: float | None
    test_loss: float | None
    test_accuracy: float | None
    learning_rate: float
    diverged: bool
    layers: tuple[LayerRecord, ...]

    def counts(self) -> dict[str, int]:
        return {name: sum(layer.count(code) for layer in self.layers) for code, name in enumerate(STATES)}

    @property
    def n_units(self) -> int:
        return sum(layer.width for layer in self.layers)

    @property
    def nbytes(self) -> int:
        return 128 + sum(layer.nbytes for layer in self.layers)

    def states(self) -> np.ndarray:
        return np.concatenate([layer.state for layer in self.layers])

    def to_dict(self, scenario: str, variant: str) -> dict[str, Any]:
        """The JSONL record: the documented field names, non-finite numbers as null."""
        return {
            "scenario": scenario,
            "variant": variant,
            "epoch": self.epoch,
            **({"batch": self.batch} if self.batch else {}),
            "loss": _num(self.loss),
            "accuracy": _num(self.accuracy),
            "test_loss": _num(self.test_loss),
            "test_accuracy": _num(self.test_accuracy),
            "learning_rate": _num(self.learning_rate),
            "diverged": self.diverged,
            "counts": self.counts(),
            "layers": [
                {
                    "name": layer.name,
                    "activation": layer.activation,
                    "dead": layer.count(DEAD),
                    "dormant": int(layer.dormant.sum()),
                    "neurons": [layer.neuron(i) for i in range(layer.width)],
                }
                for layer in self.layers
            ],
        }


def _num(value: Any) -> float | None:
    """A float32 (or float) as the shortest decimal that reads back the same; None if missing or non-finite."""
    if value is None:
        return None
    value = np.float32(value) if isinstance(value, np.floating) else value
    if not math.isfinite(value):
        return None
    return float(str(value)) if isinstance(value, np.float32) else float(value)


@dataclass(frozen=True)
class Traces:
    """Per-unit series over sampled moments: rows = all hidden units in layer order, columns = epochs
    (or, for a monitored run, records at optimization steps)."""

    epochs: np.ndarray  # (k,) the epoch (or step) of each column
    active_fraction: np.ndarray  # (units, k)
    grad_norm: np.ndarray  # (units, k)
    states: np.ndarray  # (units, k)
    label: str = "epoch"  # what the columns count
