"""The app's engine side: one trainer per variant, commands applied under a lock, snapshots out.

No Textual here: the app calls these methods from its worker threads only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from relu_tui.engine.snapshot import Snapshot, sample_subset, take_snapshot
from relu_tui.engine.threads import suit_threads
from relu_tui.engine.trainer import Trainer, state_changed
from relu_tui.spec.scenario import Scenario

if TYPE_CHECKING:
    from relu_tui.engine.sweep import SweepPoint

HEATMAP_SAMPLES = 480
Progress = Callable[[int, int], bool]  # (done, total) -> keep going?
BatchProgress = Callable[[int, int, int, float], bool]  # (epoch, batches done, batches, start time) -> keep going?


class Session:
    """All variants of one scenario, each with its own trainer, sharing the seed and initial weights."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.lock = threading.Lock()
        self._trainers: dict[str, Trainer] = {}
        self._samples: dict[str, np.ndarray] = {}
        self._sweep: list[SweepPoint] | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.scenario.variant_names

    def trainer(self, name: str) -> Trainer:
        if name not in self._trainers:
            variant = self.scenario.with_variant(name)
            suit_threads(variant, beside_ui=True)  # called on the engine thread, which does the training
            trainer = Trainer(variant)
            self._trainers[name] = trainer
            self._samples[name] = sample_subset(trainer.dataset.y_train, HEATMAP_SAMPLES)
        return self._trainers[name]

    def snapshot(self, name: str) -> Snapshot:
        trainer = self.trainer(name)
        return take_snapshot(trainer, samples=self._samples[name])

    # -- commands: each applies to the named variants in lockstep ----------------------------
    def step_epochs(self, names: Iterable[str], n: int, progress: Progress | None = None,
                    batch_progress: BatchProgress | None = None) -> None:
        """``progress(epochs done, n)`` after each epoch and ``batch_progress(epoch, batches done,
        batches, start time)`` after each mini-batch; either stops the command by returning False."""
        trainers = [self.trainer(name) for name in names]
        for done in range(n):
            for trainer in trainers:
                started, epoch = time.monotonic(), trainer.epoch + 1
                on_batch = None if batch_progress is None else (
                    lambda k, total, epoch=epoch, started=started: batch_progress(epoch, k, total, started))
                trainer.step_epoch(on_batch)
                if trainer.batch:  # stopped within the epoch
                    return
            if progress is not None and not progress(done + 1, n):
                return

    def step_batch(self, names: Iterable[str]) -> None:
        for name in names:
            self.trainer(name).step_batch()

    def until_change(self, names: Iterable[str], limit: int, progress: Progress | None = None) -> int | None:
        """Step until a unit of any named variant changes state; the epoch it happened, or None."""
        trainers = [self.trainer(name) for name in names]
        for done in range(limit):
            if all(t.diverged for t in trainers):
                return None
            changed = False
            for trainer in trainers:
                before = trainer.record
                changed |= state_changed(before, trainer.step_epoch())
            if changed:
                return trainers[0].epoch
            if progress is not None and not progress(done + 1, limit):
                return None
        return None

    def rewind(self, names: Iterable[str], epochs_back: int = 1) -> None:
        for name in names:
            trainer = self.trainer(name)
            target = trainer.epoch - epochs_back if trainer.batch == 0 else trainer.epoch
            trainer.rewind(max(0, target))

    def reset(self, names: Iterable[str]) -> None:
        for name in names:
            self.trainer(name).reset()

    def sweep(self, on_point: Callable[[list[SweepPoint]], bool]) -> list[SweepPoint]:
        """The scenario's born-dead sweep, computed once per seed; ``on_point(points so far)`` returns
        False to stop early."""
        from relu_tui.engine.sweep import run_sweep

        if self._sweep is not None:
            on_point(self._sweep)
            return self._sweep
        points: list[SweepPoint] = []
        for point in run_sweep(self.scenario):
            points.append(point)
            if not on_point(points):
                return points
        self._sweep = points
        return points

    def reseed(self, seed: int) -> None:
        """Start every variant afresh from ``seed``."""
        self.scenario = self.scenario.with_seed(seed)
        self._trainers.clear()
        self._samples.clear()
        self._sweep = None
