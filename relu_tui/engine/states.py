"""The state rules, one place for the trainer and the Monitor: dead, negative, sparse or active from
how often a unit fires, and the bookkeeping of when a unit died and whether it came back.

NumPy only, so the Monitor's counts and the trainer's full-training-set diagnosis go through the
same code (a test checks that both give the same states and deaths on the same activations).
"""

from __future__ import annotations

import numpy as np

from relu_tui.engine.records import ACTIVE, ALIVE, DEAD, NEGATIVE, SPARSE

NO_STATE = -1  # state code of a unit whose layer saw no counted input


def classify(active: np.ndarray, inputs: int, can_die: bool, sparse_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Active share (float32) and state codes (int8) of units that fired ``active`` times on ``inputs``
    inputs each: never -> dead (negative if the activation still passes gradient below 0), below the
    threshold -> sparse, else active. With no input, or a count made unknown by NaN pre-activations:
    share NaN, state NO_STATE."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = active / inputs if inputs else np.full(np.shape(active), np.nan)
    state = np.where(share < sparse_threshold, SPARSE, ACTIVE)
    state[active == 0] = DEAD if can_die else NEGATIVE
    state[~np.isfinite(share)] = NO_STATE
    return share.astype(np.float32), state.astype(np.int8)


def carry_deaths(state: np.ndarray, died_at: np.ndarray | None, revived: np.ndarray | None,
                 now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """When each unit died, carried over from the previous record (None: this is the first).

    A unit dead now and not before died ``now``; a living one is ALIVE again, and revived if it was
    dead; a unit with no state keeps what it had. Returns ``(died_at, revived, new, still)``: the
    new arrays, and the units that died now and those that were dead already."""
    if died_at is None:
        died_at, revived = np.full(len(state), ALIVE, dtype=np.int64), np.zeros(len(state), bool)
    was_dead = died_at != ALIVE
    dead = state == DEAD
    living = (state != DEAD) & (state != NO_STATE)
    new, still = dead & ~was_dead, dead & was_dead
    died_at = died_at.copy()
    died_at[new] = now
    died_at[living] = ALIVE
    return died_at, revived | (was_dead & living), new, still


# Sokar et al. (2023), "The Dormant Neuron Phenomenon in Deep Reinforcement Learning": a unit is tau-dormant
# when its score is <= tau. They report results for tau = 0 and 0.1 and use 0.1 where dormancy matters for
# activations that cannot die (a score of exactly 0 is a ReLU unit that never fires).
DORMANT_TAU = 0.1


def dormant_score(mean_abs: np.ndarray) -> np.ndarray:
    """Each unit's mean |activation| over the counted inputs divided by its layer's average of that (float32);
    a layer whose average is 0 (or not finite) scores 0 for every unit. Dormant: score <= DORMANT_TAU."""
    mean_abs = np.asarray(mean_abs, dtype=np.float64)
    layer = mean_abs.mean() if mean_abs.size else 0.0
    if not np.isfinite(layer) or layer <= 0:
        return np.zeros(mean_abs.shape, dtype=np.float32)
    return (mean_abs / layer).astype(np.float32)
