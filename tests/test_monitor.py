"""The Monitor on small models: which units it finds, their states, gradients and death bookkeeping."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from relu_tui.engine.records import ACTIVE, ALIVE, DEAD, NEGATIVE, SPARSE
from relu_tui.monitor import Monitor, read_run
from relu_tui.monitor.runlog import NO_STATE


def positive_inputs(n: int = 20) -> torch.Tensor:
    """n x 4 inputs in (0.05, 0.85], except that the first sample's feature 0 is 1."""
    x = torch.rand(n, 4, generator=torch.Generator().manual_seed(0)) * 0.8 + 0.05
    x[0, 0] = 1.0
    return x


def mlp() -> nn.Sequential:
    """Unit 0: all-negative weights (dead on positive inputs); unit 1 fires only on x0 > 0.9 (1 of 20 inputs:
    sparse); unit 2 fires on everything."""
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[-1.0] * 4, [1.0, 0, 0, 0], [1.0] * 4]))
        model[0].bias.copy_(torch.tensor([-0.1, -0.9, 0.0]))
    return model


def train(model: nn.Module, monitor: Monitor, x: torch.Tensor, steps: int, lr: float = 0.01, epoch_of=lambda s: s):
    """Full-batch SGD steps; the records the monitor returned."""
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    records = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = (model(x) - 1).square().mean()
        loss.backward()
        optimizer.step()
        records.append(monitor.step(loss, epoch=epoch_of(step)))
    return records


def test_mlp_dead_sparse_and_active_units(tmp_path):
    model, x = mlp(), positive_inputs()
    with Monitor(model, tmp_path / "run") as monitor:
        records = train(model, monitor, x, steps=3)
    assert [layer.name for layer in monitor.layers] == ["1"]
    info = monitor.layers[0]
    assert (info.activation, info.kind, info.width, info.can_die, info.fed_by) == ("ReLU", "unit", 3, True, "0")
    for record in records:
        stats = record.layers["1"]
        assert stats.inputs == 20
        assert stats.state.tolist() == [DEAD, SPARSE, ACTIVE]
        assert stats.active_share.tolist() == [0.0, np.float32(0.05), 1.0]
        assert stats.grad_norm[0] == 0.0 and stats.grad_norm[1] > 0 and stats.grad_norm[2] > 0
        assert stats.died_step.tolist() == [1, ALIVE, ALIVE]  # dead since the first record
        assert stats.died_epoch.tolist() == [0, ALIVE, ALIVE]
        assert not stats.revived.any()
    assert [r.step for r in records] == [1, 2, 3] and [r.epoch for r in records] == [0, 1, 2]


def test_cnn_dead_channel(tmp_path):
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                          nn.Linear(3, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.stack([torch.ones(2, 3, 3), -torch.ones(2, 3, 3), torch.ones(2, 3, 3)]))
        model[0].bias.copy_(torch.tensor([0.1, -0.5, 0.0]))
    x = torch.rand(4, 2, 5, 5, generator=torch.Generator().manual_seed(1)) + 0.01
    with Monitor(model, tmp_path / "run") as monitor:
        (record,) = train(model, monitor, x, steps=1)
    info = monitor.layers[0]
    assert (info.name, info.kind, info.width, info.fed_by) == ("1", "channel", 3, "0")
    stats = record.layers["1"]
    assert stats.inputs == 4 * 5 * 5  # per channel: samples times positions
    assert stats.state.tolist() == [ACTIVE, DEAD, ACTIVE]
    assert stats.active_share.tolist() == [1.0, 0.0, 1.0]
    assert stats.grad_norm[1] == 0.0 and (stats.grad_norm[[0, 2]] > 0).all()


