"""Loss, accuracy and dead share per epoch, as a braille line chart."""

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



def legend(entries: list[tuple[str, str]]) -> str:
    """The border title naming each curve (label, colour) in its colour."""
    return " · ".join(f"[{color}]{label}[/]" for label, color in entries)


LEGEND = legend([("loss ÷ max", LOSS), ("train acc", TRAIN), ("test acc", TEST), ("dead share", DEAD_SHARE)])


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
        epochs = np.arange(len(snapshot.loss), dtype=float)
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
        series = [Series(epochs, values, color) for values, _, color in curves]
        self.plot(series, (0.0, max(float(epochs[-1]), 1.0)), (0.0, 1.0), x_label="epoch")
