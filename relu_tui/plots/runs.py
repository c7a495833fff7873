"""Charts of whole runs for the headless CLI (``relu-tui run --plot``): loss, accuracy and dead
share per epoch, one line per variant when several ran (train and test when one did)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np

from relu_tui.plots.chart import Chart
from relu_tui.plots.colors import DEAD_SHARE_COLOR, LOSS_COLOR, SERIES_COLORS, TEST_COLOR, TRAIN_COLOR
from relu_tui.plots.curves import Curve, loss_chart, share_chart


def _value(value: float | None) -> float:
    return float("nan") if value is None or not math.isfinite(value) else float(value)


@dataclass
class RunHistory:
    """A variant's scalars per epoch, gathered from its records as they stream past."""

    name: str
    classifies: bool
    loss: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    test_accuracy: list[float] = field(default_factory=list)
    dead_share: list[float] = field(default_factory=list)

    def passing(self, records: Iterable) -> Iterator:
        """Each record of ``records`` unchanged, its scalars kept on the way."""
        for record in records:
            self.loss.append(_value(record.loss))
            self.test_loss.append(_value(record.test_loss))
            self.accuracy.append(_value(record.accuracy))
            self.test_accuracy.append(_value(record.test_accuracy))
            self.dead_share.append(record.counts()["dead"] / max(record.n_units, 1))
            yield record


def run_charts(runs: Sequence[RunHistory]) -> list[Chart]:
    """Loss, then accuracy (when the task classifies), then the dead share, per epoch."""
    length = max((len(run.loss) for run in runs), default=1)
    x = np.arange(length, dtype=float)

    def padded(values: list[float]) -> np.ndarray:
        return np.array(values + [np.nan] * (length - len(values)), dtype=float)

    classifies = any(run.classifies for run in runs)
    if len(runs) == 1:
        run = runs[0]
        losses = [Curve("train loss", padded(run.loss), LOSS_COLOR),
                  Curve("test loss", padded(run.test_loss), TEST_COLOR)]
        accuracy = [Curve("train acc", padded(run.accuracy), TRAIN_COLOR),
                    Curve("test acc", padded(run.test_accuracy), TEST_COLOR)]
        dead = [Curve("dead share", padded(run.dead_share), DEAD_SHARE_COLOR)]
        loss_title, accuracy_title = "loss", "accuracy"
    else:
        colors = [SERIES_COLORS[k % len(SERIES_COLORS)] for k in range(len(runs))]
        losses = [Curve(run.name, padded(run.loss), c) for run, c in zip(runs, colors)]
        accuracy = [Curve(run.name, padded(run.accuracy), c) for run, c in zip(runs, colors)]
        dead = [Curve(run.name, padded(run.dead_share), c) for run, c in zip(runs, colors)]
        loss_title, accuracy_title = "train loss", "train accuracy"
    charts = [loss_chart(x, losses, "epoch", loss_title)]
    if classifies:
        charts.append(share_chart(x, accuracy, "epoch", accuracy_title))
    charts.append(share_chart(x, dead, "epoch", "dead share"))
    return charts
