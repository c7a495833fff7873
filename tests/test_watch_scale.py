"""`relu-tui watch` at the scale of real models: the layer overview (every layer, sortable, following the
selection), jumping to the next dead unit, the dead-only filter, a small dead share drawn visibly, and a
finished run said to be finished at once."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from relu_tui.app.watch import WatchApp
from relu_tui.app.widgets.curves import RunCurves
from relu_tui.app.widgets.heatmap import RunHeatmap
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.app.widgets.run_panels import share_cell
from relu_tui.engine.records import DEAD
from relu_tui.monitor import Monitor
from relu_tui.plots.curves import share_top

from .app_helpers import sync
from .test_watch import status, until

DEAD_UNITS = {0: [3, 5], 7: [1], 11: [0, 2, 6]}  # layer index -> its dead units (bias -50)


def deep_run(run_dir, layers: int = 14, closed: bool = True):
    """A 14-layer ReLU MLP on positive inputs, positive weights and biases: every unit fires, but those of
    DEAD_UNITS (bias -50); three records."""
    torch.manual_seed(0)
    modules = [nn.Linear(4, 8)]
    for _ in range(layers):
        modules += [nn.ReLU(), nn.Linear(8, 8)]
    model = nn.Sequential(*modules)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        for linear in linears:
            linear.weight.fill_(0.1)
            linear.bias.fill_(0.1)
        for layer, units in DEAD_UNITS.items():
            linears[layer].bias[units] = -50.0
    monitor = Monitor(model, run_dir)
    for _ in range(3):
        model(torch.rand(16, 4)).sum().backward()
        monitor.step()
        model.zero_grad()
    if closed:
        monitor.close()
    return monitor


def overview(app) -> list[str]:
    return app.query_one("#network", TextPanel).text.plain.splitlines()


@sync
async def test_the_layer_overview_lists_every_layer_sorts_and_follows_the_selection(tmp_path):
    deep_run(tmp_path / "run")
    app = WatchApp(tmp_path / "run", poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.view is not None)
        lines = overview(app)
        assert lines[0].split()[:3] == ["1-9", "of", "14"]  # nine lines fit: the rest scroll
        assert lines[1].split() == ["1", "25%", "25%", "·"]  # 2 of 8 dead (and dormant: score 0)
        for _ in range(11):
            await pilot.press("tab")
        assert app.selected[0] == 11 and any(line.split()[0] == "23" for line in overview(app))
        assert overview(app)[0].split()[:3] != ["1-9", "of", "14"]  # scrolled to keep layer 23 in view
        await pilot.press("o")  # by dead share: 3/8, 2/8, 1/8, then the others in the model's order
        assert app.query_one("#network").border_title == "Layers by dead share"
        assert [line.split()[0] for line in overview(app)[1:5]] == ["23", "1", "15", "3"]
        assert share_cell(0.006) == "  0.6%" and share_cell(0.0004) == "  <.1%" and share_cell(0.0) == "     ·"


@sync
async def test_next_dead_and_the_dead_only_filter(tmp_path):
    deep_run(tmp_path / "run")
    app = WatchApp(tmp_path / "run", poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.view is not None)
        dead = [(layer, unit) for layer, units in DEAD_UNITS.items() for unit in units]
        seen = []
        for _ in range(len(dead) + 1):
            await pilot.press("n")
            seen.append(app.selected)
        assert seen == [*dead, dead[0]]  # in order, wrapping around
        await pilot.press("N")
        assert app.selected == dead[-1]
        await pilot.press("d")
        heatmap = app.query_one(RunHeatmap)
        units = [(r.layer, r.unit) for r in heatmap._rows if r.unit is not None]
        assert units == dead and app.dead_only
        await pilot.press("down")  # moves through the dead units only
        assert app.selected == dead[0]
        await pilot.press("d")
        assert len([r for r in heatmap._rows if r.unit is not None]) == 14 * 8
        assert int(app.view.record.layers[app.selected[0]].state[app.selected[1]]) == DEAD


@sync
async def test_a_small_dead_share_is_drawn_against_a_small_top_and_a_closed_run_is_finished(tmp_path):
    monitor = deep_run(tmp_path / "run", closed=False)
    app = WatchApp(tmp_path / "run", poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.view is not None and "live" in status(app))
        share = 6 / (14 * 8)
        assert np.allclose(app.view.dead_fraction, share) and share_top(app.view.dead_fraction) == 0.1
        assert "dead share (top 10%)" in app.query_one(RunCurves).border_title
        monitor.close()
        await until(pilot, lambda: "finished: the Monitor was closed after 3 steps" in status(app), timeout=2)
    assert share_top(np.array([0.006])) == 0.01 and share_top(np.array([0.7])) == 1.0
