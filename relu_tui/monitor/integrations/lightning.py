"""A PyTorch Lightning ``Callback`` that runs a :class:`~relu_tui.monitor.Monitor` on the LightningModule.

    trainer = lightning.Trainer(callbacks=[ReluMonitor("runs/lit", every=10)])

It attaches at ``fit`` start, makes a step after each optimizer step (so gradient accumulation is one
step per optimizer step) with the batch's loss and the epoch, and closes when fitting ends. Under DDP
every rank runs its own and only rank 0 writes, as with a plain loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lightning.pytorch.callbacks import Callback

from relu_tui.monitor.monitor import Monitor


class ReluMonitor(Callback):
    def __init__(self, run_dir: str | Path, every: int = 1, tensorboard: Any = None, **monitor_options: Any) -> None:
        super().__init__()
        self.run_dir, self.every, self.options = run_dir, every, monitor_options
        self.tensorboard = tensorboard  # a TensorBoardScalars, or None
        self.monitor: Monitor | None = None
        self._steps = 0

    def on_fit_start(self, trainer: Any, pl_module: Any) -> None:
        self.monitor = Monitor(pl_module, self.run_dir, every=self.every, **self.options)
        self._steps = trainer.global_step

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        if self.monitor is None or trainer.global_step == self._steps:  # accumulating: no optimizer step yet
            return
        self._steps = trainer.global_step
        loss = outputs.get("loss") if isinstance(outputs, dict) else outputs
        record = self.monitor.step(loss, epoch=trainer.current_epoch)
        if record is not None and self.tensorboard is not None and trainer.global_rank == 0:
            self.tensorboard.write(record, self.monitor.layers, self.monitor.dormant_tau)

    def on_fit_end(self, trainer: Any, pl_module: Any) -> None:
        if self.monitor is not None:
            self.monitor.close()
            self.monitor = None
