"""The charts (relu_tui.plots, drawn by plotext): ticks, titles, legends, the log loss axis, the
sweep's bound line, the fit and the histogram; and the unit pictures."""

from __future__ import annotations

import numpy as np

from relu_tui.app.widgets.chart import ansi_strip, chart_strips
from relu_tui.app.widgets.pictures import thumbnail
from relu_tui.plots.chart import Chart, Series, Ticks, dense, legend_line, nice_ticks, plain, render, thin
from relu_tui.plots.colors import BOUND_COLOR, ZERO_COLOR
from relu_tui.plots.curves import Curve, loss_chart, share_chart
from relu_tui.plots.matrix import redraw_ticks
from relu_tui.plots.network import fit_chart, histogram_chart
from relu_tui.plots.sweep import BoundLine, SweepLine, sweep_chart

BRAILLE = range(0x2801, 0x2900)


def text(lines: list[str]) -> list[str]:
    return [plain(line) for line in lines]


def dotted_rows(lines: list[str]) -> set[int]:
    """The rows holding braille dots (a drawn line)."""
    return {r for r, line in enumerate(text(lines)) if any(ord(c) in BRAILLE for c in line)}


def escape(color: str) -> str:
    r, g, b = (int(color[i:i + 2], 16) for i in (1, 3, 5))
    return f"\x1b[38;2;{r};{g};{b}m"


def test_a_chart_has_its_ticks_axis_titles_and_size():
    x = np.arange(41.0)
    chart = share_chart(x, [Curve("train acc", x / 40, "#5fd75f")], "epoch", "accuracy")
    lines = text(render(chart, 60, 12))
    assert len(lines) == 12 and all(len(line.rstrip()) <= 60 for line in lines)
    body = "\n".join(lines)
    for tick in ("0", "0.5", "1", "10", "20", "30", "40"):
        assert tick in body
    assert "epoch" in lines[-1] and "accuracy" in lines[-1]
    assert legend_line(chart, color=False) == "━ train acc"


def test_a_loss_spike_puts_the_losses_on_a_log_axis_and_keeps_the_rest_readable():
    x = np.arange(60.0)
    loss = 0.7 * np.exp(-x / 20) + 0.05
    loss[30] = 5e4  # high_learning_rate's lr-300 step
    chart = loss_chart(x, [Curve("train loss", loss, "#ffffff")], "epoch")
    assert "log scale" in chart.y_label
    lines = render(chart, 60, 14)
    rows = dotted_rows(lines)
    assert len(rows) >= 5  # the decline before the spike spans rows: not flattened onto the axis
    assert "1e4" in "\n".join(text(lines))
    linear = loss_chart(x, [Curve("train loss", 0.7 * np.exp(-x / 60) + 0.3, "#ffffff")], "epoch")
    assert linear.y_label == "loss" and linear.y_range[0] == 0


def test_a_steep_line_stays_connected_pixel_by_pixel():
    _, y = dense(np.array([0.0, 1.0, 2.0]), np.array([0.0, 1.0, 0.0]), (0, 2), (0, 1), 8, 16)
    levels = sorted(set(np.round(y * 16).astype(int).tolist()))
    assert levels == list(range(17))  # every pixel row from the bottom to the peak


def test_thinning_keeps_a_spike_and_at_most_two_points_a_column():
    x = np.arange(10_000.0)
    y = np.sin(x / 300)
    y[4321] = 99.0
    tx, ty = thin(x, y, 50)
    assert len(tx) <= 100 and ty.max() == 99.0 and np.all(np.diff(tx) > 0)


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0, 40, 5, integer=True).labels == ("0", "10", "20", "30", "40")
    assert nice_ticks(-1.05, 1.05, 3).labels == ("-1", "0", "1")
    assert nice_ticks(0, 1, 5, integer=True).labels == ("0", "1")


