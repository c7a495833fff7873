"""Charts of what the network computes, on screen: the selected layer's activation histogram and,
for one-input regression, the fit (the output over x against the targets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from relu_tui.app.widgets.chart import ChartView, legend_markup
from relu_tui.plots.network import fit_chart, histogram_chart

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot


class LayerHistogram(ChartView):
    """The selected layer's activations: exact zeros as their own bar, the rest in bins."""

    def show(self, snapshot: Snapshot, layer: int) -> str:
        """Draw layer ``layer``'s histogram; its legend, in markup, for the panel's title."""
        spread = snapshot.spreads[min(layer, len(snapshot.spreads) - 1)]
        chart = histogram_chart(spread.histogram, spread.edges, spread.zero_share)
        self.plot([chart])
        return f"{spread.name}: {legend_markup(chart)}"


class FitView(ChartView):
    """The network's output over x (a line) against the training targets (dots): a born-dead
    network draws a flat line."""

    def show(self, snapshot: Snapshot) -> None:
        fit = snapshot.fit
        if fit is None:
            return
        chart = fit_chart(fit.x, fit.output, fit.points, fit.targets)
        title = f"Fit: {legend_markup(chart)}"
        if title != self._title:  # setting a border title repaints the whole widget
            self.border_title = self._title = title
        self.plot([chart])

    _title = ""
