"""Seeded synthetic data sets: each generator returns features ``x`` and labels ``y``.

Classification generators return integer labels 0..k-1; ``sine`` returns
real-valued targets (regression). Every draw comes from the ``rng`` passed in.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from relu_tui.spec.validate import Check, Integer, Number

Arrays = tuple[np.ndarray, np.ndarray]


@dataclass(frozen=True)
class Generator:
    """A data generator: its parameters (check, default), default noise and shape rules."""

    make: Callable[[np.random.Generator, int, float, dict[str, Any]], Arrays]
    params: dict[str, tuple[Check, Any]]
    noise: float
    about: str
    features: Callable[[dict[str, Any]], int] = lambda p: 2
    classes: Callable[[dict[str, Any]], int] = lambda p: 2  # 0 means regression
    # key -> a bound on what it adds to the magnitude of a feature or target (noise: 10 standard
    # deviations), so that parameters which would overflow float32 are refused before drawing.
    extent: Callable[[dict[str, Any], float], dict[str, float]] = lambda p, noise: {"noise": 1.0 + 10 * noise}


def _range_extent(p: dict[str, Any], noise: float) -> dict[str, float]:
    """Values drawn in [low, high] reach the larger of the two magnitudes."""
    end = "low" if abs(p["low"]) > abs(p["high"]) else "high"
    return {end: abs(p[end])}


def _positive_line(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    x = rng.uniform(p["low"], p["high"], size=(n, 2))
    jitter = rng.normal(0.0, noise, size=(n, 2)) if noise > 0 else np.zeros((n, 2))
    seen = x + jitter
    y = (seen[:, 1] > p["slope"] * seen[:, 0] + p["intercept"]).astype(np.int64)
    return x, y


def _blobs(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    k, d = p["n_classes"], p["n_features"]
    if d == 2:
        angles = 2 * math.pi * np.arange(k) / k
        centers = p["radius"] * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        centers = rng.normal(0.0, p["radius"], size=(k, d))
    y = np.arange(n, dtype=np.int64) % k
    x = centers[y] + rng.normal(0.0, noise, size=(n, d))
    return x, y


def _xor(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    x = rng.uniform(-1.0, 1.0, size=(n, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return x + rng.normal(0.0, noise, size=(n, 2)), y


def _circles(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    y = np.arange(n, dtype=np.int64) % 2
    angle = rng.uniform(0.0, 2 * math.pi, size=n)
    radius = np.where(y == 1, p["factor"], 1.0)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return x + rng.normal(0.0, noise, size=(n, 2)), y


def _moons(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    y = np.arange(n, dtype=np.int64) % 2
    t = rng.uniform(0.0, math.pi, size=n)
    upper = np.stack([np.cos(t), np.sin(t)], axis=1)
    lower = np.stack([1.0 - np.cos(t), 0.5 - np.sin(t)], axis=1)
    x = np.where((y == 0)[:, None], upper, lower)
    return x + rng.normal(0.0, noise, size=(n, 2)), y


def _spiral(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    k = p["n_classes"]
    y = np.arange(n, dtype=np.int64) % k
    r = rng.uniform(0.05, 1.0, size=n)
    theta = 2 * math.pi * (p["turns"] * r + y / k)
    x = np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1)
    return x + rng.normal(0.0, noise, size=(n, 2)), y


def _random_teacher(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    d, k = p["n_features"], p["n_classes"]
    x = rng.uniform(p["low"], p["high"], size=(n, d))
    teacher = rng.normal(0.0, 1.0, size=(d, k))
    logits = (x - x.mean(axis=0)) @ teacher
    logits += rng.normal(0.0, noise * logits.std(), size=logits.shape)
    return x, logits.argmax(axis=1).astype(np.int64)


def _sine(rng: np.random.Generator, n: int, noise: float, p: dict[str, Any]) -> Arrays:
    x = rng.uniform(p["low"], p["high"], size=(n, 1))
    y = p["amplitude"] * (np.sin(p["frequency"] * x[:, 0]) + rng.normal(0.0, noise, size=n))
    return x, y


_POSITIVE = Number(low=0, low_open=True)
_CLASSES = Integer(2, 64)

GENERATORS: dict[str, Generator] = {
    "positive_line": Generator(
        _positive_line,
        {"low": (_POSITIVE, 0.5), "high": (_POSITIVE, 5.0), "slope": (Number(), 1.0), "intercept": (Number(), 0.0)},
        noise=0.0,
        about="two always-positive features in [low, high]; class 1 above the line x2 = slope * x1 + intercept",
        extent=_range_extent,  # the noise only moves the labels
    ),
    "blobs": Generator(
        _blobs,
        {"n_classes": (_CLASSES, 3), "n_features": (Integer(1, 4096), 2), "radius": (_POSITIVE, 2.0)},
        noise=0.5,
        about="Gaussian blobs (std = noise) around centres at distance radius from the origin",
        features=lambda p: p["n_features"],
        classes=lambda p: p["n_classes"],
        extent=lambda p, noise: {"radius": 10 * p["radius"], "noise": 10 * noise},
    ),
    "xor": Generator(_xor, {}, noise=0.05, about="uniform in [-1, 1]^2; class 1 where both features share a sign"),
    "circles": Generator(
        _circles, {"factor": (Number(0, 1, low_open=True, high_open=True), 0.5)}, noise=0.05,
        about="a circle (class 1, radius factor) inside a ring (class 0, radius 1)",
    ),
    "moons": Generator(_moons, {}, noise=0.1, about="two interleaving half-moons"),
    "spiral": Generator(
        _spiral, {"n_classes": (_CLASSES, 2), "turns": (_POSITIVE, 0.75)}, noise=0.02,
        about="interleaved spiral arms, one per class",
        classes=lambda p: p["n_classes"],
    ),
    "random_teacher": Generator(
        _random_teacher,
        {"n_features": (Integer(1, 4096), 784), "n_classes": (_CLASSES, 10), "low": (Number(), 0.0),
         "high": (Number(), 1.0)},
        noise=0.0,
        about="features uniform in [low, high]; labels from a random linear teacher (noise blurs its logits)",
        features=lambda p: p["n_features"],
        classes=lambda p: p["n_classes"],
        extent=_range_extent,  # the noise only blurs the teacher's logits, computed in float64
    ),
    "sine": Generator(
        _sine, {"low": (Number(), -3.0), "high": (Number(), 3.0), "frequency": (Number(), 1.0),
                "amplitude": (_POSITIVE, 1.0)}, noise=0.05,
        about="regression: y = amplitude * (sin(frequency * x) + noise) on one feature in [low, high]",
        features=lambda p: 1,
        classes=lambda p: 0,
        extent=lambda p, noise: {**_range_extent(p, noise), "amplitude": p["amplitude"] * (1.0 + 10 * noise)},
    ),
}
