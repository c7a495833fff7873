"""Interventions as timed events: each kind through the engine, their order, rewind and replay across
them, and every mistake an event can hold, reported like any other key."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from relu_tui import Trainer, load_scenario, loads_scenario
from relu_tui.engine.interventions import dead_units, revive
from relu_tui.engine.records import DEAD, NEGATIVE
from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import Activation
from relu_tui.spec.scenario import Event

from .conftest import SCENARIOS
from .test_scenario_errors import assert_fields, fail

NEGATIVE_INIT = (SCENARIOS / "negative_init.toml").read_text()
HIGH_RATE = (SCENARIOS / "high_learning_rate.toml").read_text()


def with_events(text: str, events: str) -> str:
    """A bundled scenario's text with ``events`` (TOML) added to its [training] table."""
    cut = text.index("[variants.")
    return text[:cut] + events + "\n" + text[cut:]


def states(records, layer: int = 0, unit: int = 0) -> list[int]:
    return [int(r.layers[layer].state[unit]) for r in records]


def run(text: str, epochs: int) -> list:
    trainer = Trainer(loads_scenario(text, source=SCENARIOS / "x.toml"))
    return [trainer.record, *trainer.iter_epochs(epochs)]


BIAS_AT_10 = """
[[training.events]]
epoch = 10
layer = 0
unit = 0
bias = 1.0
"""


def test_a_bias_event_revives_the_born_dead_unit_at_its_epoch():
    records = run(with_events(NEGATIVE_INIT, BIAS_AT_10), 40)
    assert all(s == DEAD for s in states(records)[:10])  # dead at 0..9
    assert all(s != DEAD for s in states(records)[10:])  # alive at 10 and after
    assert records[10].layers[0].revived[0] and records[10].layers[0].epoch_of_death[0] == -1
    assert records[9].layers[0].bias[0] == 0.0 and records[10].layers[0].bias[0] != 0.0
    assert records[40].accuracy > records[9].accuracy


def test_a_leaky_swap_at_epoch_10_cures_the_unit():
    scenario = loads_scenario(with_events(NEGATIVE_INIT, """
        [[training.events]]
        epoch = 10
        layer = 0
        activation = "leaky_relu"
        negative_slope = 0.01
        """.replace("        ", "")))
    trainer = Trainer(scenario)
    records = [trainer.record, *trainer.iter_epochs(scenario.training.epochs)]
    assert states(records)[:10] == [DEAD] * 10
    assert states(records)[10] == NEGATIVE and records[10].layers[0].grad_norm[0] > 0
    assert records[10].layers[0].activation == "leaky_relu(0.01)" and records[9].layers[0].activation == "relu"
    assert all(s != DEAD for s in states(records)[10:])
    assert records[-1].accuracy >= 0.95


def test_revive_at_epoch_35_brings_the_dead_count_down_at_once():
    records = run(with_events(HIGH_RATE, "[[training.events]]\nepoch = 35\nrevive = true\n"), 40)
    before, after = records[34].counts()["dead"], records[35].counts()["dead"]
    assert before == 22 and after <= 3
    plain = run(HIGH_RATE, 40)
    assert [r.loss for r in records[:35]] == [r.loss for r in plain[:35]]  # nothing changes before it
    assert plain[35].counts()["dead"] == 22


def test_revive_redraws_from_its_own_stream_and_silences_the_way_out():
    scenario = loads_scenario(HIGH_RATE)
    trainer = Trainer(scenario)
    trainer.step_epochs(34)
    model = trainer.model
    dead = dead_units(model, trainer.layer_activations, trainer.dataset.x_train)
    assert sum(map(len, dead)) == 22
    units = dead[0]
    initial = Trainer(scenario).model.hidden[0].weight.detach()[torch.from_numpy(units)]
    trainer.optimizer.state[model.hidden[0].weight] = {"momentum_buffer": torch.ones_like(model.hidden[0].weight)}
    with torch.no_grad():
        revive(model, trainer.optimizer, 0, units, math.sqrt(2), scenario.seed, 35)
    rows = torch.from_numpy(units)
    assert (model.hidden[1].weight[:, rows] == 0).all()
    assert not torch.equal(model.hidden[0].weight[rows], initial)  # not the epoch-0 draw again
    buffer = trainer.optimizer.state[model.hidden[0].weight]["momentum_buffer"]
    others = torch.from_numpy(np.setdiff1d(np.arange(16), units))
    assert (buffer[rows] == 0).all() and (buffer[others] == 1).all()
    again = Trainer(scenario)
    again.step_epochs(34)
    with torch.no_grad():
        revive(again.model, again.optimizer, 0, units, math.sqrt(2), scenario.seed, 35)
    assert torch.equal(again.model.hidden[0].weight, model.hidden[0].weight)  # a rerun revives identically


