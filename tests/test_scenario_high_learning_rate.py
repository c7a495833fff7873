"""The claims high_learning_rate's description makes, checked through the engine."""

from __future__ import annotations

import numpy as np
import pytest

from relu_tui import Trainer, load_scenario
from relu_tui.engine.records import ALIVE, DEAD, UPDATE, EpochRecord

from .conftest import SCENARIOS, recorded_runs

SPIKE = 30  # the epoch whose update uses the high rate
BASE_RATE, SPIKE_RATE = 0.3, 300.0


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "high_learning_rate.toml")


@pytest.fixture(scope="module")
def runs(scenario):
    """Every epoch record (index = epoch) of a variant over the scenario's budget, trained once."""
    return recorded_runs(scenario)


def dead(record: EpochRecord) -> int:
    return record.counts()["dead"]


def killed_at(record: EpochRecord, epoch: int) -> list[np.ndarray]:
    """Per layer, a mask of the units the update of ``epoch`` killed."""
    return [(layer.state == DEAD) & (layer.cause == UPDATE) & (layer.epoch_of_death == epoch)
            for layer in record.layers]


def test_setup_matches_the_description(scenario):
    assert scenario.data.generator == "spiral" and scenario.seed == 12
    assert [(layer.width, layer.activation.kind) for layer in scenario.model.layers] == [(16, "relu"), (16, "relu")]
    training = scenario.training
    assert training.optimizer == "sgd" and training.momentum == 0 and training.batch_size is None
    assert [training.learning_rate_at(e) for e in (1, SPIKE - 1, SPIKE, SPIKE + 1, training.epochs)] == \
        [BASE_RATE, BASE_RATE, SPIKE_RATE, BASE_RATE, BASE_RATE]
    assert scenario.showcase_epoch == SPIKE <= training.epochs
    trainer = Trainer(scenario)
    assert trainer.dataset.n_features == 2 and trainer.dataset.n_classes == 2
    assert trainer.record.n_units == 32


def test_healthy_before_the_spike(runs):
    records = runs("base")
    for record in records[:SPIKE]:
        assert dead(record) == 0 and record.learning_rate == BASE_RATE
    for record in records[1:SPIKE]:
        assert all(float(layer.step.max()) <= 0.025 for layer in record.layers)


def test_one_update_kills_twelve_units_at_once(runs):
    before, spike = runs("base")[SPIKE - 1], runs("base")[SPIKE]
    assert spike.learning_rate == SPIKE_RATE
    assert dead(before) == 0 and dead(spike) == 12
    assert dead(spike) / spike.n_units >= 0.25
    masks = killed_at(spike, SPIKE)
    assert [int(m.sum()) for m in masks] == [9, 3]
    for layer, mask in zip(spike.layers, masks):
        assert (mask == (layer.state == DEAD)).all()  # every dead unit was killed by this update
        assert (layer.death_lr[mask] == SPIKE_RATE).all()
        assert (layer.death_step[mask] > 0).all()
        np.testing.assert_array_equal(layer.death_step[mask], layer.step[mask])
        assert (layer.grad_norm[mask] == 0).all() and (layer.preact_max[mask] <= 0).all()
        for i in np.flatnonzero(mask):
            unit = layer.neuron(int(i))
            assert unit["cause"] == "update" and unit["epoch_of_death"] == SPIKE
            assert unit["death_learning_rate"] == SPIKE_RATE and unit["death_step"] > 0
    steps = np.concatenate([layer.death_step[mask] for layer, mask in zip(spike.layers, masks)])
    assert steps.min() > 0.5 and 10 < steps.max() < 13  # "steps of about 1 to 12"


def test_same_gradient_moves_the_weights_1000_times_as_far(runs):
    """Full-batch SGD without momentum: the update of epoch 30 is 300 x the gradient measured at epoch 29."""
    before, spike = runs("base")[SPIKE - 1], runs("base")[SPIKE]
    for old, new in zip(before.layers, spike.layers):
        np.testing.assert_allclose(new.step, SPIKE_RATE * old.grad_norm, rtol=1e-3)
        np.testing.assert_allclose(new.step / (BASE_RATE * old.grad_norm), 1000, rtol=1e-3)


