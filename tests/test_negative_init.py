"""The claims negative_init's description makes, checked through the engine."""

from __future__ import annotations

import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import DEAD, NEGATIVE

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "negative_init.toml")


def test_inputs_are_positive_and_weights_start_negative(scenario):
    trainer = Trainer(scenario)
    assert (trainer.dataset.x_train > 0).all() and (trainer.dataset.x_test > 0).all()
    assert (trainer.model.hidden[0].weight < 0).all()


def test_relu_unit_is_born_dead_and_never_moves(scenario):
    trainer = Trainer(scenario)
    start = trainer.record.layers[0]
    assert start.state[0] == DEAD and start.epoch_of_death[0] == 0
    assert start.grad_norm[0] == 0.0 and start.active_fraction[0] == 0.0
    weight = trainer.model.hidden[0].weight.detach().clone()
    bias = trainer.model.hidden[0].bias.detach().clone()
    for record in trainer.iter_epochs(scenario.training.epochs):
        layer = record.layers[0]
        assert layer.state[0] == DEAD and layer.grad_norm[0] == 0.0 and layer.step[0] == 0.0
    assert trainer.epoch == scenario.training.epochs
    assert torch.equal(weight, trainer.model.hidden[0].weight)
    assert torch.equal(bias, trainer.model.hidden[0].bias)
    assert trainer.record.layers[0].neuron(0)["cause"] == "born_dead"
    with torch.no_grad():
        for x in (trainer.dataset.x_train, trainer.dataset.x_test):
            classes = trainer.model.predict(trainer.model(x))
            assert len(classes.unique()) == 1  # every input gets the same class
    assert trainer.record.accuracy == pytest.approx(max(trainer.dataset.y_train.float().mean().item(),
                                                        1 - trainer.dataset.y_train.float().mean().item()))


def test_leaky_unit_gets_gradient_and_learns(scenario):
    leaky = scenario.with_variant("leaky")
    trainer = Trainer(leaky)
    assert (trainer.model.hidden[0].weight == Trainer(scenario).model.hidden[0].weight).all()  # same start
    start = trainer.record.layers[0]
    assert start.state[0] == NEGATIVE and start.grad_norm[0] > 0
    weight = trainer.model.hidden[0].weight.detach().clone()
    end = trainer.step_epochs(leaky.training.epochs)
    assert not torch.equal(weight, trainer.model.hidden[0].weight)
    assert end.layers[0].state[0] != DEAD and end.accuracy >= 0.95


def test_standardized_inputs_reach_high_accuracy(scenario):
    standardized = scenario.with_variant("standardized")
    trainer = Trainer(standardized)
    assert trainer.record.layers[0].active_fraction[0] > 0
    end = trainer.step_epochs(standardized.training.epochs)
    assert end.accuracy >= 0.95 and end.test_accuracy >= 0.95