def test_weights_event_sets_the_incoming_weights():
    text = with_events(NEGATIVE_INIT, "[[training.events]]\nepoch = 3\nlayer = 0\nunit = 0\nweights = [0.5, -0.25]\n")
    trainer = Trainer(loads_scenario(text.replace("learning_rate = 0.02", "learning_rate = 1e-9")))  # updates ~ 0
    trainer.step_epochs(2)
    bias = trainer.model.hidden[0].bias.detach().clone()
    trainer.step_epoch()
    assert trainer.model.hidden[0].weight[0].tolist() == pytest.approx([0.5, -0.25], abs=1e-6)
    assert torch.allclose(trainer.model.hidden[0].bias, bias, atol=1e-6)
    assert trainer.record.layers[0].state[0] != DEAD


@pytest.mark.parametrize(("first", "second", "dead"), [(1.0, -20.0, True), (-20.0, 1.0, False)])
def test_events_of_one_epoch_act_in_the_files_order(first, second, dead):
    events = "".join(f"[[training.events]]\nepoch = 5\nlayer = 0\nunit = 0\nbias = {b}\n" for b in (first, second))
    records = run(with_events(NEGATIVE_INIT, events), 5)
    assert (records[5].layers[0].state[0] == DEAD) == dead


def test_two_rates_at_one_epoch_the_later_in_the_file_wins():
    s = loads_scenario(with_events(NEGATIVE_INIT, "[[training.events]]\nepoch = 4\nlearning_rate = 0.5\n"
                                                  "[[training.events]]\nepoch = 4\nlearning_rate = 0.25\n"))
    assert s.training.learning_rate_at(3) == 0.02 and s.training.learning_rate_at(4) == 0.25


ALL_KINDS = with_events(HIGH_RATE, """
[[training.events]]
epoch = 33
layer = 1
activation = "leaky_relu"
negative_slope = 0.1

[[training.events]]
epoch = 35
revive = true

[[training.events]]
epoch = 38
layer = 0
unit = 3
bias = 0.5
weights = [0.25, -0.5]

[[training.events]]
epoch = 40
layer = 0
revive = true
""")


def test_rewind_and_replay_are_exact_across_every_kind_of_event():
    scenario = loads_scenario(ALL_KINDS)
    trainer = Trainer(scenario)
    first = [trainer.record.to_dict("s", "v"), *(r.to_dict("s", "v") for r in trainer.iter_epochs(45))]
    trainer.rewind(31)  # before the swap: the layer's activation comes back with the checkpoint
    assert trainer.layer_activations[1] == Activation("relu")
    again = [trainer.record_at(e).to_dict("s", "v") for e in range(32)] + [r.to_dict("s", "v")
                                                                            for r in trainer.iter_epochs(14)]
    assert again == first
    thin = Trainer(scenario, history_budget_mb=0.01)  # a history thinned out: epochs recomputed by replay
    thin.step_epochs(45)
    assert len(thin.history.records.items) < 46
    assert [thin.record_at(e).to_dict("s", "v") for e in range(46)] == first
    assert thin.layer_activations[1] == Activation("leaky_relu", {"negative_slope": 0.1})  # the live run, unmoved


def test_events_in_a_minibatch_run_act_once_before_the_first_batch(moons_minibatch):
    from dataclasses import replace

    spec = replace(moons_minibatch, training=replace(moons_minibatch.training, events=(
        Event(3, layer=0, unit=1, bias=-50.0),)))
    by_batch, by_epoch = Trainer(spec), Trainer(spec)
    by_epoch.step_epochs(4)
    while by_batch.epoch < 4:
        by_batch.step_batch()
    assert by_batch.record.to_dict("s", "v") == by_epoch.record.to_dict("s", "v")
    assert by_epoch.record_at(3).layers[0].state[1] == DEAD


def test_amend_adds_events_after_the_current_epoch_only(moons_minibatch):
    from dataclasses import replace

    trainer = Trainer(moons_minibatch)
    trainer.step_epochs(2)
    trainer.step_batch()  # partway into epoch 3
    event = Event(3, layer=0, unit=0, bias=-50.0)
    amended = replace(moons_minibatch, training=replace(moons_minibatch.training, events=(event,)))
    trainer.amend(amended)
    assert (trainer.epoch, trainer.batch) == (2, 0)  # the begun epoch is undone: the event comes first
    trainer.step_epoch()
    straight = Trainer(amended)
    straight.step_epochs(3)
    assert trainer.record.to_dict("s", "v") == straight.record.to_dict("s", "v")
    with pytest.raises(ValueError):
        trainer.amend(replace(amended, training=replace(amended.training, events=(Event(2, learning_rate=1.0),))))
    with pytest.raises(ValueError):
        trainer.amend(replace(amended, seed=9))


