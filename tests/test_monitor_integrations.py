"""The integrations against the real packages: a Lightning Trainer, a transformers Trainer, TensorBoard
scalars read back with TensorBoard's own reader. Each is skipped, saying why, without its package."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import numpy as np
import pytest
import torch
from torch import nn

from relu_tui.engine.records import DEAD
from relu_tui.monitor import read_run


def needs(package: str):
    return pytest.mark.skipif(importlib.util.find_spec(package) is None,
                              reason=f"{package} is not installed (the test extra has it)")


def dying_mlp() -> nn.Sequential:
    """Units 0 and 1 of the first layer dead from the start (bias -30); on positive inputs, the others fire
    on every one (positive weights and bias)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 2))
    with torch.no_grad():
        model[0].weight.abs_()
        model[0].bias[:2] = -30.0
        model[0].bias[2:] = 0.1
    return model


@needs("lightning")
def test_a_lightning_callback(tmp_path):
    import lightning

    from relu_tui.monitor.integrations.lightning import ReluMonitor

    class Module(lightning.LightningModule):
        def __init__(self) -> None:
            super().__init__()
            self.net = dying_mlp()

        def training_step(self, batch, batch_idx):
            x, y = batch
            return nn.functional.cross_entropy(self.net(x), y)

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.1)

    data = torch.utils.data.TensorDataset(torch.randn(32, 4), torch.randint(0, 2, (32,)))
    trainer = lightning.Trainer(max_epochs=2, accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                                enable_progress_bar=False, enable_model_summary=False, accumulate_grad_batches=2,
                                callbacks=[ReluMonitor(tmp_path / "run")])
    trainer.fit(Module(), torch.utils.data.DataLoader(data, batch_size=4))
    log = read_run(tmp_path / "run")
    assert [i.name for i in log.meta.layers] == ["net.1"]
    assert log.steps.tolist() == list(range(1, 9))  # 8 batches an epoch, 2 per optimizer step, 2 epochs
    assert log.epochs.tolist() == [0] * 4 + [1] * 4 and np.isfinite(log.losses).all()
    last = log.records[-1].layers["net.1"]
    assert last.inputs == 8 and last.state[:2].tolist() == [DEAD, DEAD] and last.grad_norm[:2].tolist() == [0, 0]
    assert (tmp_path / "run" / "closed.json").exists()


@needs("transformers")
@needs("accelerate")
def test_a_transformers_trainer_callback(tmp_path):
    import transformers

    from relu_tui.monitor.integrations.huggingface import ReluMonitor

    torch.manual_seed(0)
    config = transformers.BertConfig(vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=16, max_position_embeddings=8, num_labels=2)
    model = transformers.BertForSequenceClassification(config)
    data = [{"input_ids": torch.randint(0, 30, (6,)), "labels": torch.tensor(i % 2)} for i in range(12)]
    args = transformers.TrainingArguments(output_dir=str(tmp_path / "out"), max_steps=3, per_device_train_batch_size=4,
                                          report_to=[], save_strategy="no", logging_strategy="no", use_cpu=True,
                                          disable_tqdm=True)
    transformers.Trainer(model=model, args=args, train_dataset=data, callbacks=[ReluMonitor(tmp_path / "run")]).train()
    log = read_run(tmp_path / "run")
    (info,) = log.meta.layers
    assert info.activation == "GELUActivation" and info.fed_by == "bert.encoder.layer.0.intermediate.dense"
    assert log.steps.tolist() == [1, 2, 3] and all(r.layers[info.name].inputs == 4 * 6 for r in log.records)
    # the Trainer zeroes the gradients before the callback runs: the norms were taken at backward
    assert all(np.isfinite(r.layers[info.name].grad_norm).all() for r in log.records)


@needs("tensorboard")
def test_tensorboard_scalars_read_back(tmp_path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    from relu_tui.monitor import Monitor
    from relu_tui.monitor.integrations.tensorboard import TensorBoardScalars

    model = dying_mlp()
    board = TensorBoardScalars(tmp_path / "tb")
    with Monitor(model, tmp_path / "run", every=2) as monitor:
        for _ in range(4):
            model(torch.rand(8, 4)).sum().backward()
            record = monitor.step()
            if record is not None:
                board.write(record, monitor.layers, monitor.dormant_tau)
    board.close()
    events = EventAccumulator(str(tmp_path / "tb"))
    events.Reload()
    dead = events.Scalars("relu_tui/dead_share/1")
    assert [(e.step, e.value) for e in dead] == [(2, pytest.approx(2 / 6)), (4, pytest.approx(2 / 6))]
    assert "relu_tui/dormant_share/1" in events.Tags()["scalars"] and "relu_tui/dead_share" in events.Tags()["scalars"]


def test_the_integrations_import_nothing_until_used():
    code = ("import sys, relu_tui.monitor.integrations, relu_tui.monitor; from relu_tui.monitor import Monitor; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'lightning', 'transformers', 'tensorboard'}))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "[]"
