"""Records the Monitor has taken but not yet evaluated or written.

A record's counts are taken at its step (they restart there); the states, dormant scores and deaths of
its units are worked out later, for many records at once in a few array operations, and the records are
written to the run log together: by the training thread once :data:`FLUSH_SECONDS` have passed since the
last write or the batch is full, by a flusher thread when training pauses with records unwritten, when a
record's ``layers`` are first read, and at :meth:`PendingRecords.flush` (the Monitor's ``flush`` and
``close``). That is what lets a record every step cost a small part of a small model's step.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np

from relu_tui.engine.states import classify, dormant, per_input
from relu_tui.monitor.payload import BYTES_PER_UNIT, encode_rows
from relu_tui.monitor.runlog import LayerStats, RunRecord
from relu_tui.monitor.states import deaths_over
from relu_tui.monitor.writer import RunWriter

FLUSH_SECONDS = 0.5  # the longest a record waits before it is written
BATCH_UNITS = 2**16  # records x units held at most before a flush (a big layer's records are not batched: no gain)


@dataclass(frozen=True)
class Site:
    """A watched site as the records see it."""

    name: str
    width: int
    can_die: bool


class PendingLayers(Mapping[str, LayerStats]):
    """A record's layers: evaluated and written, with every record taken before it, when first read."""

    def __init__(self, flush: Callable[[], None]) -> None:
        self._flush = flush
        self._layers: dict[str, LayerStats] | None = None

    def _resolved(self) -> dict[str, LayerStats]:
        if self._layers is None:
            self._flush()
        assert self._layers is not None
        return self._layers

    def __getitem__(self, name: str) -> LayerStats:
        return self._resolved()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._resolved())

    def __len__(self) -> int:
        return len(self._resolved())

    def items(self):  # the dict's own views: several times faster than Mapping's
        return self._resolved().items()

    def values(self):
        return self._resolved().values()

    def keys(self):
        return self._resolved().keys()


class PendingRecords:
    """Taken records in order; ``writer`` (None on a rank that does not write) gets them in batches. Hold
    ``lock`` from :meth:`slot` to :meth:`add`: the flusher thread flushes under it."""

    def __init__(self, sites: list[Site], sparse_threshold: float, dormant_tau: float, writer: RunWriter | None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sites = sites
        self.sparse_threshold, self.dormant_tau = sparse_threshold, dormant_tau
        self.writer = writer
        self._clock = clock
        self._widths = np.array([site.width for site in sites])
        units = int(self._widths.sum())
        ends = np.cumsum(self._widths).tolist()
        self._slices = [slice(end - site.width, end) for site, end in zip(sites, ends)]
        self._can_die = np.repeat([site.can_die for site in sites], self._widths)
        self.capacity = max(1, min(256, BATCH_UNITS // max(units, 1)))
        self._counts = np.empty((self.capacity, 2, units))  # per record: fired, |activation| (float64)
        self._norms = np.empty((self.capacity, units), dtype=np.float32)
        self._inputs = np.empty((self.capacity, len(sites)), dtype=np.int64)
        self._records: list[tuple[RunRecord, PendingLayers]] = []  # taken, not evaluated
        self._payload = np.empty((self.capacity, units * BYTES_PER_UNIT), dtype=np.uint8) \
            if writer is not None else None  # the batch's payloads, one row per record
        self._deaths: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # after the last record evaluated
        self._since = clock()
        self.lock = threading.RLock()
        self._failed: BaseException | None = None  # the flusher's write error, raised at the next call
        self._stop = threading.Event()
        if writer is not None:  # a thread of its own for the run's pauses (it wakes four times a second, no more)
            threading.Thread(target=self._flush_in_pauses, name="relu-tui records", daemon=True).start()

    def slot(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where the next record's counts (2 x units), gradient norms (units) and inputs (per site) go."""
        k = len(self._records)
        return self._counts[k], self._norms[k], self._inputs[k]

    def add(self, step: int, epoch: int | None, loss: float | None) -> RunRecord:
        """The record whose counts were just put in :meth:`slot`; flushes when one is due."""
        self._raise_failure()
        layers = PendingLayers(self.flush)
        record = RunRecord(step=step, epoch=epoch, loss=loss, time=time.time(), layers=layers)
        self._records.append((record, layers))
        if len(self._records) == self.capacity or self._clock() - self._since >= FLUSH_SECONDS:
            self.flush()
        return record

    def flush(self) -> None:
        """Evaluate the taken records and write them (one write per file)."""
        with self.lock:
            self._raise_failure()
            records = [record for record, _ in self._records]
            fields = self._evaluate()
            if records and self.writer is not None:
                self.writer.append_batch(records, encode_rows(fields, self._slices, self._payload))
            self._since = self._clock()

    def close(self) -> None:
        """Flush, and stop the flusher."""
        self._stop.set()
        self.flush()

    def _flush_in_pauses(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS / 2):
            with self.lock:
                if not self._records or self._clock() - self._since < FLUSH_SECONDS:
                    continue
                try:
                    self.flush()
                except Exception as error:  # raised in the training thread at its next record
                    self._failed = error

    def _raise_failure(self) -> None:
        if self._failed is not None:
            error, self._failed = self._failed, None
            raise error

    def _evaluate(self) -> dict[str, np.ndarray]:
        """The taken records' states, dormant scores and deaths, every record and unit in one pass of the
        shared rules (per unit: its site's inputs, whether it can die; dormant against its own site's average
        in its own record), then the deaths record after record: each per-unit field, one row per record."""
        k = len(self._records)
        if not k:
            return {}
        counts, norms = self._counts[:k], self._norms[:k].copy()
        per_unit = np.repeat(self._inputs[:k], self._widths, axis=1)
        share, state = classify(counts[:, 0], per_unit, self._can_die, self.sparse_threshold)
        score = dormant(per_input(counts[:, 1], per_unit), self.dormant_tau, self._widths)[0]  # no input: NaN
        died = deaths_over(state, self._deaths, [r.step for r, _ in self._records], [r.epoch for r, _ in self._records])
        self._deaths = tuple(rows[-1] for rows in died)
        fields = {"active_share": share, "state": state, "grad_norm": norms, "dormant": score,
                  "died_step": died[0], "died_epoch": died[1], "revived": died[2]}
        inputs = self._inputs[:k].tolist()
        for i, (_, layers) in enumerate(self._records):
            layers._layers = {site.name: LayerStats(n, share[i, at], state[i, at], norms[i, at], died[0][i, at],
                                                    died[1][i, at], died[2][i, at], dormant=score[i, at])
                              for site, at, n in zip(self.sites, self._slices, inputs[i])}
        self._records = []
        return fields