def test_l1_pulls_every_weight_towards_zero_even_a_dead_units():
    text = NEGATIVE_INIT.replace("epochs = 200", "epochs = 200\nl1 = 0.001")
    text = text.replace('optimizer = "adam"', 'optimizer = "sgd"')
    trainer = Trainer(loads_scenario(text))
    before = trainer.model.hidden[0].weight.detach().clone()
    head = trainer.model.head.weight.detach().clone()
    trainer.step_epoch()
    assert trainer.record.layers[0].grad_norm[0] == 0.0  # the gradient shown is the loss's alone
    expected = before - 0.02 * 0.001 * torch.sign(before)  # dead: the loss gives it no gradient
    assert torch.allclose(trainer.model.hidden[0].weight, expected, atol=1e-9)
    assert not torch.equal(trainer.model.head.weight, head)
    plain = Trainer(loads_scenario(text.replace("l1 = 0.001", "l1 = 0")))
    plain.step_epoch()
    assert torch.equal(plain.model.hidden[0].weight, before)


def test_playground_features_are_computed_then_transformed():
    text = NEGATIVE_INIT.replace("test_fraction = 0.2", 'test_fraction = 0.2\nfeatures = ["x1", "x2", "x1^2", "x2^2", '
                                 '"x1*x2", "sin(x1)", "sin(x2)"]')
    s = loads_scenario(text)
    assert s.data.n_features == 7 and s.data.features[2] == "x1^2"
    plain = Trainer(loads_scenario(NEGATIVE_INIT)).dataset.x_train.double()
    data = Trainer(s).dataset
    x1, x2 = plain[:, 0], plain[:, 1]
    want = torch.stack([x1, x2, x1 ** 2, x2 ** 2, x1 * x2, torch.sin(x1), torch.sin(x2)], dim=1)
    assert torch.allclose(data.x_train.double(), want, rtol=1e-6, atol=1e-5)
    assert data.feature_names == ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2")
    assert Trainer(s).model.hidden[0].weight.shape == (1, 7)
    std = Trainer(loads_scenario(text.replace("test_fraction = 0.2", 'test_fraction = 0.2\ntransform = "standardize"')))
    assert np.allclose(std.dataset.x_train.numpy().mean(axis=0), 0, atol=1e-5)


# --------------------------------------------------------------------------- mistakes

BASE = """\
[data]
generator = "xor"

[[model.layers]]
width = 3

[[model.layers]]
width = 2
activation = "prelu"

[training]
optimizer = "sgd"

[[training.events]]
epoch = 4
"""


def event_error(lines: str) -> ScenarioError:
    return fail(BASE + lines)


