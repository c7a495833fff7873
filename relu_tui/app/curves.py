"""Loss, accuracy and dead share per epoch, drawn with textual-plotext."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from textual_plotext import PlotextPlot

if TYPE_CHECKING:
    from ..snapshot import Snapshot



LEGEND = "[#ffffff]loss ÷ max[/] · [#5fd75f]train acc[/] · [#5fd7d7]test acc[/] · [#ff5f87]dead share[/]"


class Curves(PlotextPlot):
    """Accuracy and dead share (0..1) per epoch, with the loss divided by its largest value; the
    legend is the widget's border title, so the curves keep the whole plot."""

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
        plt.plot(epochs.tolist(), pad(loss / peak).tolist(), color="white", marker="braille")
        if not np.isnan(snapshot.accuracy).all():
            plt.plot(epochs.tolist(), pad(np.nan_to_num(snapshot.accuracy)).tolist(), color="green", marker="braille")
        if not np.isnan(snapshot.test_accuracy).all():
            plt.plot(epochs.tolist(), pad(np.nan_to_num(snapshot.test_accuracy)).tolist(), color="cyan", marker="braille")
        plt.plot(epochs.tolist(), pad(snapshot.dead_fraction).tolist(), color="red", marker="braille")
        plt.ylim(0, 1.02)
        plt.xlim(0, max(int(epochs[-1]), 1))
        self.refresh()
