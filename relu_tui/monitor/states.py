"""Death bookkeeping across the Monitor's records, by the shared rules of :mod:`relu_tui.engine.states`."""

from __future__ import annotations

import numpy as np

from relu_tui.engine.records import ALIVE, DEAD
from relu_tui.engine.states import NO_STATE, carry_deaths


def track_deaths(state: np.ndarray, previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None, step: int,
                 epoch: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(died_step, died_epoch, revived)`` after a record at ``step``, carried over from the previous
    record's: a unit's step and epoch of death, and whether it came back once."""
    died_step, died_epoch, revived = (None, None, None) if previous is None else previous
    died_step, revived, new, _ = carry_deaths(state, died_step, revived, step)
    if previous is not None and died_step is previous[0]:  # no unit died or came back: nothing moves
        return died_step, died_epoch, revived
    died_epoch = np.full(len(state), ALIVE, dtype=np.int64) if died_epoch is None else died_epoch.copy()
    died_epoch[new] = ALIVE if epoch is None else epoch
    died_epoch[died_step == ALIVE] = ALIVE
    return died_step, died_epoch, revived


def deaths_over(states: np.ndarray, previous: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
                steps: list[int], epochs: list[int | None]) -> list[np.ndarray]:
    """:func:`track_deaths` record after record for ``states`` (one row per record): ``[died_step,
    died_epoch, revived]``, one row per record, the last row being what the next record carries over. Only
    the records whose dead set differs from the one before are worked out; the others copy the row before."""
    k, units = states.shape
    dead = states == DEAD
    changed = np.ones(k, dtype=bool)
    # With no unit of unknown state a unit counts as dead after a record exactly when it is dead in it, so
    # comparing each record's dead set with the previous record's is comparing it with the deaths so far.
    if previous is not None and not (states == NO_STATE).any():
        changed[0] = not np.array_equal(dead[0], previous[0] != ALIVE)
        changed[1:] = (dead[1:] != dead[:-1]).any(axis=1)
    rows = [np.empty((k, units), dtype=np.int64), np.empty((k, units), dtype=np.int64), np.empty((k, units), bool)]
    deaths, start = previous, 0
    for i in np.flatnonzero(changed).tolist():
        for out, now in zip(rows, deaths or ()):
            out[start:i] = now
        deaths = track_deaths(states[i], deaths, steps[i], epochs[i])
        start = i
    for out, now in zip(rows, deaths):
        out[start:] = now
    return rows