@pytest.mark.parametrize(("lines", "key", "value", "problem", "expected"), [
    ("layer = 2\nunit = 0\nbias = 1.0\n", "layer", 2, "no such hidden layer",
     "a hidden layer index from 0 to 1 (the network has 2)"),
    ("layer = 0\nunit = 3\nbias = 1.0\n", "unit", 3, "no such unit in hidden1", "a unit index from 0 to 2"),
    ("layer = 0\nunit = -1\nbias = 1.0\n", "unit", -1, "no such unit in hidden1", "a unit index from 0 to 2"),
    ("layer = 1\nunit = 0\nweights = [1.0, 2.0]\n", "weights", [1.0, 2.0], "wrong length or non-numeric entry",
     "3 number(s), one per input of hidden2"),
    ("layer = 0\nunit = 0\nweights = [1.0, 'x']\n", "weights", [1.0, "x"], "wrong length or non-numeric entry",
     "2 number(s), one per input of hidden1"),
    ("layer = 0\nunit = 0\nbias = inf\n", "bias", math.inf, "bad value", "a finite number"),
    ('layer = 0\nactivation = "swish"\n', "activation", "swish", "bad value", None),
    ('layer = 0\nactivation = "prelu"\n', "activation", "prelu",
     "a swap cannot be made to 'prelu' (it learns parameters of its own)",
     "an activation without learned parameters, on a layer without them"),
    ('layer = 1\nactivation = "relu"\n', "activation", "relu",
     "a swap cannot be made from 'prelu' (it learns parameters of its own)",
     "an activation without learned parameters, on a layer without them"),
    ('layer = 0\nunit = 1\nactivation = "elu"\n', "unit", 1,
     "not used here: an activation swap acts on the whole layer", None),
    ("revive = false\n", "revive", False, "revive = false does nothing", "revive = true"),
    ("revive = 1\n", "revive", 1, "bad value", "true or false"),
    ("unit = 1\nrevive = true\n", "unit", 1, "a unit needs its layer", "layer = ... too"),
    ("shuffle_targets = false\n", "shuffle_targets", False, "shuffle_targets = false does nothing",
     "shuffle_targets = true"),
    ("shuffle_targets = 1\n", "shuffle_targets", 1, "bad value", "true or false"),
    ("layer = 0\nshuffle_targets = true\n", "layer", 0,
     "not used here: a target shuffle acts on the whole training set", None),
    ("revive = true\nshuffle_targets = true\n", "shuffle_targets", True, "one event cannot also be a revive event",
     "a [[training.events]] table of its own (events of one epoch act in the file's order)"),
    ("learning_rate = 0.5\nlayer = 0\n", "layer", 0, "not used here: a learning_rate event acts on the whole network",
     None),
    ("learning_rate = 0.5\nrevive = true\n", "revive", True, "one event cannot also be a learning_rate event",
     "a [[training.events]] table of its own (events of one epoch act in the file's order)"),
    ("layer = 0\nunit = 0\nbias = 1.0\nnegative_slope = 0.1\n", "negative_slope", 0.1,
     "one event cannot also be a set event",
     "a [[training.events]] table of its own (events of one epoch act in the file's order)"),
])
def test_a_bad_event_is_one_line_naming_its_key(lines, key, value, problem, expected):
    err = event_error(lines)
    line = BASE.count("\n") + next(n for n, text in enumerate(lines.splitlines(), start=1) if text.startswith(key))
    assert_fields(err, line=line, key=f"training.events[0].{key}", value=value, problem=problem,
                  expected=expected if expected is not None else err.expected)
    if key == "activation" and problem == "bad value":
        assert err.expected.startswith("one of 'relu', 'leaky_relu'")


def test_an_event_without_an_action_says_what_it_could_do():
    err = event_error("")
    assert_fields(err, line=14, key="training.events[0]", problem="the event does nothing",
                  expected="learning_rate, bias or weights (with layer and unit), activation (with layer), "
                           "revive = true or shuffle_targets = true")


def test_a_set_event_needs_its_layer_and_unit():
    assert event_error("bias = 1.0\n").key == "training.events[0].layer"
    err = event_error("layer = 0\nbias = 1.0\n")
    assert_fields(err, line=14, key="training.events[0].unit", problem="missing key",
                  expected="a unit index from 0 to 2")


def test_events_are_checked_against_each_variants_own_network():
    err = fail(BASE + "layer = 0\nunit = 2\nbias = 1.0\n[variants.narrow]\nmodel.layers.0.width = 2\n")
    assert err.key == "training.events[0].unit" and "(in variant 'narrow')" in err.problem


@pytest.mark.parametrize(("data", "key", "problem"), [
    ('generator = "xor"\nfeatures = ["x3"]\n', "data.features[0]", "bad value"),
    ('generator = "xor"\nfeatures = ["x1", "x1"]\n', "data.features", "bad value"),
    ('generator = "blobs"\nn_features = 3\nfeatures = ["x1"]\n', "data.features",
     "Playground's features need two-coordinate data"),
    ('generator = "positive_line"\nhigh = 1e20\nfeatures = ["x1^2"]\n', "data.features",
     "the data would overflow float32 (values up to about 1e+40)"),
])
def test_bad_features(data, key, problem):
    err = fail(f"[data]\n{data}[[model.layers]]\nwidth = 2\n")
    assert err.key == key and err.problem == problem


def test_check_refuses_a_bad_event_in_one_line(tmp_path, capsys):
    from relu_tui.cli import main

    path = tmp_path / "bad.toml"
    path.write_text(with_events(NEGATIVE_INIT, "[[training.events]]\nepoch = 3\nlayer = 0\nunit = 1\nbias = 1.0\n"))
    assert main(["check", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "training.events[0].unit = 1: no such unit in hidden1" in err


def test_bundled_scenarios_load_with_their_events_unchanged():
    s = load_scenario(SCENARIOS / "high_learning_rate.toml")
    assert s.training.events == (Event(30, 300.0), Event(31, 0.3))
