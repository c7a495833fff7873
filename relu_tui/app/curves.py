"""Loss, accuracy and dead share per epoch, as a braille line chart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .chart import LineChart, Series

if TYPE_CHECKING:
    from ..snapshot import Snapshot

LOSS, TRAIN, TEST, DEAD_SHARE = "#ffffff", "#5fd75f", "#5fd7d7", "#ff5f87"
LEGEND = f"[{LOSS}]loss ÷ max[/] · [{TRAIN}]train acc[/] · [{TEST}]test acc[/] · [{DEAD_SHARE}]dead share[/]"


def loss_share(loss: np.ndarray) -> np.ndarray:
    """The loss divided by its largest finite value, so it shares the 0..1 axis; NaN where not finite."""
    loss = np.where(np.isfinite(loss), loss, np.nan)
    peak = float(np.nanmax(loss)) if np.isfinite(loss).any() and np.nanmax(loss) > 0 else 1.0
    return loss / peak


class Curves(LineChart):
    """Accuracy and dead share (0..1) per epoch, with the loss divided by its largest value; the
    legend is the widget's border title, so the curves keep the whole panel."""

    def show(self, snapshot: Snapshot) -> None:
        epochs = np.arange(len(snapshot.loss), dtype=float)
        series = [Series(epochs, loss_share(snapshot.loss), LOSS)]
        for values, color in ((snapshot.accuracy, TRAIN), (snapshot.test_accuracy, TEST)):
            if not np.isnan(values).all():
                series.append(Series(epochs, values, color))
        series.append(Series(epochs, snapshot.dead_fraction, DEAD_SHARE))
        self.plot(series, (0.0, max(float(epochs[-1]), 1.0)), (0.0, 1.0), x_label="epoch")
