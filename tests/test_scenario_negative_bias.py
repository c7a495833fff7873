"""The claims negative_bias's description makes, checked through the engine."""

from __future__ import annotations

import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import ACTIVE, DEAD, NEGATIVE, SPARSE

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "negative_bias.toml")


@pytest.fixture(scope="module")
def ends(scenario):
    """The record at the end of the budget, per variant."""
    out = {}
    for name in scenario.variant_names:
        variant = scenario.with_variant(name)
        out[name] = Trainer(variant).step_epochs(variant.training.epochs)
    return out


def test_small_inputs_and_weights_would_fire_without_the_bias(scenario):
    trainer = Trainer(scenario)
    x = trainer.dataset.x_train
    weight, bias = trainer.model.hidden[0].weight.detach(), trainer.model.hidden[0].bias.detach()
    assert x.abs().max() < 1.3  # [-1, 1] plus a little noise
    assert weight.abs().max() <= 2 ** -0.5
    wx = x @ weight.T
    assert wx.abs().max() < 1.5
    assert (bias == -3.0).all()
    fires = (wx > 0).float().mean(dim=0)  # without the bias: about half the samples per unit
    assert ((fires > 0.35) & (fires < 0.65)).all()


def test_every_unit_born_dead_by_its_bias(scenario):
    trainer = Trainer(scenario)
    layer = trainer.record.layers[0]
    assert layer.count(DEAD) == layer.width == 8
    assert layer.count(NEGATIVE) == layer.count(SPARSE) == layer.count(ACTIVE) == 0
    assert (layer.preact_max <= -1.5).all()
    assert (layer.grad_norm == 0).all()
    for i in range(layer.width):
        unit = layer.neuron(i)
        assert unit["cause"] == "born_dead" and unit["by_bias"] is True and unit["epoch_of_death"] == 0


def test_base_stays_dead_and_guesses(scenario):
    trainer = Trainer(scenario)
    weight = trainer.model.hidden[0].weight.detach().clone()
    bias = trainer.model.hidden[0].bias.detach().clone()
    head = trainer.model.head.weight.detach().clone()
    for record in trainer.iter_epochs(scenario.training.epochs):
        layer = record.layers[0]
        assert layer.count(DEAD) == 8 and (layer.grad_norm == 0).all() and (layer.step == 0).all()
        assert layer.by_bias.all()
    assert trainer.epoch == scenario.training.epochs == 200
    assert torch.equal(weight, trainer.model.hidden[0].weight) and torch.equal(bias, trainer.model.hidden[0].bias)
    assert torch.equal(head, trainer.model.head.weight)  # only the output bias trains
    with torch.no_grad():
        for x in (trainer.dataset.x_train, trainer.dataset.x_test):
            assert len(trainer.model.predict(trainer.model(x)).unique()) == 1
    share = trainer.dataset.y_train.float().mean().item()
    assert trainer.record.accuracy == pytest.approx(max(share, 1 - share))
    assert trainer.record.accuracy < 0.6


def test_positive_bias_starts_alive_and_learns(scenario, ends):
    variant = scenario.with_variant("positive_bias")
    trainer = Trainer(variant)
    assert torch.equal(trainer.model.hidden[0].weight, Trainer(scenario).model.hidden[0].weight)  # same weights
    assert torch.allclose(trainer.model.hidden[0].bias.detach(), torch.full((8,), 0.1))
    layer = trainer.record.layers[0]
    assert layer.count(DEAD) == 0 and layer.count(ACTIVE) == 8
    assert (layer.grad_norm > 0).all()
    end = ends["positive_bias"]
    assert end.layers[0].count(DEAD) == 0
    assert end.accuracy >= 0.93 and end.test_accuracy >= 0.9
    assert end.accuracy - ends["base"].accuracy >= 0.35
    showcase = trainer.step_epochs(variant.showcase_epoch)
    assert showcase.accuracy >= 0.9


def test_leaky_units_are_negative_and_climb_back_slowly(scenario, ends):
    variant = scenario.with_variant("leaky")
    trainer = Trainer(variant)
    assert torch.equal(trainer.model.hidden[0].bias, Trainer(scenario).model.hidden[0].bias)  # still -3
    layer = trainer.record.layers[0]
    assert layer.count(NEGATIVE) == 8 and layer.count(DEAD) == 0
    assert (layer.grad_norm > 0).all()
    assert trainer.step_epochs(20).layers[0].count(NEGATIVE) == 8  # slowly: nothing above zero yet
    end = ends["leaky"]
    assert end.layers[0].count(DEAD) == 0
    assert end.layers[0].count(ACTIVE) + end.layers[0].count(SPARSE) >= 2  # some came back
    assert end.accuracy - ends["base"].accuracy >= 0.15
