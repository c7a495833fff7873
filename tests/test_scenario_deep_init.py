"""deep_init: after one forward pass the spread shrinks (sigma 0.10, Xavier), holds (sigma 0.14,
He) or explodes (sigma 0.28) layer by layer."""

from __future__ import annotations

import pytest

from relu_tui import Trainer, load_scenario

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def spreads():
    scenario = load_scenario(SCENARIOS / "deep_init.toml")
    out = {}
    for name in scenario.variant_names:
        trainer = Trainer(scenario.with_variant(name))
        assert (trainer.dataset.x_train >= 0).all() and (trainer.dataset.x_train <= 1).all()
        assert trainer.dataset.n_features == 784
        out[name] = [float(a.std()) for a in trainer.activations()]
    return out


def ratios(values):
    return [b / a for a, b in zip(values, values[1:])]


@pytest.mark.parametrize("name", ["base", "xavier"])  # sigma 0.10; Xavier is 0.10 for 100-wide layers
def test_small_scale_shrinks_every_layer(spreads, name):
    assert all(r < 0.85 for r in ratios(spreads[name]))
    assert spreads[name][-1] / spreads[name][0] < 0.25


@pytest.mark.parametrize("name", ["sigma_014", "he"])
def test_he_scale_holds_steady(spreads, name):
    assert all(0.7 < r < 1.3 for r in ratios(spreads[name]))
    assert 0.6 < spreads[name][-1] / spreads[name][0] < 1.4


def test_large_scale_explodes(spreads):
    assert all(r > 1.5 for r in ratios(spreads["sigma_028"]))
    assert spreads["sigma_028"][-1] / spreads["sigma_028"][0] > 8


def test_all_five_variants_share_the_same_draws():
    scenario = load_scenario(SCENARIOS / "deep_init.toml")
    base = Trainer(scenario)
    for name in ("sigma_014", "sigma_028"):
        other = Trainer(scenario.with_variant(name))
        for a, b in zip(base.model.hidden, other.model.hidden):
            ratio = (b.weight / a.weight).flatten()
            assert ratio.std() < 1e-4  # the same draws, only rescaled
        assert (base.record.states() == other.record.states()).all()  # scale moves spread, not who is dead