def test_first_layer_units_are_held_down_by_their_bias(runs):
    before, spike = runs("base")[SPIKE - 1], runs("base")[SPIKE]
    mask = killed_at(spike, SPIKE)[0]
    first, old = spike.layers[0], before.layers[0]
    assert mask.sum() == 9 and first.by_bias[mask].all()
    assert (old.bias[mask] > -0.3).all() and (old.bias[mask] < 0.05).all()  # "about -0.1"
    assert (first.bias[mask] < -1).all() and (first.bias[mask] > -12.5).all()
    assert (first.preact_max[mask] - first.bias[mask] > 0).all()  # the weights alone would fire


def test_back_to_the_normal_rate_undoes_nothing(runs):
    records = runs("base")
    assert all(r.learning_rate == BASE_RATE for r in records[SPIKE + 1:])
    assert dead(records[SPIKE + 1]) > dead(records[SPIKE])
    assert dead(records[SPIKE + 2]) == 22
    # the later deaths come from ordinary-rate updates whose steps are still huge
    for epoch in (SPIKE + 1, SPIKE + 2):
        for layer, mask in zip(records[epoch].layers, killed_at(records[epoch], epoch)):
            assert (layer.death_lr[mask] == BASE_RATE).all()
            assert (layer.death_step[mask] > 0).all()
        assert max(float(layer.death_step[m].max(initial=0)) for layer, m in
                   zip(records[epoch].layers, killed_at(records[epoch], epoch))) > 100 * 0.025
    assert max(float(r.loss) for r in records[SPIKE:SPIKE + 3]) > 100 > 10 * float(records[SPIKE - 1].loss)
    # from epoch 32 on: 22 of 32 dead, no gradient through any of them
    for record in records[SPIKE + 2:]:
        assert dead(record) == 22
        for layer in record.layers:
            assert (layer.grad_norm[layer.state == DEAD] == 0).all()
    # the nine first-layer units killed at epoch 30 never come back and never move again
    mask = killed_at(records[SPIKE], SPIKE)[0]
    for record in records[SPIKE + 1:]:
        first = record.layers[0]
        assert (first.state[mask] == DEAD).all() and (first.step[mask] == 0).all()
        assert (first.epoch_of_death[mask] == SPIKE).all()
    end = records[-1]
    for layer, mask in zip(end.layers, killed_at(records[SPIKE], SPIKE)):
        assert (layer.state[mask] == DEAD).all() and (layer.epoch_of_death[mask] != ALIVE).all()
    # accuracy stalls near 80%
    assert max(r.accuracy for r in records[SPIKE + 2:]) <= 0.81
    assert 0.75 <= end.accuracy <= 0.81 and 0.7 <= end.test_accuracy <= 0.85


def test_no_spike_keeps_every_unit_alive(runs):
    healthy, spiked = runs("no_spike"), runs("base")
    assert all(r.learning_rate == BASE_RATE for r in healthy[1:])
    assert all(dead(r) == 0 for r in healthy)
    assert dead(healthy[SPIKE]) == 0 < 12 == dead(spiked[SPIKE])
    assert dead(healthy[-1]) == 0 < 22 == dead(spiked[-1])
    assert healthy[-1].accuracy >= 0.98 and healthy[-1].test_accuracy >= 0.95  # "99%"
    assert healthy[-1].accuracy - spiked[-1].accuracy >= 0.15
    assert healthy[-1].test_accuracy - spiked[-1].test_accuracy >= 0.15
    assert healthy[-1].loss < spiked[-1].loss


def test_mild_spike_kills_nothing_and_speeds_learning_up(runs):
    mild, healthy = runs("mild_spike"), runs("no_spike")
    assert mild[SPIKE].learning_rate == 10.0 and mild[SPIKE + 1].learning_rate == BASE_RATE
    assert all(dead(r) == 0 for r in mild)
    # a bigger step than usual, far below the 300 spike's
    assert 0.1 < max(float(layer.step.max()) for layer in mild[SPIKE].layers) < 1
    assert mild[SPIKE + 10].accuracy >= healthy[SPIKE + 10].accuracy + 0.1
    assert mild[-1].accuracy >= 0.98


def test_stay_high_kills_every_unit(runs):
    records = runs("stay_high")
    assert all(r.learning_rate == SPIKE_RATE for r in records[SPIKE:])
    assert dead(records[SPIKE]) == 12  # the same first spike update as the base
    assert dead(records[SPIKE + 1]) < 32 == dead(records[SPIKE + 2])
    assert all(dead(r) == 32 for r in records[SPIKE + 2:])
    assert records[-1].accuracy <= 0.55
