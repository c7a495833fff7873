"""Bounded history: per-epoch records and training checkpoints, thinned to a memory budget.

Each store keeps every epoch while it fits, plus always the most recent ones;
past its budget it keeps only epochs on a grid whose spacing doubles. Missing
epochs are recomputed by replaying training from the nearest checkpoint.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

T = TypeVar("T")

DEFAULT_BUDGET_MB = 256.0


@dataclass
class ThinningStore(Generic[T]):
    """Epoch -> item, at most ``budget`` bytes (the newest ``recent`` epochs and epoch 0 always kept)."""

    budget: int
    size_of: Callable[[T], int]
    recent: int = 16
    interval: int = 1
    items: dict[int, T] = field(default_factory=dict)
    nbytes: int = 0

    def add(self, epoch: int, item: T) -> None:
        if epoch in self.items:
            self.nbytes -= self.size_of(self.items[epoch])
        self.items[epoch] = item
        self.nbytes += self.size_of(item)
        leaving = epoch - self.recent  # the one epoch that just left the recent window
        if leaving in self.items and not self._keep(leaving, epoch):
            self.nbytes -= self.size_of(self.items.pop(leaving))
        while self.nbytes > self.budget and self._can_thin(epoch):
            self.interval *= 2
            self._thin(epoch)

    def _keep(self, epoch: int, newest: int) -> bool:
        return epoch == 0 or epoch % self.interval == 0 or epoch > newest - self.recent

    def _can_thin(self, newest: int) -> bool:
        return any(not (e == 0 or e > newest - self.recent) for e in self.items)

    def _thin(self, newest: int) -> None:
        for epoch in [e for e in self.items if not self._keep(e, newest)]:
            self.nbytes -= self.size_of(self.items.pop(epoch))

    def get(self, epoch: int) -> T | None:
        return self.items.get(epoch)

    def at_or_before(self, epoch: int) -> tuple[int, T]:
        best = max(e for e in self.items if e <= epoch)
        return best, self.items[best]

    def truncate(self, epoch: int) -> None:
        """Forget everything after ``epoch``."""
        for e in [e for e in self.items if e > epoch]:
            self.nbytes -= self.size_of(self.items.pop(e))


@dataclass
class Scalars:
    """Small per-epoch series kept for every epoch: for curves and summaries."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    test_loss: list[float | None] = field(default_factory=list)
    test_accuracy: list[float | None] = field(default_factory=list)
    learning_rate: list[float] = field(default_factory=list)
    counts: list[dict[str, int]] = field(default_factory=list)

    def truncate(self, length: int) -> None:
        for series in (self.loss, self.accuracy, self.test_loss, self.test_accuracy, self.learning_rate, self.counts):
            del series[length:]


class History:
    """Everything the trainer has seen, epoch 0 to ``last``, within ``budget_mb`` megabytes."""

    def __init__(self, checkpoint_size: Callable[[Any], int], budget_mb: float = DEFAULT_BUDGET_MB) -> None:
        half = int(budget_mb * 2**20 / 2)
        self.budget_mb = budget_mb
        self.records: ThinningStore = ThinningStore(half, lambda r: r.nbytes)
        self.checkpoints: ThinningStore = ThinningStore(half, checkpoint_size)
        self.scalars = Scalars()

    @property
    def last(self) -> int:
        return len(self.scalars.loss) - 1

    @property
    def nbytes(self) -> int:
        return self.records.nbytes + self.checkpoints.nbytes

    def add(self, record: Any, checkpoint: Any) -> None:
        epoch = record.epoch
        assert epoch == self.last + 1, f"history is at epoch {self.last}, got {epoch}"
        self.records.add(epoch, record)
        self.checkpoints.add(epoch, checkpoint)
        s = self.scalars
        s.loss.append(record.loss)
        s.accuracy.append(record.accuracy)
        s.test_loss.append(record.test_loss)
        s.test_accuracy.append(record.test_accuracy)
        s.learning_rate.append(record.learning_rate)
        s.counts.append(record.counts())

    def truncate(self, epoch: int) -> None:
        self.records.truncate(epoch)
        self.checkpoints.truncate(epoch)
        self.scalars.truncate(epoch + 1)
