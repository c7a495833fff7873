"""Dead on the data, or dead everywhere: second-layer units stably unactivated at initialization.

"Stably unactivated neurons in ReLU neural networks" (arXiv, December 2024) proves that with i.i.d.
symmetric weights and biases, a unit of the second layer, z(x) = c + sum_i v_i relu(w_i . x + b_i),
is at most 0 on all of R^n0 with probability exactly 1 / 2^(n1 + 1) when the first layer's width
n1 <= n0, and (2^n0 + 1) / 4^(n0 + 1) when n1 = n0 + 1. Here that is checked exactly, not on a sample:
z is piecewise linear, so it is <= 0 everywhere if and only if

* it is <= 0 where the pieces meet: the breakpoints -b_i / w_i for n0 = 1; for n0 = 2, the vertices
  of the arrangement of the lines w_i . x + b_i = 0, and one point on each line (a single line has
  no vertex), and
* it does not grow at infinity: g(d) = sum_i v_i relu(w_i . d) <= 0 in every direction d, which it
  is if it is at the directions along each line, and midway between consecutive ones (g is linear
  between them).

Beside it, whether the unit is dead on the data: at most 0 on a grid over [low, high]^n0.
NumPy only; all trials of one (n0, n1) run as one batch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from relu_tui.engine.seeding import numpy_rng


def published(n0: int, n1: int) -> float | None:
    """The paper's probability that a second-layer unit is dead on all of R^n0, where it gives one."""
    if n1 <= n0:
        return 1.0 / 2 ** (n1 + 1)
    if n1 == n0 + 1:
        return (2 ** n0 + 1) / 4 ** (n0 + 1)
    return None


def _value(x: np.ndarray, w: np.ndarray, b: np.ndarray, v: np.ndarray, c: np.ndarray) -> np.ndarray:
    """z at points ``x`` (trials, k, n0) of nets w (trials, n1, n0), b and v (trials, n1), c (trials,)."""
    pre = np.einsum("tkd,tnd->tkn", x, w) + b[:, None, :]
    return c[:, None] + np.einsum("tkn,tn->tk", np.maximum(pre, 0.0), v)


def _growth(d: np.ndarray, w: np.ndarray, v: np.ndarray) -> np.ndarray:
    """g at directions ``d`` (trials, k, n0): how fast z grows along them at infinity."""
    return np.einsum("tkn,tn->tk", np.maximum(np.einsum("tkd,tnd->tkn", d, w), 0.0), v)


def dead_everywhere(w: np.ndarray, b: np.ndarray, v: np.ndarray, c: np.ndarray) -> np.ndarray:
    """For each trial, whether z <= 0 on all of R^n0 (n0 = 1 or 2), exactly."""
    trials, n1, n0 = w.shape
    if n0 == 1:
        points = (-b / w[:, :, 0])[:, :, None]
        directions = np.broadcast_to(np.array([[1.0], [-1.0]]), (trials, 2, 1))
    elif n0 == 2:
        feet = -b[..., None] * w / (w * w).sum(axis=2, keepdims=True)  # a point on each line
        i, j = np.triu_indices(n1, k=1)
        wi, wj = w[:, i], w[:, j]  # (trials, pairs, 2): the normals of two lines, which meet where
        det = wi[..., 0] * wj[..., 1] - wi[..., 1] * wj[..., 0]  # ... this is not 0 (Cramer's rule)
        crossing = np.abs(det) > 1e-12 * np.linalg.norm(wi, axis=2) * np.linalg.norm(wj, axis=2)
        safe = np.where(crossing, det, 1.0)
        bi, bj = b[:, i], b[:, j]
        vertices = np.stack([(-bi * wj[..., 1] + bj * wi[..., 1]) / safe, (-bj * wi[..., 0] + bi * wj[..., 0]) / safe], axis=2)
        vertices = np.where(crossing[..., None], vertices, feet[:, i])  # parallel lines: a point on one of them
        points = np.concatenate([vertices, feet], axis=1)
        along = np.arctan2(w[:, :, 0], -w[:, :, 1])  # the direction of each line
        angles = np.sort(np.concatenate([along, along + math.pi], axis=1) % (2 * math.pi), axis=1)
        gaps = np.diff(np.concatenate([angles, angles[:, :1] + 2 * math.pi], axis=1), axis=1)
        angles = np.concatenate([angles, angles + gaps / 2], axis=1)
        directions = np.stack([np.cos(angles), np.sin(angles)], axis=2)
    else:
        raise ValueError(f"exact only for 1 or 2 inputs, not {n0}")
    return (_value(points, w, b, v, c) <= 0).all(axis=1) & (_growth(directions, w, v) <= 0).all(axis=1)


def grid(n0: int, points: int, low: float, high: float) -> np.ndarray:
    """About ``points`` inputs evenly spaced on [low, high]^n0, ends included: (k, n0)."""
    side = np.linspace(low, high, max(2, round(points ** (1 / n0))))
    return np.stack(np.meshgrid(*[side] * n0, indexing="ij"), axis=-1).reshape(-1, n0)


@dataclass(frozen=True)
class StablePoint:
    """One (inputs, width) cell: how many of ``trials`` second-layer units are dead everywhere and on the data."""

    inputs: int  # n0
    width: int  # n1, the first layer
    trials: int
    dead_everywhere: int
    dead_on_data: int

    @property
    def everywhere_fraction(self) -> float:
        return self.dead_everywhere / self.trials

    @property
    def on_data_fraction(self) -> float:
        return self.dead_on_data / self.trials

    @property
    def standard_error(self) -> float:
        p = self.everywhere_fraction
        return math.sqrt(p * (1.0 - p) / self.trials)

    @property
    def published(self) -> float | None:
        return published(self.inputs, self.width)

    def to_dict(self, scenario: str) -> dict[str, object]:
        return {"scenario": scenario, "inputs": self.inputs, "width": self.width, "trials": self.trials,
                "dead_everywhere": self.dead_everywhere, "dead_everywhere_fraction": self.everywhere_fraction,
                "standard_error": self.standard_error, "published": self.published,
                "dead_on_data": self.dead_on_data, "dead_on_data_fraction": self.on_data_fraction}


def measure(n0: int, n1: int, trials: int, seed: int, points: int = 256, low: float = -math.sqrt(3),
            high: float = math.sqrt(3)) -> StablePoint:
    """``trials`` random two-layer nets with i.i.d. N(0, 1) weights and biases (any symmetric law gives
    the same probabilities): is the second-layer unit dead everywhere, and on the grid?"""
    rng = numpy_rng(seed, "stably_unactivated", n0, n1)
    w = rng.standard_normal((trials, n1, n0))
    b, v = rng.standard_normal((trials, n1)), rng.standard_normal((trials, n1))
    c = rng.standard_normal(trials)
    x = np.broadcast_to(grid(n0, points, low, high), (trials, *grid(n0, points, low, high).shape))
    on_data = (_value(x, w, b, v, c) <= 0).all(axis=1)
    return StablePoint(n0, n1, trials, int(dead_everywhere(w, b, v, c).sum()), int(on_data.sum()))
