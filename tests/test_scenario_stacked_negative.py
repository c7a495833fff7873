"""The claims stacked_negative's description makes, checked through the engine."""

from __future__ import annotations

import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import DEAD, NEGATIVE

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "stacked_negative.toml")


@pytest.fixture(scope="module")
def runs(scenario):
    """Each variant trained for the full budget, with its epoch-0 record and initial parameters."""
    out = {}
    for name in scenario.variant_names:
        variant = scenario.with_variant(name)
        trainer = Trainer(variant)
        start = trainer.record
        params = [p.detach().clone() for p in trainer.model.parameters()]
        showcase = trainer.step_epochs(variant.showcase_epoch)
        end = trainer.step_epochs(variant.training.epochs - trainer.epoch)
        out[name] = (trainer, start, params, showcase, end)
    return out


def _hidden(trainer: Trainer, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    return trainer.model.hidden[i].weight.detach().clone(), trainer.model.hidden[i].bias.detach().clone()


def test_inputs_are_centred_and_second_layer_weights_negative(scenario):
    trainer = Trainer(scenario)
    x = trainer.dataset.x_train
    assert x.mean(dim=0).abs().max() < 0.1
    assert ((x > 0).any(dim=0) & (x < 0).any(dim=0)).all()  # both signs on every feature
    weight, bias = _hidden(trainer, 1)
    assert (weight < 0).all() and (bias == 0).all()
    # ReLU outputs of the first layer, i.e. the second layer's inputs, are never negative
    assert (trainer.activations()[0] >= 0).all()


def test_first_layer_alive_second_layer_born_dead(scenario):
    trainer = Trainer(scenario)
    first, second = trainer.record.layers
    assert first.count(DEAD) == 0
    assert ((first.active_fraction > 0.3) & (first.active_fraction < 0.7)).all()  # about half each
    assert second.count(DEAD) == second.width == 8
    assert (second.active_fraction == 0).all() and (second.preact_max <= 0).all()
    assert (second.grad_norm == 0).all()
    assert all(second.neuron(i)["cause"] == "born_dead" for i in range(second.width))
    # nothing reaches the first layer either
    assert (first.grad_norm == 0).all()


def test_base_never_moves_and_guesses_one_class(scenario):
    trainer = Trainer(scenario)
    start = [_hidden(trainer, i) for i in range(2)]
    head = trainer.model.head.weight.detach().clone()
    for record in trainer.iter_epochs(scenario.training.epochs):
        first, second = record.layers
        assert second.count(DEAD) == 8 and (second.grad_norm == 0).all() and (second.step == 0).all()
        assert first.count(DEAD) == 0 and (first.grad_norm == 0).all() and (first.step == 0).all()
    assert trainer.epoch == scenario.training.epochs == 120
    for i in range(2):
        weight, bias = _hidden(trainer, i)
        assert torch.equal(weight, start[i][0]) and torch.equal(bias, start[i][1])
    assert torch.equal(head, trainer.model.head.weight)  # only the output bias learns
    with torch.no_grad():
        for x in (trainer.dataset.x_train, trainer.dataset.x_test):
            assert len(trainer.model.predict(trainer.model(x)).unique()) == 1
    share = trainer.dataset.y_train.float().mean().item()
    assert trainer.record.accuracy == pytest.approx(max(share, 1 - share)) and trainer.record.accuracy < 0.6


@pytest.mark.parametrize("name", ["leaky", "he"])
def test_cures_start_from_the_same_data_and_first_layer(scenario, runs, name):
    base_trainer, _, base_params, _, _ = runs["base"]
    trainer, start, params, _, _ = runs[name]
    assert torch.equal(trainer.dataset.x_train, base_trainer.dataset.x_train)
    assert torch.equal(params[0], base_params[0]) and torch.equal(params[1], base_params[1])  # first layer
    if name == "leaky":  # the very same negative weights in the second layer
        assert torch.equal(params[2], base_params[2])
        assert start.layers[1].count(NEGATIVE) == 8 and (start.layers[1].grad_norm > 0).all()
    else:
        assert (params[2] > 0).any() and (params[2] < 0).any()
    assert start.layers[1].count(DEAD) == 0


@pytest.mark.parametrize("name", ["leaky", "he"])
def test_cures_learn_and_beat_the_base(runs, name):
    _, _, _, base_showcase, base_end = runs["base"]
    trainer, _, params, showcase, end = runs[name]
    assert end.layers[1].count(DEAD) == 0 and end.layers[0].count(DEAD) == 0
    assert end.accuracy >= 0.95 and end.test_accuracy >= 0.9
    assert end.accuracy - base_end.accuracy >= 0.4
    assert not torch.equal(params[2], trainer.model.hidden[1].weight)
    # the story is already visible at the showcase epoch
    assert base_showcase.layers[1].count(DEAD) == 8 and base_showcase.accuracy < 0.6
    assert showcase.accuracy >= 0.9 and showcase.layers[1].count(DEAD) == 0
