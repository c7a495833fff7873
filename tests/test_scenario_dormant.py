"""dormant: with targets that change every 40 epochs the share of dormant units grows from change to
change; reviving them at each change (ReDo) keeps it lower and the loss falls faster."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from relu_tui import Trainer, load_scenario

from .conftest import SCENARIOS, recorded_runs

ENDS = (80, 120, 160, 200)  # the ends of the four shuffled tasks
CHANGES = (41, 81, 121, 161)


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "dormant.toml")


@pytest.fixture(scope="module")
def runs(scenario):
    return recorded_runs(scenario)


def dormant(record) -> int:
    return sum(int(layer.dormant.sum()) for layer in record.layers)


def test_the_dormant_share_grows_from_change_to_change(runs):
    base = runs("base")
    counts = [dormant(base[e]) for e in (40, *ENDS)]  # the text: 30, 63, 65, 73, 75 of 128
    assert counts == sorted(counts) and counts[0] < 40 and counts[-1] > 64  # more than half at the end
    assert base[40].loss < 0.01  # the first task (the moons themselves) is learnt


def test_redo_keeps_fewer_dormant_and_recovers_the_loss_faster(runs):
    base, redo = runs("base"), runs("redo")
    assert all(dormant(redo[e]) < dormant(base[e]) - 10 for e in ENDS)
    assert all(redo[e + 19].loss < base[e + 19].loss for e in CHANGES)  # 20 epochs after each change
    assert all(redo[e].loss < base[e].loss for e in ENDS)
    assert np.mean([redo[e].loss for e in range(41, 201)]) < np.mean([base[e].loss for e in range(41, 201)]) - 0.05


def test_the_targets_are_the_same_labels_moved_to_other_samples(scenario):
    trainer = Trainer(scenario)
    original = trainer.targets.clone()
    trainer.step_epochs(41)
    assert not torch.equal(trainer.targets, original)
    assert torch.equal(trainer.targets.sort().values, original.sort().values)
    assert torch.equal(trainer.dataset.y_train, original)  # the data themselves are untouched


def test_a_rewind_across_a_change_repeats_the_numbers(scenario, runs):
    trainer = Trainer(scenario.with_variant("redo"))
    trainer.step_epochs(90)
    trainer.rewind(35)
    again = [trainer.record, *trainer.iter_epochs(55)]
    assert [r.loss for r in again] == [r.loss for r in runs("redo")[35:91]]
    assert all((a.states() == b.states()).all() for a, b in zip(again, runs("redo")[35:91]))
