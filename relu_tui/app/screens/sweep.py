"""The sweep screen. Born dead: probability that a net is born dead against depth, one line per width
and init, and the analytic bound for zero biases. Stably unactivated: probability that a second-layer
unit is dead everywhere against the first layer's width, beside the published value and dead on the data."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static

from relu_tui.app.palette import DIM, SERIES_COLORS
from relu_tui.app.screens.main import QUIT
from relu_tui.app.widgets.chart import LineChart, Series

if TYPE_CHECKING:
    from relu_tui.engine.small_targets import TargetPoint
    from relu_tui.engine.stably_unactivated import StablePoint
    from relu_tui.engine.sweep import SweepPoint
    from relu_tui.spec.scenario import Scenario

_COLORS = SERIES_COLORS
_STYLE = {"he": ("──", {}), "he_zero_bias": ("╌╌", {"dashed": True}), "rai": ("··", {"dotted": True})}


class SweepScreen(Screen[None]):
    """Fills in as the grid points finish; escape or w goes back."""

    BINDINGS = [Binding("escape,w", "app.pop_screen", "Back", key_display="w"), QUIT]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        spec = self.scenario.sweep
        if spec.kind == "small_targets":
            about = Text(f"{self.scenario.title}: share of units dead after training", style="bold")
            about.append(f"\n{spec.trials} regression nets per point, {spec.steps} full-batch SGD steps on y = scale * "
                         "sin(x). Solid: dead after training; dotted: alive at birth, dead after; grey: dead at birth.",
                         style="dim")
        elif spec.kind == "stably_unactivated":
            about = Text(f"{self.scenario.title}: share of second-layer units dead on all of R^n0", style="bold")
            about.append(f"\n{spec.trials} two-layer nets per point, i.i.d. N(0, 1) weights and biases. Solid: dead "
                         "everywhere (exact); dotted: dead on a grid of the data range; grey: the published value.",
                         style="dim")
        else:
            about = Text(f"{self.scenario.title}: share of random nets born dead", style="bold")
            about.append(f"\n{spec.trials} nets per point, one input on {spec.points} points of [{spec.low:.3g}, "
                         f"{spec.high:.3g}]; a net is born dead when some layer gives one output for every input. "
                         "Grey: the bound 1 - (1 - 2^-width)^depth for zero biases.", style="dim")
        yield Static(about, id="sweep-title")
        yield ProgressBar(total=spec.size, id="sweep-progress", show_eta=False)
        yield LineChart(id="sweep-plot")
        yield Static(id="sweep-legend")
        yield Static(id="sweep-table")
        yield Footer()

    def show(self, points: list[SweepPoint] | list[StablePoint] | list[TargetPoint]) -> None:
        spec = self.scenario.sweep
        self.query_one(ProgressBar).update(progress=len(points))
        if spec.kind == "stably_unactivated":
            self._show_stable(points)
        elif spec.kind == "small_targets":
            self._show_targets(points)
        else:
            self._show_born_dead(points)
        done = len(points) == spec.size
        self.query_one("#sweep-table", Static).update(
            Text("done" if done else f"{len(points)} of {spec.size} grid points…", style="dim"))

    def _show_born_dead(self, points: list[SweepPoint]) -> None:
        spec = self.scenario.sweep
        series, legend = [], Text()
        for width in spec.widths:  # the bounds first, so the measured lines cover them where they meet
            bound = sorted((p.depth, p.bound) for p in points if p.width == width and p.bound is not None)
            if bound:
                depth, value = np.array(bound, dtype=float).T
                series.append(Series(depth, value, DIM.color.name))
        for w_index, width in enumerate(spec.widths):
            color = _COLORS[w_index % len(_COLORS)]
            legend.append(f"width {width}  ", style=color)
            for init in spec.inits:
                line = sorted((p.depth, p.born_dead_fraction) for p in points if p.width == width and p.init == init)
                if line:
                    depth, share = np.array(line, dtype=float).T
                    series.append(Series(depth, share, color, **_STYLE[init][1]))
        legend.append("  " + "  ".join(f"{_STYLE[init][0]} {init}" for init in spec.inits))
        if "he_zero_bias" in spec.inits:
            legend.append("  ── bound (he_zero_bias)", style=DIM)
        self.query_one(LineChart).plot(series, (min(spec.depths), max(spec.depths)), (0.0, 1.0),
                                       x_label="depth (hidden layers) · y: P(born dead)")
        self.query_one("#sweep-legend", Static).update(legend)

    def _show_targets(self, points: list[TargetPoint]) -> None:
        spec = self.scenario.sweep
        series, legend = [], Text()
        xs = [0.0 - math.log10(scale) for scale in spec.scales]  # 0.0 - : no "-0" for a scale of 1
        if points:
            series.append(Series(np.array(xs), np.full(len(xs), points[0].dead_at_birth), DIM.color.name, dashed=True))
        cells = [(w, d, m) for w in spec.widths for d in spec.depths for m in spec.momenta]
        for index, (width, depth, momentum) in enumerate(cells):
            color = _COLORS[index % len(_COLORS)]
            legend.append(f"momentum {momentum:g}" + (f" ({width}x{depth})" if len(cells) > len(spec.momenta) else "")
                          + "  ", style=color)
            mine = sorted(((0.0 - math.log10(p.scale), p) for p in points
                           if (p.width, p.depth, p.momentum) == (width, depth, momentum)), key=lambda item: item[0])
            if mine:
                x = np.array([item[0] for item in mine])
                series.append(Series(x, np.array([item[1].died for item in mine]), color, dotted=True))
                series.append(Series(x, np.array([item[1].dead for item in mine]), color))
        legend.append("  ── dead after training  ·· died in training")
        legend.append("  ╌╌ dead at birth", style=DIM)
        top = max([0.5, *(p.dead for p in points)])
        self.query_one(LineChart).plot(series, (min(xs), max(xs)), (0.0, float(np.ceil(top * 10) / 10)),
                                       x_label="-log10(target scale) · y: share of units dead")
        self.query_one("#sweep-legend", Static).update(legend)

    def _show_stable(self, points: list[StablePoint]) -> None:
        spec = self.scenario.sweep
        series, legend = [], Text()
        for index, n0 in enumerate(spec.inputs):
            color = _COLORS[index % len(_COLORS)]
            mine = sorted((p for p in points if p.inputs == n0), key=lambda p: p.width)
            legend.append(f"n0 = {n0}  ", style=color)
            published = [(p.width, p.published) for p in mine if p.published is not None]
            if published:
                width, value = np.array(published, dtype=float).T
                series.append(Series(width, value, DIM.color.name, dashed=True))
            if mine:
                width = np.array([p.width for p in mine], dtype=float)
                series.append(Series(width, np.array([p.on_data_fraction for p in mine]), color, dotted=True))
                series.append(Series(width, np.array([p.everywhere_fraction for p in mine]), color))
        legend.append("  ── dead everywhere  ·· dead on the data")
        legend.append("  ╌╌ published", style=DIM)
        top = max([0.5, *(p.on_data_fraction for p in points)])
        self.query_one(LineChart).plot(series, (min(spec.widths), max(spec.widths)), (0.0, float(np.ceil(top * 10) / 10)),
                                       x_label="n1 (first layer's width) · y: P(second-layer unit dead)")
        self.query_one("#sweep-legend", Static).update(legend)
