"""stably_unactivated: a second-layer unit dead on all of R^n0 at initialization, checked exactly, against
the published probabilities; dead on the data is a weaker, likelier condition. Monte Carlo claims are
checked within three standard errors (20000 seeded trials per cell, standard error about 0.003)."""

from __future__ import annotations

import dataclasses
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from textual.widgets import Static

from relu_tui import Trainer, load_scenario
from relu_tui.app.main import ReluApp
from relu_tui.app.screens.sweep import SweepScreen
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.engine.records import DEAD
from relu_tui.engine.stably_unactivated import dead_everywhere, measure, published

from .app_helpers import press, settle, sync
from .conftest import SCENARIOS


def test_the_published_formula():
    assert published(1, 1) == 0.25 and published(1, 2) == 0.1875
    assert [published(2, n1) for n1 in (1, 2, 3)] == [0.25, 0.125, 5 / 64]
    assert published(1, 3) is None


@pytest.mark.parametrize(("n0", "n1"), [(1, 1), (1, 2), (2, 1), (2, 2), (2, 3)])
def test_the_exact_check_matches_the_published_probability(n0, n1):
    point = measure(n0, n1, 20_000, seed=0)
    assert abs(point.everywhere_fraction - published(n0, n1)) < 3 * point.standard_error < 0.01
    assert point.on_data_fraction > point.everywhere_fraction + 0.05  # dead on the data is likelier


def one(w, b, v, c):
    return bool(dead_everywhere(np.array([w], float), np.array([b], float), np.array([v], float),
                                np.array([c], float))[0])


def test_hand_made_nets():
    # z = c + v relu(w x + b) on one input: dead everywhere iff c <= 0 and v <= 0
    assert one([[1.0]], [0.0], [-1.0], -0.5) and not one([[1.0]], [0.0], [1.0], -0.5)
    assert not one([[1.0]], [0.0], [-1.0], 0.5)
    # z = -1 + relu(x - 10): at most 0 on any data in [-10, 10], but it fires for x > 11
    assert not one([[1.0]], [-10.0], [1.0], -1.0)
    # z = -3 + relu(x) + relu(-x) - 2 relu(x - 1) + ... : |x| - 3 grows at -inf although it is flat at +inf
    assert not one([[1.0], [-1.0], [1.0]], [0.0, 0.0, -1.0], [1.0, 1.0, -1.0], -3.0)
    # two inputs: z = -1 + relu(x1) - relu(x1): identically -1
    assert one([[1.0, 0.0], [1.0, 0.0]], [0.0, 0.0], [1.0, -1.0], -1.0)
    # z = -1 + relu(x1 + x2 - 5) - relu(x1 - 5): fires along x2 -> inf with x1 < 5
    assert not one([[1.0, 1.0], [1.0, 0.0]], [-5.0, -5.0], [1.0, -1.0], -1.0)


@pytest.mark.parametrize("n0", [1, 2])
def test_the_exact_check_agrees_with_a_dense_search(n0):
    """On random nets a search over inputs out to radius 1e4 never finds a positive z where the exact
    check says dead, and finds one for almost all the others."""
    rng = np.random.default_rng(1)
    trials, n1 = 200, 4
    w, b = rng.standard_normal((trials, n1, n0)), rng.standard_normal((trials, n1))
    v, c = rng.standard_normal((trials, n1)), rng.standard_normal(trials)
    radii = np.concatenate([np.linspace(0, 20, 200 if n0 == 1 else 100), np.geomspace(20, 1e4, 50)])
    if n0 == 1:
        x = np.concatenate([radii, -radii])[:, None]
    else:
        angles = np.linspace(0, 2 * math.pi, 360, endpoint=False)
        x = (radii[:, None, None] * np.stack([np.cos(angles), np.sin(angles)], axis=1)[None]).reshape(-1, 2)
    z = c[:, None] + np.einsum("tkn,tn->tk", np.maximum(np.einsum("kd,tnd->tkn", x, w) + b[:, None], 0), v)
    found_alive = (z > 0).any(axis=1)
    exact = dead_everywhere(w, b, v, c)
    assert not (exact & found_alive).any()
    assert (exact == ~found_alive).mean() > 0.99


def test_the_app_network_shows_dead_on_the_data_and_the_exact_count_is_smaller():
    scenario = load_scenario(SCENARIOS / "stably_unactivated.toml")
    expected = {"base": (21, 19), "first_1": (27, 17), "first_4": (12, 9)}  # as the text says
    for name, (on_data, everywhere) in expected.items():
        trainer = Trainer(scenario.with_variant(name))
        first, second = trainer.model.hidden
        w = first.weight.detach().double().numpy()
        b = first.bias.detach().double().numpy()
        units = second.weight.shape[0]
        exact = dead_everywhere(np.broadcast_to(w, (units, *w.shape)), np.broadcast_to(b, (units, len(b))),
                                second.weight.detach().double().numpy(), second.bias.detach().double().numpy())
        dead = trainer.record.layers[1].state == DEAD
        assert not (exact & ~dead).any()  # dead everywhere implies dead on the data
        assert (int(dead.sum()), int(exact.sum())) == (on_data, everywhere)


def test_the_sweep_command_prints_measured_and_published(tmp_path):
    command = [sys.executable, "-m", "relu_tui", "sweep", "stably_unactivated", "--trials", "500"]
    out = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["inputs"], r["width"]) for r in rows] == [(n0, n1) for n0 in (1, 2) for n1 in (1, 2, 3, 4, 6, 8)]
    assert {"dead_everywhere_fraction", "standard_error", "published", "dead_on_data_fraction"} <= rows[0].keys()
    table = subprocess.run(command + ["--format", "table"], capture_output=True, text=True, check=True,
                           timeout=300).stdout
    assert "published" in table and "0.1875" in table


@sync
async def test_w_shows_measured_against_published():
    scenario = load_scenario(SCENARIOS / "stably_unactivated.toml")
    app = ReluApp(dataclasses.replace(scenario, sweep=dataclasses.replace(scenario.sweep, trials=300)))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        assert isinstance(app.screen, SweepScreen)
        assert "done" in str(app.screen.query_one("#sweep-table", Static).render())
        legend = app.screen.query_one("#sweep-legend", TextPanel).text.plain
        assert "dead everywhere" in legend and "published" in legend
        assert len([s for s in app.screen.query_one("#sweep-plot")._charts[0].series if s.label]) == 2 * 3  # per n0: published, on the data, exact
