"""revive = true (ReDo): dead and dormant units get fresh incoming weights from their own init, their
outgoing weights start at 0, and a rerun (or a rewind) repeats it exactly."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relu_tui import Trainer
from relu_tui.engine.interventions import act_out, dead_units
from relu_tui.engine.records import DEAD
from relu_tui.engine.seeding import torch_rng
from relu_tui.errors import ScenarioError
from relu_tui.spec.scenario import Event

from .conftest import scenario

BASE = """
seed = 2
[data]
generator = "moons"
n_samples = 80
transform = "standardize"
[[model.layers]]
width = 12
weight_init = "he_normal"
bias_init = { kind = "uniform", low = -3.0, high = 0.5 }
[training]
optimizer = "adam"
learning_rate = 0.01
epochs = 8
"""


def revive(trainer: Trainer, epoch: int) -> int:
    """The trainer's network after a revive event of ``epoch``; returns how many units it chose."""
    args = (trainer.model, trainer.layer_activations, trainer.dataset.x_train)
    tau = trainer.scenario.diagnosis.dormant_threshold
    chosen = sum(map(len, dead_units(*args, tau)))
    act_out((Event(epoch, revive=True),), trainer.model, trainer.optimizer, trainer.layer_activations,
            trainer.dataset.x_train, trainer.scenario.seed, tau)
    return chosen


REVIVE = BASE + """
[[training.events]]
epoch = 3
revive = true
"""


def test_the_event_is_parsed_and_must_do_something():
    training = scenario(REVIVE).training
    assert training.interventions_at(3) == (Event(3, revive=True),) and not training.interventions_at(2)
    assert training.learning_rate_at(5) == 0.01  # no rate: unchanged
    with pytest.raises(ScenarioError, match="the event does nothing"):
        scenario(BASE + "[[training.events]]\nepoch = 3\n")
    with pytest.raises(ScenarioError, match="true or false"):
        scenario(BASE + "[[training.events]]\nepoch = 3\nrevive = 1\n")


def test_dead_units_come_back_with_fresh_weights_and_no_say_in_the_output():
    trainer = Trainer(scenario(BASE))
    layer = trainer.record.layers[0]
    dead = np.flatnonzero(layer.state == DEAD)
    assert 0 < len(dead) < 12 and (layer.dormant == (layer.state == DEAD)).all()  # here dormant = dead
    before = trainer.model(trainer.dataset.x_train).detach()
    old = trainer.model.hidden[0].weight.detach().clone()
    assert revive(trainer, epoch=3) == len(dead)
    linear = trainer.model.hidden[0]
    weight = torch.empty(12, 2).normal_(0.0, 1.0, generator=torch_rng(2, "revive", 3, 0, "weight"))  # He, 2 inputs
    bias = torch.empty(12).uniform_(-3.0, 0.5, generator=torch_rng(2, "revive", 3, 0, "bias"))
    assert torch.equal(linear.weight[dead], weight[dead]) and torch.equal(linear.bias[dead], bias[dead])
    living = np.setdiff1d(np.arange(12), dead)
    assert torch.equal(linear.weight[living], old[living])  # the living keep theirs
    assert (trainer.model.head.weight[:, dead] == 0).all()
    assert torch.equal(trainer.model(trainer.dataset.x_train).detach(), before)  # only dead units: no jump


def test_the_trainer_revives_before_the_update_and_reruns_identically():
    runs = [Trainer(scenario(REVIVE)) for _ in range(2)]
    records = [[t.record, *t.iter_epochs(8)] for t in runs]
    dead = [r.layers[0].count(DEAD) for r in records[0]]
    assert dead[0] == dead[1] == dead[2] > dead[3]  # revived before the update of epoch 3
    assert records[0][3].layers[0].revived.any()
    for a, b in zip(*records):
        assert a.loss == b.loss and (a.states() == b.states()).all()
    trainer = runs[0]
    trainer.rewind(2)
    again = list(trainer.iter_epochs(6))
    assert [r.loss for r in again] == [r.loss for r in records[1][3:]]


def test_the_optimizer_state_of_revived_weights_starts_from_zero():
    trainer = Trainer(scenario(BASE))
    trainer.step_epochs(2)
    dead = torch.from_numpy(np.flatnonzero(trainer.record.layers[0].state == DEAD))
    states = [trainer.optimizer.state[p] for p in (trainer.model.hidden[0].weight, trainer.model.head.weight)]
    for state in states:
        state["exp_avg"].fill_(1.0)
    revive(trainer, epoch=3)
    incoming, outgoing = (state["exp_avg"] for state in states)
    assert (incoming[dead] == 0).all() and incoming.sum() == 2 * (12 - len(dead))
    assert (outgoing[:, dead] == 0).all() and outgoing.sum() == 12 - len(dead)
