"""TensorFlow Playground's input features: what the network sees of two-coordinate data.

``data.features`` lists some of these; each is computed from the data's two coordinates ``x1``, ``x2``
before the transform (which then applies to every feature).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Feature:
    label: str  # its name on screen
    compute: Callable[[np.ndarray], np.ndarray]  # (n, 2) coordinates -> (n,) values
    power: int  # how it scales with the coordinates: 2 for a square or a product, else 1


FEATURES: dict[str, Feature] = {
    "x1": Feature("x1", lambda x: x[:, 0], 1),
    "x2": Feature("x2", lambda x: x[:, 1], 1),
    "x1^2": Feature("x1²", lambda x: x[:, 0] ** 2, 2),
    "x2^2": Feature("x2²", lambda x: x[:, 1] ** 2, 2),
    "x1*x2": Feature("x1·x2", lambda x: x[:, 0] * x[:, 1], 2),
    "sin(x1)": Feature("sin x1", lambda x: np.sin(x[:, 0]), 0),
    "sin(x2)": Feature("sin x2", lambda x: np.sin(x[:, 1]), 0),
}


def expand(x: np.ndarray, features: tuple[str, ...]) -> tuple[np.ndarray, tuple[str, ...]]:
    """The chosen ``features`` of two-coordinate data ``x``, as columns, and their labels."""
    columns = [FEATURES[name].compute(x) for name in features]
    return np.stack(columns, axis=1), tuple(FEATURES[name].label for name in features)


def reach(features: tuple[str, ...], bound: float) -> float:
    """A bound on the features' magnitude when each coordinate's is at most ``bound``."""
    return max(1.0 if FEATURES[name].power == 0 else bound ** FEATURES[name].power for name in features)
