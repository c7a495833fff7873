"""The claims activation_zoo's description makes, checked through the engine."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import DEAD, NEGATIVE, SPARSE

from .conftest import SCENARIOS, recorded_runs

OTHERS = {"leaky": "leaky_relu", "prelu": "prelu", "elu": "elu", "gelu": "gelu"}


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "activation_zoo.toml")


@pytest.fixture(scope="module")
def runs(scenario):
    """Every epoch record (index = epoch) of a variant over the scenario's budget, trained once."""
    return recorded_runs(scenario)


def test_variants_differ_only_in_the_activation(scenario):
    assert scenario.variant_names == ("base", *OTHERS)
    assert scenario.training.optimizer == "adam" and scenario.training.epochs == 200
    for name in scenario.variant_names:
        spec = scenario.with_variant(name)
        kinds = [layer.activation.kind for layer in spec.model.layers]
        assert kinds == [OTHERS.get(name, "relu")] * 2
        assert [layer.width for layer in spec.model.layers] == [16, 16]
        assert (spec.data, spec.training, spec.seed) == (scenario.data, scenario.training, scenario.seed)


def test_same_initial_weights_for_every_activation(scenario):
    base = Trainer(scenario)
    assert (base.model.hidden[0].bias == -1).all() and (base.model.hidden[1].bias == -1).all()
    for name in OTHERS:
        other = Trainer(scenario.with_variant(name))
        assert torch.equal(other.dataset.x_train, base.dataset.x_train)
        for mine, theirs in zip(other.model.hidden, base.model.hidden):
            assert torch.equal(mine.weight, theirs.weight) and torch.equal(mine.bias, theirs.bias)
        assert torch.equal(other.model.head.weight, base.model.head.weight)
        assert torch.equal(other.model.head.bias, base.model.head.bias)


def test_same_first_layer_units_start_below_zero(scenario):
    """Same weights, same inputs: the same 10 of 16 first-layer units are below zero on every input."""
    below = Trainer(scenario).record.layers[0].preact_max <= 0
    assert below.sum() == 10
    for name in ("base", *OTHERS):
        start = Trainer(scenario.with_variant(name)).record
        np.testing.assert_array_equal(start.layers[0].preact_max <= 0, below)
        assert start.layers[1].count(DEAD) + start.layers[1].count(NEGATIVE) >= 13  # most of the second layer


def test_relu_units_are_dead_from_the_start_and_stay_dead(runs):
    records = runs("base")
    start = records[0]
    assert start.counts()["dead"] == 23 and [layer.count(DEAD) for layer in start.layers] == [10, 13]
    for layer in start.layers:
        dead = layer.state == DEAD
        assert (layer.grad_norm[dead] == 0).all() and (layer.mean_activation[dead] == 0).all()
        assert all(layer.neuron(int(i))["cause"] == "born_dead" for i in np.flatnonzero(dead))
    born_dead = start.layers[0].state == DEAD
    for record in records:
        assert record.counts()["dead"] in (23, 24)
        assert record.counts()["negative"] == 0
        for layer in record.layers:
            assert (layer.grad_norm[layer.state == DEAD] == 0).all()
        first = record.layers[0]
        assert (first.state[born_dead] == DEAD).all() and (first.step[born_dead] == 0).all()
    # 8 or 9 units left, and accuracy stalls at 68%
    assert {record.n_units - record.counts()["dead"] for record in records} == {8, 9}
    assert max(record.accuracy for record in records[100:]) < 0.70
    end = records[-1]
    assert 0.66 <= end.accuracy < 0.70 and 0.6 <= end.test_accuracy < 0.75
    assert end.loss > 0.5


@pytest.mark.parametrize("name", OTHERS)
def test_other_activations_have_negative_units_that_learn(runs, name):
    records = runs(name)
    start = records[0]
    assert start.counts()["negative"] >= 23 and start.layers[0].count(NEGATIVE) == 10
    for record in records:
        assert record.counts()["dead"] == 0  # never dead
        for layer in record.layers:
            negative = layer.state == NEGATIVE
            assert (layer.grad_norm[negative] > 0).all()  # small, but not 0
    # Adam sizes the step by the learning rate: from the first update they move as far as active units do
    first, moved = start.layers[0], records[1].layers[0]
    negative = first.state == NEGATIVE
    np.testing.assert_allclose(moved.step[negative], np.median(moved.step[~negative]), rtol=0.1)
    if name == "leaky":  # a slope of 0.01 leaves them a much smaller gradient than the active units'
        assert first.grad_norm[negative].max() < np.median(first.grad_norm[~negative]) / 10
    # most come back above zero on part of the data
    came_back = sum(int(((a.state == NEGATIVE) & (b.state >= SPARSE)).sum())
                    for a, b in zip(start.layers, records[-1].layers))
    assert came_back >= 19 and came_back / start.counts()["negative"] >= 0.75
    end = records[-1]
    assert end.counts()["negative"] <= 5
    assert end.accuracy == 1.0 and end.test_accuracy >= 0.95 and end.loss < 0.05


def test_relu_ends_far_behind_the_others(runs):
    relu = runs("base")[-1]
    for name in OTHERS:
        other = runs(name)[-1]
        assert other.accuracy - relu.accuracy >= 0.3
        assert other.test_accuracy - relu.test_accuracy >= 0.25
        assert other.loss < relu.loss / 10