def test_a_unit_killed_by_training_and_revived(tmp_path):
    model, x = mlp(), positive_inputs()
    with Monitor(model, tmp_path / "run") as monitor:
        train(model, monitor, x, steps=2, lr=0.0, epoch_of=lambda s: 0)
        with torch.no_grad():  # as an update that overshoots would
            model[0].weight[2] = -1.0
        killed = train(model, monitor, x, steps=2, lr=0.0, epoch_of=lambda s: 1)
        with torch.no_grad():
            model[0].weight[2] = 1.0
        revived = train(model, monitor, x, steps=1, lr=0.0, epoch_of=lambda s: 2)[0]
    for record in killed:
        stats = record.layers["1"]
        assert stats.state.tolist() == [DEAD, SPARSE, DEAD]
        assert stats.died_step.tolist() == [1, ALIVE, 3] and stats.died_epoch.tolist() == [0, ALIVE, 1]
        assert stats.grad_norm[2] == 0.0 and not stats.revived.any()
    stats = revived.layers["1"]
    assert stats.state.tolist() == [DEAD, SPARSE, ACTIVE]
    assert stats.died_step.tolist() == [1, ALIVE, ALIVE] and stats.revived.tolist() == [False, False, True]


def test_the_log_holds_what_step_returned(tmp_path):
    model, x = mlp(), positive_inputs()
    with Monitor(model, tmp_path / "run", every=2, sparse_threshold=0.01) as monitor:
        returned = [r for r in train(model, monitor, x, steps=5) if r is not None]
    log = read_run(tmp_path / "run")
    meta = log.meta
    assert (meta.model, meta.every, meta.sparse_threshold, meta.world_size) == ("Sequential", 2, 0.01, 1)
    assert log.meta.layers == monitor.layers
    assert log.steps.tolist() == [2, 4] and log.epochs.tolist() == [1, 3]  # the partial last period is not recorded
    assert log.losses.tolist() == pytest.approx([r.loss for r in returned])
    for written, read in zip(returned, log.records):
        assert (read.step, read.epoch) == (written.step, written.epoch)
        for name, stats in written.layers.items():
            for field in ("inputs", "active_share", "state", "grad_norm", "died_step", "died_epoch", "revived"):
                np.testing.assert_array_equal(getattr(read.layers[name], field), getattr(stats, field))
    assert returned[0].layers["1"].inputs == 40  # two steps' forward passes
    assert log.array("1", "state")[1].tolist() == [ACTIVE, ACTIVE]  # 0.05 is not sparse below a 0.01 threshold
    assert log.array("1", "grad_norm").shape == (3, 2)


def test_only_training_passes_count(tmp_path):
    model, x = mlp(), positive_inputs()
    with Monitor(model, tmp_path / "run") as monitor:
        model(x).sum().backward()
        model.eval()
        model(-x)  # would make unit 0 fire
        model.train()
        with torch.no_grad():
            model(-x)
        record = monitor.step()
    assert record.layers["1"].inputs == 20 and record.layers["1"].state[0] == DEAD
    assert record.loss is None and record.epoch is None


def test_leaky_and_smooth_activations_are_negative_not_dead(tmp_path):
    activations = [nn.LeakyReLU(0.01), nn.GELU(), nn.LeakyReLU(0.0), nn.ELU()]
    model = nn.Sequential(*(m for act in activations for m in (nn.Linear(4, 4), act)))
    with torch.no_grad():
        for linear in model[::2]:
            linear.weight.fill_(-1.0)
            linear.bias.fill_(-1.0)
    with Monitor(model, tmp_path / "run") as monitor:
        model(positive_inputs()).sum().backward()
        record = monitor.step()
    assert [(i.activation, i.can_die) for i in monitor.layers] == [
        ("LeakyReLU(0.01)", False), ("GELU", False), ("LeakyReLU(0)", True), ("ELU", False)]
    assert [record.layers[i.name].state.tolist() for i in monitor.layers] == [
        [NEGATIVE] * 4, [NEGATIVE] * 4, [DEAD] * 4, [NEGATIVE] * 4]


