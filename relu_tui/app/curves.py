"""Loss, accuracy and dead share per epoch, drawn with textual-plotext."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from ..snapshot import Snapshot



class Curves(PlotextPlot):
    """Left axis: accuracy and dead share (0..1); the loss is scaled into the same box and labelled."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.snapshot: Snapshot | None = None

    def show(self, snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        epochs = np.arange(len(snapshot.loss))
        loss = np.nan_to_num(snapshot.loss, nan=0.0, posinf=0.0)
        peak = float(loss.max()) if loss.size and loss.max() > 0 else 1.0
        if len(epochs) == 1:
            epochs = np.array([0, 0])
            pad = lambda a: np.repeat(a, 2)
        else:
            pad = lambda a: a
        plt.plot(epochs.tolist(), pad(loss / peak).tolist(), label=f"loss / {peak:.3g}", color="white", marker="braille")
        if not np.isnan(snapshot.accuracy).all():
            plt.plot(epochs.tolist(), pad(np.nan_to_num(snapshot.accuracy)).tolist(), label="train acc",
                     color="green", marker="braille")
        if not np.isnan(snapshot.test_accuracy).all():
            plt.plot(epochs.tolist(), pad(np.nan_to_num(snapshot.test_accuracy)).tolist(), label="test acc",
                     color="cyan", marker="braille")
        plt.plot(epochs.tolist(), pad(snapshot.dead_fraction).tolist(), label="dead share", color="red",
                 marker="braille")
        plt.ylim(0, 1.02)
        plt.xlim(0, max(int(epochs[-1]), 1))
        self.refresh()
