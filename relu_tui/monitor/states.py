"""Death bookkeeping across the Monitor's records, by the shared rules of :mod:`relu_tui.engine.states`."""

from __future__ import annotations

import numpy as np

from relu_tui.engine.records import ALIVE
from relu_tui.engine.states import carry_deaths


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
