"""small_targets: regression ReLUs end up dead more often as the targets shrink, and momentum makes it
worse (Arnekvist, Carvalho, Kragic and Stork, 2020). The Monte Carlo runs 100 seeded nets per cell
(standard errors about 0.004 to 0.01); the directions are checked at three standard errors."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import pytest
from textual.widgets import Static

from relu_tui import load_scenario
from relu_tui.app.main import ReluApp
from relu_tui.app.screens.sweep import SweepScreen
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.engine.small_targets import train_and_count
from relu_tui.engine.sweep import run_sweep

from .app_helpers import press, settle, sync
from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def cells():
    scenario = load_scenario(SCENARIOS / "small_targets.toml")
    spec = dataclasses.replace(scenario.sweep, scales=(1.0, 0.01), trials=100)
    return {(p.scale, p.momentum): p for p in run_sweep(dataclasses.replace(scenario, sweep=spec))}


def apart(a, b):
    """How many standard errors ``b`` (dead share) is above ``a``."""
    return (b.dead - a.dead) / math.hypot(a.dead_error, b.dead_error)


def test_smaller_targets_leave_more_units_dead(cells):
    assert apart(cells[1.0, 0.0], cells[0.01, 0.0]) > 3  # about 0.157 -> 0.193
    assert apart(cells[1.0, 0.9], cells[0.01, 0.9]) > -1  # with momentum: 0.231 -> 0.249, within the noise


def test_momentum_makes_it_worse(cells):
    for scale in (1.0, 0.01):
        assert apart(cells[scale, 0.0], cells[scale, 0.9]) > 3
        plain, heavy = cells[scale, 0.0], cells[scale, 0.9]
        assert heavy.died > plain.died + 3 * math.hypot(plain.died_error, heavy.died_error)  # about 0.135 vs 0.03


def test_every_cell_starts_from_the_same_nets(cells):
    assert len({p.dead_at_birth for p in cells.values()}) == 1
    again = train_and_count(1.0, 0.0, 32, 3, 100, 0, 64, -math.sqrt(3), math.sqrt(3), 0.02, 300)
    assert again == cells[1.0, 0.0]  # seeded: the same numbers again


def test_the_sweep_command_prints_the_cells():
    command = [sys.executable, "-m", "relu_tui", "sweep", "small_targets", "--trials", "4"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["momentum"], r["scale"]) for r in rows] == [(m, s) for m in (0.0, 0.9) for s in (1.0, 0.1, 0.01)]
    assert {"dead_fraction", "standard_error", "died_fraction", "dead_at_birth"} <= rows[0].keys()


@sync
async def test_w_shows_dead_share_against_target_scale():
    scenario = load_scenario(SCENARIOS / "small_targets.toml")
    app = ReluApp(dataclasses.replace(scenario, sweep=dataclasses.replace(scenario.sweep, trials=4, steps=10)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        assert isinstance(app.screen, SweepScreen)
        assert "done" in str(app.screen.query_one("#sweep-table", Static).render())
        assert "momentum 0.9" in app.screen.query_one("#sweep-legend", TextPanel).text.plain
        assert len([s for s in app.screen.query_one("#sweep-plot")._charts[0].series if s.label]) == 2 * 3  # per momentum: dead at birth, dead after training, died in training
