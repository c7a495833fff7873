"""Unit states from active counts (the rules of :mod:`relu_tui.diagnosis`) and death bookkeeping across records."""

from __future__ import annotations

import numpy as np

from ..records import ACTIVE, ALIVE, DEAD, NEGATIVE, SPARSE
from .runlog import NO_STATE


def classify(active: np.ndarray, inputs: int, can_die: bool, sparse_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Active share (float32) and state codes of units fired ``active`` times on ``inputs`` inputs each:
    never -> dead (negative if the activation cannot die), below the threshold -> sparse, else active.
    With no input, or a count made unknown by NaN pre-activations: share NaN, state NO_STATE."""
    with np.errstate(invalid="ignore", divide="ignore"):
        share = active / inputs if inputs else np.full(active.shape, np.nan)
    state = np.where(share < sparse_threshold, SPARSE, ACTIVE)
    state[active == 0] = DEAD if can_die else NEGATIVE
    state[~np.isfinite(share)] = NO_STATE
    return share.astype(np.float32), state.astype(np.int8)


def track_deaths(state: np.ndarray, previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None, step: int,
                 epoch: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(died_step, died_epoch, revived)`` after a record at ``step``, carried over from the previous record's:
    a unit dead now and not before died now; one not dead now is ALIVE (and revived if it was dead); a unit
    with no state (its layer saw no input) keeps what it had."""
    width = len(state)
    if previous is None:
        previous = np.full(width, ALIVE, dtype=np.int64), np.full(width, ALIVE, dtype=np.int64), np.zeros(width, bool)
    died_step, died_epoch, revived = (array.copy() for array in previous)
    was_dead = died_step != ALIVE
    dead = state == DEAD
    living = (state != DEAD) & (state != NO_STATE)
    died_step[dead & ~was_dead] = step
    died_epoch[dead & ~was_dead] = ALIVE if epoch is None else epoch
    revived |= was_dead & living
    died_step[living] = ALIVE
    died_epoch[living] = ALIVE
    return died_step, died_epoch, revived
