"""Loss beside accuracy and dead share per epoch (or, for a monitored run, per step), as plotext charts.

The losses have an axis of their own (logarithmic when they span a decade), so the dead share,
on the 0..1 axis of the shares, never sits on the loss line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from relu_tui.app.widgets.chart import ChartView, legend_markup
from relu_tui.plots.colors import DEAD_SHARE_COLOR as DEAD_SHARE
from relu_tui.plots.colors import LOSS_COLOR as LOSS
from relu_tui.plots.colors import TEST_COLOR as TEST
from relu_tui.plots.colors import TRAIN_COLOR as TRAIN
from relu_tui.plots.curves import Curve, loss_chart, share_chart, share_top

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot
    from relu_tui.monitor.view import RunView
    from relu_tui.plots.chart import Chart

class Curves(ChartView):
    """Train and test loss; train and test accuracy (a regression has none) and the dead share. The
    legend is the widget's border title and names only the curves drawn."""

    _legend = ""

    def show(self, snapshot: Snapshot) -> None:
        x = np.arange(len(snapshot.loss), dtype=float)
        losses = [Curve("train loss", snapshot.loss, LOSS), Curve("test loss", snapshot.test_loss, TEST)]
        shares = [Curve("train acc", snapshot.accuracy, TRAIN), Curve("test acc", snapshot.test_accuracy, TEST)]
        shares = [*(shares if snapshot.classifies else []), Curve("dead share", snapshot.dead_fraction, DEAD_SHARE)]
        self.draw([loss_chart(x, losses, "epoch"), share_chart(x, shares, "epoch")])

    def draw(self, charts: list[Chart]) -> None:
        title = " │ ".join(legend_markup(chart) for chart in charts)
        if title != self._legend:  # setting a border title repaints the whole widget
            self.border_title = self._legend = title
        self.plot(charts)


class RunCurves(Curves):
    """A monitored run's loss and dead share per record, against its optimization steps. The dead
    share's axis tops at 0.1% to 100% (:func:`share_top`, named in the legend), so a small share is not
    a flat line at 0."""

    def show(self, view: RunView) -> None:
        x = view.steps.astype(float)
        top = share_top(view.dead_fraction)
        label = "dead share" if top == 1 else f"dead share (top {100 * top:g}%)"
        self.draw([loss_chart(x, [Curve("loss", view.loss, LOSS)], "step"),
                   share_chart(x, [Curve(label, view.dead_fraction, DEAD_SHARE)], "step", top=top)])
