"""born_dead_depth: deep, narrow nets are born dead more often; RAI lowers the odds; zero biases stay
under their analytic bound; the per-layer test is sticky. Monte Carlo claims are checked against
their published numbers within three standard errors, with seeded draws (so the tests are exact)."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import DEAD
from relu_tui.engine.seeding import torch_rng
from relu_tui.engine.sweep import born_dead_nets, count_born_dead, random_layers, run_sweep, zero_bias_bound

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


def share(width, depth, init, trials, seed=1):
    """The born-dead share and its standard error."""
    p = count_born_dead(width, depth, init, trials, seed)[0] / trials
    return p, math.sqrt(p * (1 - p) / trials)


def test_born_dead_share_rises_with_depth(small_sweep):
    for init in ("he", "he_zero_bias", "rai"):
        for width in (2, 4):
            shares = [small_sweep[init, width, depth] for depth in (2, 10, 30)]
            assert shares[0] < shares[1] < shares[2], (init, width, shares)
    assert small_sweep["he", 2, 30] > 0.95  # toward 1


def test_born_dead_share_falls_with_width(small_sweep):
    for init in ("he", "he_zero_bias", "rai"):
        for depth in (10, 30):
            assert small_sweep[init, 2, depth] > small_sweep[init, 4, depth] + 0.1


def test_rai_is_born_dead_far_less_often_than_he(small_sweep):
    for width in (2, 4):
        for depth in (10, 30):
            assert small_sweep["rai", width, depth] < small_sweep["he", width, depth] - 0.05
    assert small_sweep["rai", 4, 10] < 0.5 * small_sweep["he", 4, 10]


def test_the_count_is_deterministic_and_wide_nets_live():
    assert count_born_dead(3, 10, "he", 200, seed=7) == count_born_dead(3, 10, "he", 200, seed=7)
    assert count_born_dead(10, 5, "he", 200, seed=7) == (0, 0)


def test_a_constant_layer_makes_the_net_born_dead_whatever_follows():
    """A silent layer, then a layer that passes one positive constant, then width-10 layers: rounding
    in the later layers must not bring the net back to life."""
    trials, points = 50, 256
    x = torch.linspace(-1.7, 1.7, points, dtype=torch.float64).reshape(1, points, 1).expand(trials, points, 1)
    generator = torch.Generator().manual_seed(0)

    def layer(fan_in, width, bias):
        return torch.randn(trials, fan_in, width, generator=generator, dtype=torch.float64), bias

    layers = [layer(1, 10, torch.full((trials, 1, 10), -100.0, dtype=torch.float64)),  # silent on the range
              layer(10, 10, torch.rand(trials, 1, 10, generator=generator, dtype=torch.float64) + 0.5)]
    layers += [layer(10, 10, torch.randn(trials, 1, 10, generator=generator, dtype=torch.float64)) for _ in range(20)]
    dead, near = born_dead_nets(layers, x)
    assert dead.all() and not near.any()


def test_symmetric_he_at_width_10_depth_50_matches_an_independent_count():
    p, se = share(10, 50, "he", 3000)
    assert abs(p - 0.028) < 3 * se and se < 0.004  # ~0.028 from an independent per-layer float64 count


def test_rai_matches_the_published_scheme_at_width_2_depth_10():
    p, se = share(2, 10, "rai", 10_000)
    assert abs(p - 0.27) < 3 * se  # the published RAI: about 0.27 (the old 2x larger scale gave 0.47)


def test_zero_biases_stay_under_the_bound_and_one_input_dies_exactly_at_it():
    """With zero biases the input x = 1 dies with probability exactly 1 - (1 - 2^-N)^D; the net (both
    signs of x) is born dead less often."""
    trials = 4000
    x = torch.tensor([1.0, 2.0], dtype=torch.float64).reshape(1, 2, 1).expand(trials, 2, 1)  # x > 0 only
    for width, depth in ((2, 10), (3, 10), (5, 20)):
        ray, _ = born_dead_nets(random_layers(width, depth, "he_zero_bias", trials, torch_rng(0, "ray", width)), x)
        p, bound = ray.double().mean().item(), zero_bias_bound(width, depth)
        assert abs(p - bound) < 3 * math.sqrt(bound * (1 - bound) / trials), (width, depth, p, bound)
        net, se = share(width, depth, "he_zero_bias", trials)
        assert net < bound + 3 * se
    assert zero_bias_bound(2, 1) == 0.25 and zero_bias_bound(10, 50) == pytest.approx(0.0477, abs=1e-4)


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
    assert not any((layer.state == DEAD).all() for layer in rai.record.layers)  # every layer passes something
    assert sum(layer.count(DEAD) for layer in rai.record.layers) == 10  # ... though 10 of 30 units are dead
    assert rai.step_epochs(scenario.training.epochs).loss < 0.05 < end.loss


def test_sweep_command_prints_the_documented_fields(tmp_path):
    command = [sys.executable, "-m", "relu_tui", "sweep", "born_dead_depth", "--trials", "20"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 5 * 7 * 3
    assert {"width", "depth", "init", "trials", "born_dead_fraction", "standard_error", "near_constant_fraction",
            "bound"} <= rows[0].keys()
    assert {r["trials"] for r in rows} == {20} and {r["init"] for r in rows} == {"he", "he_zero_bias", "rai"}
    assert all((r["bound"] is None) == (r["init"] != "he_zero_bias") for r in rows)
    table = subprocess.run(command[:-2] + ["--trials", "20", "--format", "table", "--workers", "1"],
                           capture_output=True, text=True, check=True, timeout=300).stdout
    assert "width 2" in table and "depth 50" in table and "rai" in table and "bound" in table


def test_sweep_needs_a_sweep_table():
    result = subprocess.run([sys.executable, "-m", "relu_tui", "sweep", "negative_init"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 2 and "has no [sweep] table" in result.stderr
