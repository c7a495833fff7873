"""minibatch_death: stepping by mini-batch shows the batch whose update killed a unit; the records at
an epoch's end are the same however the epoch was stepped."""

from __future__ import annotations

import numpy as np
import pytest

from relu_tui import Trainer, load_scenario
from relu_tui.engine.explanations import cause_text
from relu_tui.engine.records import DEAD

from .conftest import SCENARIOS, recorded_runs


@pytest.fixture(scope="module")
def scenario():
    return load_scenario(SCENARIOS / "minibatch_death.toml")


def test_unit_4_dies_in_batch_8_of_epoch_2(scenario):
    trainer = Trainer(scenario)
    assert trainer.batches_per_epoch == 10
    trainer.step_epoch()
    for batch in range(1, 10):
        layer = trainer.step_batch().layers[0]
        assert (trainer.epoch, trainer.batch) == (1, batch)
        if batch < 8:
            assert layer.count(DEAD) == 0
        else:
            assert np.flatnonzero(layer.state == DEAD).tolist() == [4]
            assert (layer.epoch_of_death[4], layer.death_batch[4]) == (2, 8)
            assert cause_text(layer, 4).startswith("Killed by the update of batch 8 of epoch 2")
            assert float(layer.bias[4]) == pytest.approx(-2.9, abs=0.05)
    end = trainer.step_batch().layers[0]  # the tenth batch closes epoch 2
    assert (trainer.epoch, trainer.batch, end.epoch_of_death[4], end.death_batch[4]) == (2, 0, 2, 0)
    assert cause_text(end, 4).startswith("Killed by the update of epoch 2")


def test_an_epoch_record_is_the_same_however_the_epoch_was_stepped(scenario):
    by_batch, whole = Trainer(scenario), Trainer(scenario)
    by_batch.step_epoch()
    for _ in range(10):
        by_batch.step_batch()
    a, b = by_batch.record.layers[0], whole.step_epochs(2).layers[0]
    for name in ("state", "epoch_of_death", "cause", "death_step", "death_batch", "bias", "grad_norm"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def test_the_rest_learn_and_the_cures_lose_no_unit(scenario):
    runs = recorded_runs(scenario)
    assert runs("base")[-1].layers[0].count(DEAD) == 1 and runs("base")[-1].accuracy == 1.0
    for name in ("lower_rate", "full_batch"):
        assert all(r.layers[0].count(DEAD) == 0 for r in runs(name)), name
        assert runs(name)[-1].accuracy > 0.95