class SharedRelu(nn.Module):
    """One nn.ReLU called twice, batch norm between a conv and its activation, and nested names."""

    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Conv1d(1, 2, 3), nn.BatchNorm1d(2))
        self.fc1 = nn.Linear(12, 5)
        self.fc2 = nn.Linear(5, 3)
        self.relu = nn.ReLU()
        self.act = nn.SiLU()
        self.head = nn.Linear(3, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.act(self.block(x)).flatten(1)
        return self.head(self.relu(self.fc2(self.relu(self.fc1(x)))))


def test_layers_are_found_in_forward_order_with_their_feeders(tmp_path):
    model = SharedRelu()
    with Monitor(model, tmp_path / "run") as monitor:
        assert monitor.layers == ()
        for _ in range(2):
            model(torch.rand(8, 1, 8)).sum().backward()
            record = monitor.step()
    assert [(i.name, i.fed_by, i.kind, i.width) for i in monitor.layers] == [
        ("act", "block.0", "channel", 2), ("relu", "fc1", "unit", 5), ("relu#2", "fc2", "unit", 3)]
    assert {name: stats.inputs for name, stats in record.layers.items()} == {"act": 8 * 6, "relu": 8, "relu#2": 8}


def test_step_records_every_n_steps_and_grad_norm_without_backward_is_missing(tmp_path):
    model, x = mlp(), positive_inputs()
    with Monitor(model, tmp_path / "run", every=3) as monitor:
        results = []
        for _ in range(6):
            model(x)
            results.append(monitor.step())
    assert [r is None for r in results] == [True, True, False, True, True, False]
    assert results[2].layers["1"].inputs == 60 and np.isnan(results[5].layers["1"].grad_norm).all()
    assert np.isnan(read_run(tmp_path / "run").records[-1].layers["1"].grad_norm).all()


def test_an_unfed_activation_and_a_record_without_training_passes_warn(tmp_path):
    model = nn.Sequential(nn.ReLU(), nn.Linear(2, 2), nn.ReLU())
    with Monitor(model, tmp_path / "run") as monitor:
        model(torch.rand(1, 2))
        with pytest.warns(UserWarning, match="^0: no single layer produces the input"):
            monitor.step()
        with torch.no_grad():
            model(torch.rand(1, 2))
        with pytest.warns(UserWarning, match="no training forward pass was counted"):
            record = monitor.step()
    assert [(i.name, i.fed_by, i.feeders) for i in monitor.layers] == [("0", "", ()), ("2", "1", ("1",))]
    assert monitor.layers[0].note.startswith("no single producing layer: a tensor with no autograd history")
    stats = record.layers["2"]
    assert stats.inputs == 0 and np.isnan(stats.active_share).all() and stats.state.tolist() == [NO_STATE] * 2
    written = read_run(tmp_path / "run").records[-1].layers["2"]
    assert written.inputs == 0 and np.isnan(written.active_share).all() and (written.state == NO_STATE).all()


def test_close_removes_every_hook(tmp_path):
    model = SharedRelu()
    monitor = Monitor(model, tmp_path / "run")
    model(torch.rand(2, 1, 8))
    monitor.close()
    for module in model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks
    with pytest.raises(RuntimeError, match="closed"):
        monitor.step()


def test_models_it_cannot_watch(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    monitor = Monitor(model, tmp_path / "b")
    model(torch.rand(1, 2))
    with pytest.raises(ValueError, match=r"^Sequential: no activation ran in a counted forward pass .*register"):
        monitor.step()
    monitor.close()
    with pytest.raises(ValueError, match=r"before the first monitor\.step"):
        Monitor(mlp(), tmp_path / "d").step()
    with pytest.raises(ValueError, match="every"):
        Monitor(mlp(), tmp_path / "e", every=0)
    with pytest.raises(ValueError, match="dormant_tau"):
        Monitor(mlp(), tmp_path / "f", dormant_tau=1.5)
    assert not any(tmp_path.iterdir())  # nothing was written


def test_a_directory_holding_a_run_is_not_reused(tmp_path):
    model, x = mlp(), positive_inputs()
    with Monitor(model, tmp_path) as monitor:
        train(model, monitor, x, steps=1)
    with pytest.raises(FileExistsError, match="already holds a run"):
        Monitor(mlp(), tmp_path)


def test_the_monitor_package_imports_no_textual():
    code = ("import relu_tui.monitor, sys; from relu_tui.monitor import Monitor, read_run, RunLogTail; "
            "assert not any(m.startswith('textual') for m in sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True)
