"""A transformers ``TrainerCallback`` that runs a :class:`~relu_tui.monitor.Monitor` on the Trainer's model.

    trainer = transformers.Trainer(model, args, train_dataset=data, callbacks=[ReluMonitor("runs/hf", every=10)])

It attaches when training begins, makes a step at each optimizer step (the Trainer zeroes the gradients
before it: the Monitor took them when backward made them) with the epoch, and closes when training ends.
The loss is not passed: the Trainer hands it to its callbacks only at logging steps.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from transformers import TrainerCallback

from relu_tui.monitor.monitor import Monitor


class ReluMonitor(TrainerCallback):
    def __init__(self, run_dir: str | Path, every: int = 1, tensorboard: Any = None, **monitor_options: Any) -> None:
        self.run_dir, self.every, self.options = run_dir, every, monitor_options
        self.tensorboard = tensorboard  # a TensorBoardScalars, or None
        self.monitor: Monitor | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
        self.monitor = Monitor(model, self.run_dir, every=self.every, **self.options)

    def on_step_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.monitor is None:
            return
        epoch = None if state.epoch is None else int(state.epoch)
        record = self.monitor.step(epoch=epoch)
        if record is not None and self.tensorboard is not None and state.is_world_process_zero:
            self.tensorboard.write(record, self.monitor.layers, self.monitor.dormant_tau)

    def on_train_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        if self.monitor is not None:
            self.monitor.close()
            self.monitor = None
