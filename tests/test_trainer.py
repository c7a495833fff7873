"""The training engine: real PyTorch steps, exact diagnosis, determinism, rewind and bounded history."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch

from relu_tui import Trainer, load_scenario
from relu_tui.bench import plain_loop
from relu_tui.engine.diagnosis import track_deaths
from relu_tui.engine.records import ALIVE, BORN_DEAD, DEAD, SPARSE, UPDATE, UPSTREAM
from relu_tui.engine.trainer import accuracy_reached, state_changed

from .conftest import SCENARIOS, scenario


def dump(trainer: Trainer, record) -> str:
    return json.dumps(record.to_dict("s", "v"), allow_nan=False)


def params(trainer: Trainer) -> list[torch.Tensor]:
    return [p.detach().clone() for p in trainer.model.parameters()]


@pytest.mark.parametrize("fixture", ["moons_minibatch", "moons_fullbatch"])
def test_trains_exactly_like_a_plain_pytorch_loop(fixture, request):
    sc = request.getfixturevalue(fixture)
    trainer = Trainer(sc)
    trainer.step_epochs(12)
    plain = plain_loop(sc, trainer.dataset, 12)
    for ours, theirs in zip(params(trainer), plain.parameters()):
        assert torch.equal(ours, theirs)


def test_grad_norm_is_the_full_training_set_gradient_per_unit(moons_minibatch):
    trainer = Trainer(moons_minibatch)
    record = trainer.step_epochs(3)
    model, data = trainer.model, trainer.dataset
    loss = model.loss(model(data.x_train), data.y_train)
    for layer, linear in zip(record.layers, model.hidden):
        gw, gb = torch.autograd.grad(loss, [linear.weight, linear.bias], retain_graph=True)
        expected = torch.sqrt((gw**2).sum(1) + gb**2).numpy()
        np.testing.assert_allclose(layer.grad_norm, expected, rtol=1e-5, atol=1e-9)
        with torch.no_grad():
            z = trainer.model.forward_traced(data.x_train)[1][record.layers.index(layer)]
        np.testing.assert_allclose(layer.active_fraction, (z > 0).float().mean(0).numpy())
        np.testing.assert_array_equal(layer.preact_max, z.amax(0).numpy())
    assert record.loss == pytest.approx(loss.item())


def test_same_scenario_twice_gives_identical_records(moons_minibatch):
    a, b = Trainer(moons_minibatch), Trainer(moons_minibatch)
    for _ in range(8):
        assert dump(a, a.step_epoch()) == dump(b, b.step_epoch())


@pytest.mark.parametrize("fixture", ["moons_minibatch", "moons_fullbatch"])
def test_rewind_then_step_forward_repeats_the_same_numbers(fixture, request):
    trainer = Trainer(request.getfixturevalue(fixture))
    originals = [dump(trainer, trainer.record)] + [dump(trainer, r) for r in trainer.iter_epochs(10)]
    final = params(trainer)
    back = trainer.rewind(4)
    assert back.epoch == trainer.epoch == trainer.history.last == 4
    assert dump(trainer, back) == originals[4]
    again = [dump(trainer, r) for r in trainer.iter_epochs(6)]
    assert again == originals[5:]
    assert all(torch.equal(x, y) for x, y in zip(params(trainer), final))


def test_reset_restores_the_initial_weights(moons_fullbatch):
    trainer = Trainer(moons_fullbatch)
    initial = params(trainer)
    trainer.step_epochs(5)
    assert trainer.reset().epoch == 0
    assert all(torch.equal(x, y) for x, y in zip(params(trainer), initial))


def test_history_stays_within_budget_and_replays_thinned_epochs(moons_minibatch):
    budget_mb = 0.05
    full = Trainer(moons_minibatch)
    reference = [dump(full, full.record)] + [dump(full, r) for r in full.iter_epochs(120)]
    small = Trainer(moons_minibatch, history_budget_mb=budget_mb)
    small.step_epochs(120)
    assert small.history.nbytes <= budget_mb * 2**20
    assert len(small.history.checkpoints.items) < 60  # thinned
    assert small.history.scalars.loss == full.history.scalars.loss  # the curves keep every epoch
    for epoch in (0, 1, 37, 63, 99, 120):
        assert dump(small, small.record_at(epoch)) == reference[epoch]
    assert dump(small, small.record) == reference[120]  # record_at left the live state alone
    assert dump(small, small.rewind(57)) == reference[57]
    assert [dump(small, r) for r in small.iter_epochs(3)] == reference[58:61]


def test_step_batch_walks_through_an_epoch(moons_minibatch):
    trainer = Trainer(moons_minibatch)
    n_batches = trainer.batches_per_epoch
    assert n_batches == math.ceil(64 / 16)
    for b in range(1, n_batches):
        record = trainer.step_batch()
        assert (record.epoch, record.batch, trainer.history.last) == (0, b, 0)
    assert trainer.step_batch().epoch == 1
    reference = Trainer(moons_minibatch)
    assert dump(trainer, trainer.record) == dump(reference, reference.step_epoch())
    trainer.step_batch()
    assert dump(trainer, trainer.step_epoch()) == dump(reference, reference.step_epoch())


def test_a_diverging_run_is_reported_not_raised():
    sc = scenario(
        """
        [data]
        generator = "sine"
        n_samples = 64
        [[model.layers]]
        width = 8
        [training]
        learning_rate = 1e6
        """
    )
    trainer = Trainer(sc)
    trainer.step_epochs(50)
    record = trainer.record
    assert record.diverged
    assert trainer.step_epoch() is record  # stepping a diverged run changes nothing
    data = record.to_dict("s", "v")
    assert data["diverged"] is True and data["loss"] is None
    json.dumps(data, allow_nan=False)
    assert not trainer.rewind(1).diverged


def test_run_until_a_state_change_and_until_an_accuracy():
    sc = load_scenario(SCENARIOS / "negative_init.toml").with_variant("leaky")
    trainer = Trainer(sc)
    record = trainer.run_until(state_changed, 100)
    assert 0 < record.epoch < 100
    before = trainer.record_at(record.epoch - 1)
    assert (before.states() != record.states()).any()
    assert all((trainer.record_at(e).states() == before.states()).all() for e in range(record.epoch))
    record = trainer.run_until(accuracy_reached(0.9), 200)
    assert record.accuracy >= 0.9 > trainer.record_at(record.epoch - 1).accuracy


def test_a_high_learning_rate_event_kills_units_with_its_step():
    sc = scenario(
        """
        seed = 1
        [data]
        generator = "moons"
        [[model.layers]]
        width = 16
        weight_init = "he_normal"
        [[model.layers]]
        width = 16
        weight_init = "he_normal"
        [training]
        learning_rate = 0.1
        [[training.events]]
        epoch = 30
        learning_rate = 20.0
        """
    )
    trainer = Trainer(sc)
    before = trainer.step_epochs(29)
    after = trainer.step_epoch()
    assert after.learning_rate == 20.0 and before.learning_rate == 0.1
    killed = [(layer, i) for layer in after.layers for i in np.flatnonzero(layer.cause == UPDATE)
              if layer.epoch_of_death[i] == 30]
    assert killed
    for layer, i in killed:
        assert layer.state[i] == DEAD and layer.grad_norm[i] == 0.0
        assert layer.death_lr[i] == 20.0 and layer.death_step[i] > 0
        unit = layer.neuron(int(i))
        assert unit["cause"] == "update" and unit["epoch_of_death"] == 30
    assert after.counts()["dead"] > before.counts()["dead"]


def test_a_large_negative_bias_is_named_as_the_cause():
    sc = scenario(
        """
        [data]
        generator = "xor"
        [[model.layers]]
        width = 12
        weight_init = "he_normal"
        bias_init = -6.0
        """
    )
    layer = Trainer(sc).record.layers[0]
    assert (layer.state == DEAD).all() and (layer.cause == BORN_DEAD).all()
    assert (layer.grad_norm == 0).all()
    assert layer.by_bias.all()  # on xor's centred inputs every unit's weights fire somewhere


def test_sparse_units_are_alive_and_learn():
    sc = scenario(
        """
        [data]
        generator = "positive_line"
        [[model.layers]]
        width = 1
        weights = [[1.0, 1.0]]
        bias = [-9.0]
        [diagnosis]
        sparse_threshold = 0.2
        """
    )
    trainer = Trainer(sc)
    layer = trainer.record.layers[0]
    assert layer.state[0] == SPARSE and 0 < layer.active_fraction[0] < 0.2
    assert layer.grad_norm[0] > 0 and layer.epoch_of_death[0] == ALIVE
    weights = trainer.model.hidden[0].weight.detach().clone()
    trainer.step_epochs(3)
    assert not torch.equal(weights, trainer.model.hidden[0].weight)


def _layer(states, step):
    from relu_tui.engine.records import LayerRecord

    w = len(states)
    f = np.zeros(w, dtype=np.float32)
    return LayerRecord("h", "relu", np.array(states, dtype=np.int8), f, f, f, f, f, f, f,
                       np.array(step, dtype=np.float32), np.full(w, ALIVE, dtype=np.int32), np.zeros(w, np.int8),
                       np.zeros(w, bool), np.zeros(w, np.float32), np.zeros(w, np.float32), np.zeros(w, bool))


def test_death_tracking_born_update_upstream_and_revival():
    e0 = _layer([DEAD, 3, 3, 3], [0, 0, 0, 0])
    track_deaths(e0, None, 0, 0.1)
    assert e0.epoch_of_death.tolist() == [0, ALIVE, ALIVE, ALIVE] and e0.cause[0] == BORN_DEAD
    e1 = _layer([3, DEAD, DEAD, 3], [0.5, 0.2, 0.0, 0.1])
    track_deaths(e1, e0, 1, 5.0)
    assert e1.epoch_of_death.tolist() == [ALIVE, 1, 1, ALIVE]
    assert e1.cause.tolist() == [0, UPDATE, UPSTREAM, 0]
    assert e1.death_step[1] == pytest.approx(0.2) and e1.death_lr[1] == 5.0
    assert e1.revived.tolist() == [True, False, False, False]
    e2 = _layer([3, DEAD, 3, 3], [0, 0, 0.3, 0])
    track_deaths(e2, e1, 2, 0.1)
    assert e2.epoch_of_death.tolist() == [ALIVE, 1, ALIVE, ALIVE]  # unit 1 keeps its epoch and cause
    assert e2.cause[1] == UPDATE and e2.death_lr[1] == 5.0
    assert e2.revived.tolist() == [True, False, True, False]



def test_snapshot_traces_and_plane_match_the_history_and_the_model_after_a_changed_future(moons_fullbatch):
    """The traces reuse each held record's columns and the plane keeps the forward pass's layout: after a
    rewind and an intervention, epochs 4..6 hold new records, and both still show the trainer as it is."""
    from dataclasses import replace

    from relu_tui.engine.snapshot import sample_subset, take_snapshot
    from relu_tui.spec.scenario import Event

    trainer = Trainer(moons_fullbatch)
    samples = sample_subset(trainer.dataset.y_train, 40)
    trainer.step_epochs(6)
    take_snapshot(trainer, samples=samples)
    trainer.rewind(3)
    events = (Event(4, layer=0, unit=1, bias=-50.0),)
    trainer.amend(replace(moons_fullbatch, training=replace(moons_fullbatch.training, events=events)))
    trainer.step_epochs(3)
    snap = take_snapshot(trainer, samples=samples)

    held = [trainer.history.records.items[int(e)] for e in snap.traces.epochs]
    for field, traced in (("active_fraction", snap.traces.active_fraction), ("grad_norm", snap.traces.grad_norm),
                          ("state", snap.traces.states)):
        expected = np.stack([np.concatenate([getattr(layer, field) for layer in r.layers]) for r in held], axis=1)
        np.testing.assert_array_equal(traced, expected)
    assert snap.traces.states[1, -1] == DEAD  # the intervention's death, not the first future's

    plane = snap.plane
    xx, yy = np.meshgrid(plane.x, plane.y)  # rows bottom to top, as the plane's grid
    with torch.no_grad():
        hidden = trainer.model.hidden[0](torch.tensor(np.stack([xx.ravel(), yy.ravel()], axis=1),
                                                      dtype=torch.float32))
        expected = trainer.model.activations[0](hidden).numpy()
    for unit in range(trainer.model.hidden[0].out_features):
        np.testing.assert_allclose(plane.unit(0, unit), expected[:, unit].reshape(plane.decision.shape), atol=1e-6)