def test_the_sweep_labels_every_depth_tells_inits_by_glyph_and_draws_the_bound():
    depths = [2, 5, 10, 20, 30, 40, 50]
    x = np.array(depths, dtype=float)
    share = {"he": 1, "rai": 0.3, "he_zero_bias": 0.6}
    lines = [SweepLine(init, width, x, np.clip(x / (10 * width) * share[init], 0, 1))
             for init in ("he", "rai", "he_zero_bias") for width in (2, 3, 4, 5, 10)]
    bounds = [BoundLine(w, x, 1 - (1 - 2.0 ** -w) ** x, "bound 1-(1-2^-N)^D") for w in (2, 3, 4, 5, 10)]
    chart = sweep_chart(lines, depths, [2, 3, 4, 5, 10], ["he", "rai", "he_zero_bias"], bounds)
    drawn = render(chart, 118, 30)
    axis = text(drawn)[-2]
    assert axis.split() == [str(d) for d in depths]
    body = "\n".join(text(drawn))
    assert "●" in body and "▲" in body and "■" in body  # the three inits' glyphs
    assert escape(BOUND_COLOR) in "".join(drawn)
    legend = legend_line(chart, color=False)
    assert len(legend) <= 118  # one line at 120 columns
    for entry in ("width 2", "width 10", "● he", "▲ rai", "■ he_zero_bias", "bound 1-(1-2^-N)^D"):
        assert entry in legend
    without = sweep_chart(lines[:5], depths, [2, 3, 4, 5, 10], ["he"])
    assert escape(BOUND_COLOR) not in "".join(render(without, 118, 30))
    assert "bound" not in legend_line(without, False)


def test_the_fit_of_a_born_dead_network_is_a_flat_line():
    x = np.linspace(-1.7, 1.7, 200)
    targets = np.sin(x[::4])
    flat = fit_chart(x, np.full(200, 0.1), x[::4], targets)
    assert "flat" in legend_line(flat, False)
    flat_rows = dotted_rows(render(flat, 60, 14))
    alive = fit_chart(x, np.sin(x), x[::4], targets)
    assert "flat" not in legend_line(alive, False)
    assert len(flat_rows) == 1 and len(dotted_rows(render(alive, 60, 14))) > 3
    assert "·" in "\n".join(text(render(alive, 60, 14)))  # the targets


def test_the_histogram_has_a_bar_of_exact_zeros_in_the_colour_of_death():
    counts, edges = np.histogram(np.abs(np.random.default_rng(0).normal(size=500)), bins=24)
    chart = histogram_chart(counts, edges, zero_share=0.6)
    drawn = render(chart, 50, 12)
    assert escape(ZERO_COLOR) in "".join(drawn)
    assert "=0" in text(drawn)[-2]
    assert "exactly 0: 60%" in legend_line(chart, False)


def test_a_chart_too_small_to_draw_is_blank_at_its_size():
    chart = Chart((Series("a", np.arange(3.0), np.arange(3.0), "#ffffff"),), (0, 2), (0, 2), Ticks((0,), ("0",)),
                  Ticks((0,), ("0",)))
    assert render(chart, 8, 3) == []
    assert [s.cell_length for s in chart_strips(chart, 8, 3)] == [8, 8, 8]


def test_escape_codes_become_styles():
    strip = ansi_strip("ab\x1b[38;2;255;0;0mcd\x1b[0mef", 8)
    assert strip.text == "abcdef  "
    styles = {seg.text: seg.style for seg in strip}
    assert styles["cd"].color.triplet == (255, 0, 0) and styles["ab"] is None


def test_a_dead_units_thumbnail_is_blank_and_marked_an_active_ones_is_not():
    activation = np.outer(np.linspace(0, 1, 32), np.linspace(0, 2, 64))
    dead = thumbnail(activation, dead=True)
    active = thumbnail(activation, dead=False)
    assert len(dead) == len(active) == 4 and all(sum(s.cell_length for s in line) == 8 for line in active)
    dead_styles = {(s.style.color, s.style.bgcolor) for line in dead for s in line if s.text == "▀"}
    assert len(dead_styles) == 1  # one colour over one colour: blank
    assert any(s.text == "✖" for line in dead for s in line)
    active_colors = {c for line in active for s in line for c in (s.style.color, s.style.bgcolor)}
    assert len(active_colors) >= 4  # it rises from the bottom left to the top right
    assert active[0][-1].style.color != active[-1][0].style.bgcolor  # the top right is bright, the bottom left not


def plotext_render(chart: Chart, width: int, height: int) -> list[str]:
    """The reference: the same figure, every series through plotext's own scatter and build (what
    render() did before it wrote braille lines into plotext's matrix itself)."""
    from relu_tui.plots.chart import plotext_figure

    series = []
    for s in chart.series:
        x, y = thin(s.x, s.y, max(width - 8, 1)) if not s.bars else (np.asarray(s.x, float), np.asarray(s.y, float))
        if x.size:
            series.append((s, x, y))
    return plotext_figure(chart, width, height, series).build().split("\n")[:height]


