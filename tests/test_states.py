"""One set of state rules: the trainer's diagnosis and the Monitor agree on the same activations."""

from __future__ import annotations

import numpy as np
import torch

from relu_tui import Trainer, find_scenario, load_scenario
from relu_tui.engine.records import ACTIVE, ALIVE, DEAD, NEGATIVE, SPARSE
from relu_tui.engine.states import NO_STATE, carry_deaths, classify
from relu_tui.monitor import Monitor, read_run


def test_classify_by_hand():
    share, state = classify(np.array([0, 1, 5, 10, 0]), 10, can_die=True, sparse_threshold=0.2)
    assert state.tolist() == [DEAD, SPARSE, ACTIVE, ACTIVE, DEAD]
    assert share.tolist() == np.float32([0.0, 0.1, 0.5, 1.0, 0.0]).tolist() and share.dtype == np.float32
    assert classify(np.array([0, 1]), 10, can_die=False, sparse_threshold=0.2)[1].tolist() == [NEGATIVE, SPARSE]
    assert classify(np.array([0, 3]), 0, can_die=True, sparse_threshold=0.2)[1].tolist() == [NO_STATE, NO_STATE]


def test_carry_deaths_by_hand():
    died, revived, new, still = carry_deaths(np.array([DEAD, ACTIVE, DEAD]), None, None, now=0)
    assert died.tolist() == [0, ALIVE, 0] and not revived.any() and new.tolist() == [True, False, True]
    # unit 0 stays dead, unit 1 dies, unit 2 comes back; unit 3 has no state and keeps its death
    died, revived, new, still = carry_deaths(np.array([DEAD, DEAD, ACTIVE, NO_STATE]), np.array([0, ALIVE, 0, 4]),
                                             np.zeros(4, bool), now=7)
    assert died.tolist() == [0, 7, ALIVE, 4] and revived.tolist() == [False, False, True, False]
    assert new.tolist() == [False, True, False, False] and still.tolist() == [True, False, False, False]


def test_trainer_and_monitor_give_the_same_states_and_death_epochs(tmp_path):
    """high_learning_rate: units die at the spike. The Monitor watches a full-training-set forward pass
    of the trainer's own network after each epoch, so both count the same pre-activations."""
    scenario = load_scenario(find_scenario("high_learning_rate"))
    trainer = Trainer(scenario)
    epochs = 34
    records = [trainer.record]
    monitor = Monitor(trainer.model, tmp_path / "run", sparse_threshold=scenario.diagnosis.sparse_threshold)
    with monitor:
        for epoch in range(epochs + 1):
            if epoch:
                records.append(trainer.step_epoch())
            trainer.model.train()
            with torch.enable_grad():
                trainer.model(trainer.dataset.x_train)
            monitor.step(epoch=epoch)
    log = read_run(tmp_path / "run")
    dead_after = 0
    for record, logged in zip(records, log.records):
        for layer, info in zip(record.layers, log.meta.layers):
            stats = logged.layers[info.name]
            assert stats.state.tolist() == layer.state.tolist(), (record.epoch, layer.name)
            assert stats.died_epoch.tolist() == layer.epoch_of_death.tolist(), (record.epoch, layer.name)
            assert stats.revived.tolist() == layer.revived.tolist()
        dead_after = record.counts()["dead"]
    assert dead_after > 0 and records[0].counts()["dead"] == 0  # deaths happened in between
