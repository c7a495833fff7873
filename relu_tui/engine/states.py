"""The state rules, one place for the trainer and the Monitor: dead, negative, sparse or active from
how often a unit fires, dormant from how much it outputs, and the bookkeeping of when a unit died
and whether it came back.

NumPy only, so the Monitor's counts and the trainer's full-training-set diagnosis go through the
same code (a test checks that both give the same states and deaths on the same activations).
"""

from __future__ import annotations

import numpy as np

from relu_tui.engine.records import ACTIVE, ALIVE, DEAD, NEGATIVE, SPARSE

NO_STATE = -1  # state code of a unit whose layer saw no counted input
_ACTIVE, _SPARSE, _DEAD, _NEGATIVE = (np.int8(code) for code in (ACTIVE, SPARSE, DEAD, NEGATIVE))


def classify(active: np.ndarray, inputs: int | np.ndarray, can_die: bool | np.ndarray,
             sparse_threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Active share (float32) and state codes (int8) of units that fired ``active`` times on ``inputs``
    inputs each: never -> dead (negative if the activation still passes gradient below 0), below the
    threshold -> sparse, else active. With no input, or a count made unknown by NaN pre-activations:
    share NaN, state NO_STATE. ``inputs`` and ``can_die`` may be given per unit, so that units of several
    layers go through at once."""
    active = np.asarray(active, dtype=np.float64)
    share = per_input(active, inputs)
    state = np.where(share < sparse_threshold, _SPARSE, _ACTIVE)
    np.copyto(state, np.where(can_die, _DEAD, _NEGATIVE), where=active == 0)
    unknown = ~np.isfinite(share)
    if unknown.any():
        state[unknown] = NO_STATE
    return share.astype(np.float32), state


def per_input(totals: np.ndarray, inputs: int | np.ndarray) -> np.ndarray:
    """``totals`` over ``inputs`` (a number, or one per unit) as float64: NaN where there was no input,
    without a warning."""
    inputs = np.asarray(inputs)
    if inputs.all():  # every unit saw inputs: the usual case, in one division
        return np.asarray(totals, dtype=np.float64) / inputs
    out = np.full(np.shape(totals), np.nan)
    np.divide(totals, inputs, out=out, where=inputs > 0)
    return out


def dormant(mean_abs: np.ndarray, tau: float, widths: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """tau-dormant scores (float32) and flags of one layer's units (Sokar, Agarwal, Castro and Evci, 2023).

    A unit's score is its mean |activation| over the inputs, ``mean_abs``, divided by the layer's
    average of that; it is dormant when the score is <= ``tau`` (tau = 0: its output is exactly 0 on
    every input). A layer whose every output is 0 scores 0 throughout; a non-finite mean gives NaN
    scores, and no unit dormant. With ``widths``, ``mean_abs`` holds several layers' units one layer after
    another, each layer scored against its own average. Units are along the last axis: a 2-D ``mean_abs``
    is several records, each scored on its own."""
    mean_abs = np.asarray(mean_abs, dtype=np.float64)
    if widths is None:
        average = np.full(mean_abs.shape, np.nan)
        if mean_abs.size:
            average[...] = mean_abs.mean(axis=-1, keepdims=True)
    else:
        average = np.repeat(_layer_means(mean_abs, np.asarray(widths)), widths, axis=-1)
    if np.isfinite(average).all() and average.all():  # the usual case, in one division
        score = mean_abs / average
    else:
        score = np.full(mean_abs.shape, np.nan)
        finite = np.isfinite(average)
        np.divide(mean_abs, average, out=score, where=finite & (average != 0))  # no warning: no 0 or NaN divisor
        score[finite & (average == 0)] = 0.0
    return score.astype(np.float32), score <= tau


def _layer_means(values: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """The mean of each layer's run of ``values`` along the last axis (NaN for a layer of no unit)."""
    if not len(widths):
        return np.full((*values.shape[:-1], 0), np.nan)
    if widths.all():  # the usual case: no layer without units, so reduceat's starts are all distinct
        return np.add.reduceat(values, np.cumsum(widths) - widths, axis=-1) / widths
    means = np.full((*values.shape[:-1], len(widths)), np.nan)
    some = widths > 0
    if some.any():
        starts = np.concatenate([[0], np.cumsum(widths)[:-1]])[some]
        means[..., some] = np.add.reduceat(values, starts, axis=-1) / widths[some]
    return means


def carry_deaths(state: np.ndarray, died_at: np.ndarray | None, revived: np.ndarray | None,
                 now: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """When each unit died, carried over from the previous record (None: this is the first).

    A unit dead now and not before died ``now``; a living one is ALIVE again, and revived if it was
    dead; a unit with no state keeps what it had. Returns ``(died_at, revived, new, still)``: the
    new arrays (the given ones when no unit died or came back; neither is changed in place), and the units
    that died now and those that were dead already."""
    if died_at is None:
        died_at, revived = np.full(len(state), ALIVE, dtype=np.int64), np.zeros(len(state), bool)
    was_dead = died_at != ALIVE
    dead = state == DEAD
    if np.array_equal(dead, was_dead):  # the usual record: the same units dead as before
        return died_at, revived, np.zeros_like(dead), dead
    living = (state != DEAD) & (state != NO_STATE)
    new, still = dead & ~was_dead, dead & was_dead
    died_at = died_at.copy()
    died_at[new] = now
    died_at[living] = ALIVE
    return died_at, revived | (was_dead & living), new, still