def test_braille_lines_written_into_plotexts_matrix_are_plotexts_own_to_the_byte():
    rng = np.random.default_rng(7)
    for k in range(120):
        n = int(rng.integers(1, 300))
        x = np.arange(n, dtype=float)
        if k % 4 == 0:  # losses over decades (a log axis), with a gap
            loss = np.exp(rng.normal(0, 2, n).cumsum() / 10) * rng.choice([1e-3, 1.0, 1e3])
            loss[rng.integers(0, n)] = np.nan
            chart = loss_chart(x, [Curve("a", loss, "#ff0000"), Curve("b", loss * rng.random(), "#00ff00")], "epoch")
        elif k % 4 == 1:  # shares, one of them flat
            chart = share_chart(x, [Curve("a", rng.random(n), "#ff0000"), Curve("d", np.full(n, rng.random()),
                                                                                 "#0000ff")], "epoch")
        elif k % 4 == 2:  # dots, then a line
            grid, points = np.linspace(-3, 3, 200), rng.uniform(-3, 3, 50)
            chart = fit_chart(grid, np.sin(grid) * rng.random(), points, np.sin(points) + rng.normal(0, 0.1, 50))
        else:  # bars only
            chart = histogram_chart(rng.integers(0, 50, 24), np.linspace(-1, 5 * rng.random() + 0.1, 25), rng.random())
        width, height = int(rng.integers(16, 90)), int(rng.integers(4, 15))
        assert render(chart, width, height) == plotext_render(chart, width, height), (k, width, height)


def test_a_growing_history_drawn_on_what_plotext_drew_before_is_plotexts_own_at_every_epoch():
    rng = np.random.default_rng(3)
    loss = np.exp(-np.arange(160) / 30) * (1 + 0.3 * rng.random(160))
    share = np.clip(np.cumsum(rng.random(160)) / 80, 0, 1)
    targets_x = rng.uniform(-2, 2, 60)
    targets = np.tanh(targets_x) + rng.normal(0, 0.1, 60)
    for n in range(1, 160, 3):
        x = np.arange(n, dtype=float)
        grid = np.linspace(-2, 2, 200)
        charts = [loss_chart(x, [Curve("train", loss[:n], "#ff0000"), Curve("test", loss[:n] * 1.2, "#00ff00")], "epoch"),
                  share_chart(x, [Curve("acc", share[:n], "#0000ff"), Curve("dead", share[:n] / 3, "#ff00ff")], "epoch"),
                  fit_chart(grid, np.tanh(grid * n / 40), targets_x, targets)]  # the same targets under a moving fit
        for chart in charts:
            for width, height in ((41, 9), (58, 9)):  # two sizes in turn, as two views would ask
                assert render(chart, width, height) == plotext_render(chart, width, height), (n, width)


def test_ticks_redrawn_on_kept_axes_are_plotexts_own_at_every_epoch(monkeypatch):
    """A history growing by one epoch moves the ticks' cells (x always, y on a log loss axis or under
    a fit whose output grows) without rebuilding the axes: the labels that crowd each other at a
    narrow size are left out as plotext leaves them out, and a fit's targets are plotext's dots."""
    from relu_tui.plots import chart as charts

    redrawn = []
    monkeypatch.setattr(charts, "redraw_ticks", lambda *a: redrawn.append(1) or redraw_ticks(*a))
    rng = np.random.default_rng(5)
    loss = np.exp(-np.arange(400) / 20) * (1 + 0.2 * rng.random(400))
    share = np.linspace(0, 1, 400)
    grid, points = np.linspace(-2, 2, 200), rng.uniform(-2, 2, 80)
    for n in range(1, 400):
        x = np.arange(n, dtype=float)
        for chart in (loss_chart(x, [Curve("train", loss[:n], "#ff0000")], "epoch"),
                      share_chart(x, [Curve("acc", share[:n], "#0000ff")], "epoch"),
                      fit_chart(grid, np.tanh(grid) * n / 100, points, np.tanh(points))):  # the targets' dots as well
            for width, height in ((20, 5), (57, 12)):
                assert render(chart, width, height) == plotext_render(chart, width, height), (n, width)
    assert len(redrawn) > 800
