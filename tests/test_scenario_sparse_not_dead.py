"""The claims sparse_not_dead's description makes, checked through the engine."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import ACTIVE, DEAD, NEGATIVE, SPARSE

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "sparse_not_dead.toml")


@pytest.fixture(scope="module")
def run(scenario):
    """The base trained for the whole budget: trainer, every record, and the initial weights."""
    trainer = Trainer(scenario)
    weight = trainer.model.hidden[0].weight.detach().clone()
    bias = trainer.model.hidden[0].bias.detach().clone()
    records = [trainer.record, *trainer.iter_epochs(scenario.training.epochs)]
    return trainer, records, weight, bias


def test_setup_centred_features_and_planted_biases(scenario):
    trainer = Trainer(scenario)
    x = trainer.dataset.x_train
    assert trainer.dataset.n_features == 20
    assert x.mean(dim=0).abs().max() < 0.2 and (x < 0).any(dim=0).all() and (x > 0).any(dim=0).all()
    bias = trainer.model.hidden[0].bias.detach()
    assert bias[0] == -10.0 and (bias[1:] == -1.0).all()
    assert scenario.diagnosis.sparse_threshold == 0.25
    wx = x @ trainer.model.hidden[0].weight.detach().T
    assert wx[:, 0].max() < 10.0 / 2  # unit 0's bias is far beyond anything w.x reaches


def test_at_epoch_0_thirty_one_sparse_units_with_gradient_and_one_dead(run):
    _, records, _, _ = run
    layer = records[0].layers[0]
    assert layer.width == 32
    assert layer.count(SPARSE) == 31 and layer.count(DEAD) == 1
    assert layer.count(ACTIVE) == layer.count(NEGATIVE) == 0
    quiet = layer.active_fraction[1:]
    assert (quiet >= 0.04).all() and (quiet <= 0.2).all()  # about 5 to 17% of the samples each
    assert (layer.grad_norm[1:] > 0).all()
    assert layer.state[0] == DEAD and layer.active_fraction[0] == 0 and layer.grad_norm[0] == 0.0
    unit = layer.neuron(0)
    assert unit["cause"] == "born_dead" and unit["by_bias"] is True


def test_sparse_units_move_every_epoch_and_never_die(run):
    _, records, _, _ = run
    for record in records:
        layer = record.layers[0]
        assert (layer.state[1:] != DEAD).all() and (layer.active_fraction[1:] > 0).all()
        assert (layer.grad_norm[1:] > 0).all()
        if record.epoch:
            assert (layer.step[1:] > 0).all()  # their weights moved in this epoch's update
        # a unit is only ever called dead when it truly fires on no input
        assert ((layer.state == DEAD) == (layer.active_fraction == 0)).all()


def test_the_dead_unit_never_moves(run):
    trainer, records, weight, bias = run
    for record in records:
        layer = record.layers[0]
        assert layer.state[0] == DEAD and layer.grad_norm[0] == 0.0 and layer.step[0] == 0.0
        assert layer.epoch_of_death[0] == 0
    assert torch.equal(trainer.model.hidden[0].weight[0], weight[0])
    assert torch.equal(trainer.model.hidden[0].bias[0], bias[0])


def test_the_layer_learns_while_most_units_stay_sparse(scenario, run):
    trainer, records, weight, bias = run
    assert trainer.epoch == scenario.training.epochs == 120
    end = records[-1]
    assert end.accuracy >= 0.95 and end.test_accuracy >= 0.9
    assert end.layers[0].count(SPARSE) >= 20 and end.layers[0].count(DEAD) == 1
    moved = torch.linalg.vector_norm(trainer.model.hidden[0].weight.detach() - weight, dim=1)
    assert (moved[1:] > 0.05).all()  # every sparse unit's weights changed over training
    showcase = records[scenario.showcase_epoch]
    assert showcase.accuracy >= 0.95 and showcase.layers[0].count(SPARSE) >= 20


def test_lower_threshold_relabels_but_changes_nothing_else(scenario, run):
    _, base_records, _, _ = run
    variant = scenario.with_variant("lower_threshold")
    trainer = Trainer(variant)
    records = [trainer.record, *trainer.iter_epochs(variant.training.epochs)]
    assert len(records) == len(base_records)
    for mine, base in zip(records, base_records):
        assert mine.loss == base.loss and mine.accuracy == base.accuracy  # number for number
        a, b = mine.layers[0], base.layers[0]
        assert np.array_equal(a.active_fraction, b.active_fraction) and np.array_equal(a.grad_norm, b.grad_norm)
        assert a.count(ACTIVE) == 31 and a.count(SPARSE) == 0
        assert a.state[0] == DEAD  # no threshold changes that
