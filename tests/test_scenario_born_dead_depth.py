"""born_dead_depth: deep, narrow nets are born dead more often; RAI lowers the odds."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys

import pytest

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import DEAD
from relu_tui.engine.sweep import count_born_dead, run_sweep

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "born_dead_depth.toml")


@pytest.fixture(scope="module")
def small_sweep(scenario):
    """A CI-sized grid: 400 nets per point."""
    spec = dataclasses.replace(scenario.sweep, widths=(2, 4), depths=(2, 10, 30), trials=400)
    points = list(run_sweep(dataclasses.replace(scenario, sweep=spec)))
    return {(p.init, p.width, p.depth): p.born_dead_fraction for p in points}


def test_born_dead_share_rises_with_depth(small_sweep):
    for init in ("he", "rai"):
        for width in (2, 4):
            shares = [small_sweep[init, width, depth] for depth in (2, 10, 30)]
            assert shares[0] < shares[1] < shares[2], (init, width, shares)
    assert small_sweep["he", 2, 30] > 0.95  # toward 1


def test_born_dead_share_falls_with_width(small_sweep):
    for init in ("he", "rai"):
        for depth in (10, 30):
            assert small_sweep[init, 2, depth] > small_sweep[init, 4, depth] + 0.1


def test_rai_is_born_dead_far_less_often_than_he(small_sweep):
    for width in (2, 4):
        for depth in (10, 30):
            assert small_sweep["rai", width, depth] < small_sweep["he", width, depth] - 0.05
    assert small_sweep["rai", 4, 10] < 0.5 * small_sweep["he", 4, 10]


def test_the_count_is_deterministic_and_wide_nets_live():
    assert count_born_dead(3, 10, "he", 200, seed=7) == count_born_dead(3, 10, "he", 200, seed=7)
    assert count_born_dead(10, 5, "he", 200, seed=7) == 0


def test_the_app_network_is_born_dead_and_rai_is_not(scenario):
    base = Trainer(scenario)
    silent = [i for i, layer in enumerate(base.record.layers) if (layer.state == DEAD).all()]
    assert silent  # a whole layer is dead at birth
    with __import__("torch").no_grad():
        out = base.model(base.dataset.x_train)
    assert out.min() == out.max()  # every input gets one answer
    end = base.step_epochs(scenario.training.epochs)
    assert end.loss == pytest.approx(base.dataset.y_train.var(unbiased=False).item() + 0, rel=0.05, abs=0.02)

    rai = Trainer(scenario.with_variant("rai"))
    assert not any((layer.state == DEAD).all() for layer in rai.record.layers)
    assert rai.step_epochs(scenario.training.epochs).loss < 0.05 < end.loss


def test_sweep_command_prints_the_documented_fields(tmp_path):
    command = [sys.executable, "-m", "relu_tui", "sweep", "born_dead_depth", "--trials", "20"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5 * 7 * 2
    assert {"width", "depth", "init", "trials", "born_dead_fraction"} <= rows[0].keys()
    assert {r["trials"] for r in rows} == {20}
    table = subprocess.run(command[:-2] + ["--trials", "20", "--format", "table", "--workers", "1"],
                           capture_output=True, text=True, check=True, timeout=300).stdout
    assert "width 2" in table and "depth 50" in table and "rai" in table


def test_sweep_needs_a_sweep_table():
    result = subprocess.run([sys.executable, "-m", "relu_tui", "sweep", "negative_init"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "has no [sweep] table" in result.stderr
