"""Loss, accuracy and dead share per epoch (or, for a monitored run, per step) as a braille line chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from relu_tui.app.widgets.chart import LineChart, Series
from relu_tui.app.palette import DEAD_SHARE_COLOR as DEAD_SHARE
from relu_tui.app.palette import LOSS_COLOR as LOSS
from relu_tui.app.palette import TEST_COLOR as TEST
from relu_tui.app.palette import TRAIN_COLOR as TRAIN

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot
    from relu_tui.monitor.view import RunView


def legend(entries: list[tuple[str, str]]) -> str:
    """The border title naming each curve (label, colour) in its colour."""
    return " · ".join(f"[{color}]{label}[/]" for label, color in entries)


LEGEND = legend([("loss ÷ max", LOSS), ("train acc", TRAIN), ("test acc", TEST), ("dead share", DEAD_SHARE)])
RUN_LEGEND = legend([("loss ÷ max", LOSS), ("dead share", DEAD_SHARE)]) + " per step"


def loss_share(loss: np.ndarray) -> np.ndarray:
    """The loss divided by its largest finite value, so it shares the 0..1 axis; NaN where not finite.
    The rows of a 2-d array (train and test loss) share one divisor."""
    loss = np.where(np.isfinite(loss), loss, np.nan)
    peak = float(np.nanmax(loss)) if np.isfinite(loss).any() and np.nanmax(loss) > 0 else 1.0
    return loss / peak


class Curves(LineChart):
    """Accuracy (a regression has none: its test loss instead) and dead share (0..1) per epoch, with
    the loss divided by its largest value; the legend is the widget's border title and names only
    the curves drawn."""

    _legend = ""

    def show(self, snapshot: Snapshot) -> None:
        if snapshot.classifies:
            curves = [(loss_share(snapshot.loss), "loss ÷ max", LOSS), (snapshot.accuracy, "train acc", TRAIN),
                      (snapshot.test_accuracy, "test acc", TEST)]
        else:
            train, test = loss_share(np.stack([snapshot.loss, snapshot.test_loss]))
            curves = [(train, "loss ÷ max", LOSS), (test, "test loss ÷ max", TEST)]
        curves = [curves[0], *(c for c in curves[1:] if not np.isnan(c[0]).all()),  # no test split: no test curve
                  (snapshot.dead_fraction, "dead share", DEAD_SHARE)]
        title = legend([(label, color) for _, label, color in curves])
        if title != self._legend:  # setting a border title repaints the whole widget
            self.border_title = self._legend = title
        self.draw(np.arange(len(snapshot.loss), dtype=float), [(values, color) for values, _, color in curves], "epoch")

    def draw(self, x: np.ndarray, curves: list[tuple[np.ndarray, str]], x_label: str) -> None:
        """Each curve (values, colour) against ``x``, on the 0..1 axis they share."""
        x_range = (float(x[0]), max(float(x[-1]), float(x[0]) + 1))
        self.plot([Series(x, values, color) for values, color in curves], x_range, (0.0, 1.0), x_label=x_label)


SHARE_TOPS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)  # the dead share axis's top, at least


def share_top(shares: np.ndarray) -> float:
    """The smallest of SHARE_TOPS at or above every share: 0.6% dead is drawn against a top of 1%."""
    peak = float(np.nanmax(shares)) if np.isfinite(shares).any() else 0.0
    return next(top for top in SHARE_TOPS if peak <= top)


class RunCurves(Curves):
    """A monitored run's loss ÷ max and dead share per record, against its optimization steps. The dead
    share is drawn against a top of 0.1% to 100% (:func:`share_top`), named in the legend, so a small share
    is not a flat line at 0."""

    def show(self, view: RunView) -> None:
        top = share_top(view.dead_fraction)
        title = RUN_LEGEND if top == 1 else legend([("loss ÷ max", LOSS),
                                                    (f"dead share (top {100 * top:g}%)", DEAD_SHARE)]) + " per step"
        if title != self._legend:
            self.border_title = self._legend = title
        self.draw(view.steps.astype(float), [(loss_share(view.loss), LOSS), (view.dead_fraction / top, DEAD_SHARE)],
                  "step")
