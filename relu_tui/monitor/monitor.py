"""The :class:`Monitor`: hooks on a user's model that diagnose its activation units while it trains."""

from __future__ import annotations

import warnings
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from relu_tui.monitor.distributed import rank, sum_over_ranks, world_size
from relu_tui.monitor.layers import WatchedLayer
from relu_tui.monitor.pending import PendingRecords, Site
from relu_tui.monitor.runlog import LayerInfo, RunMeta, RunRecord
from relu_tui.monitor.watcher import Watcher
from relu_tui.monitor.writer import RunWriter
from relu_tui.spec.activations import probed, watched_classes
from relu_tui.spec.scenario import DiagnosisSpec


class Monitor:
    """Watches the activations of ``model`` while it trains; logs to ``run_dir``.

    Call :meth:`step` once per optimization step, after ``loss.backward()`` (before or after
    ``optimizer.zero_grad()``: gradients are taken when backward makes them); every ``every`` steps it makes
    a record (see :mod:`relu_tui.monitor.runlog`). Records reach the run log in batches, within
    :data:`~relu_tui.monitor.pending.FLUSH_SECONDS` of being made, and all of them at :meth:`flush` and
    :meth:`close` (or when Python exits). What it watches: every module the activation registry
    recognises (by class, or by what it computes) and every activation function called inside a module's
    ``forward``; each call site is matched to the layers producing its input through the autograd graph
    (see :mod:`relu_tui.monitor.watcher`). Sites are found until the first record. Only forward passes in
    training mode with autograd enabled are counted, each once (activation checkpointing included), so
    evaluation passes do not change the diagnosis. Under torch.distributed, counts are summed over ranks at
    each record and only rank 0 writes.
    """

    def __init__(self, model: nn.Module, run_dir: str | Path, every: int = 1,
                 sparse_threshold: float = DiagnosisSpec.sparse_threshold,
                 dormant_tau: float = DiagnosisSpec.dormant_threshold) -> None:
        if isinstance(model, nn.DataParallel):
            raise ValueError("nn.DataParallel is not supported: use DistributedDataParallel (one process per device)")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number of steps >= 1, not {every!r}")
        if not 0 < sparse_threshold < 1:
            raise ValueError(f"sparse_threshold must be between 0 and 1 (exclusive), not {sparse_threshold!r}")
        if isinstance(dormant_tau, bool) or not isinstance(dormant_tau, int | float) or not 0 <= dormant_tau < 1:
            raise ValueError(f"dormant_tau must be a number from 0 to 1 (exclusive), not {dormant_tau!r}")
        self.model = _unwrapped(model)
        _refuse_sharded(self.model)
        self.every = every
        self.sparse_threshold = float(sparse_threshold)
        self.dormant_tau = float(dormant_tau)
        self.steps = 0
        self._writer = RunWriter(run_dir)
        if rank() == 0:
            self._writer.check_unused()
        self._watcher = Watcher(self.model, type(self.model).__name__, lambda: (self.steps + 1) % self.every == 0)
        self._pending: PendingRecords | None = None  # from the first record
        self._finalizer: weakref.finalize | None = None
        self._closed = False

    @property
    def _layers(self) -> list[WatchedLayer]:
        return self._watcher.layers

    @property
    def layers(self) -> tuple[LayerInfo, ...]:
        """The watched call sites (empty before the first counted forward pass)."""
        return tuple(layer.info for layer in self._layers)

    def step(self, loss: float | torch.Tensor | None = None, epoch: int | None = None) -> RunRecord | None:
        """Count one optimization step; every ``every`` steps, make a record and return it (rank 0 writes it
        soon after; its ``layers`` are worked out when first read)."""
        if self._closed:
            raise RuntimeError("this Monitor is closed")
        if not self._watcher.frozen:
            self._finish_discovery()
        self._watcher.reset_pending()
        self.steps += 1
        self._watcher.hook_gradients((self.steps + 1) % self.every == 0)
        if self.steps % self.every:
            return None
        if isinstance(loss, torch.Tensor):
            loss = loss.detach()
        pending = self._pending
        assert pending is not None
        if pending.writer is not None and not self._writer.started:
            self._writer.start(self._meta())
        loss = None if loss is None else float(loss)
        with pending.lock:
            counts, norms, inputs = pending.slot()
            # Under torch.distributed the counts are summed over ranks: a unit is dead only if dead on every
            # rank's data
            self._watcher.blocks.take(counts, norms, inputs, sum_over_ranks if world_size() > 1 else None)
            if not inputs.any():
                warnings.warn("no training forward pass was counted since the last record: the monitor counts "
                              "passes in training mode with autograd enabled", stacklevel=2)
            return pending.add(self.steps, epoch, loss)

    def flush(self) -> None:
        """Write every record made so far to the run log now."""
        if self._pending is not None:
            self._pending.flush()

    def close(self) -> None:
        """Write the records, remove the hooks and close the log, marking the run finished (steps since the last
        record are not recorded)."""
        if self._closed:
            return
        self._closed = True
        if self._finalizer is not None:
            self._finalizer.detach()
        try:
            if self._pending is not None:
                self._pending.close()
        except BaseException:  # the log is not marked finished: records are missing from it
            self._watcher.remove()
            self._writer.close()
            raise
        self._watcher.remove()
        self._writer.close(steps=self.steps)

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _finish_discovery(self) -> None:
        name = type(self.model).__name__
        if not self._layers:
            kinds = ", ".join(probed())
            raise ValueError(
                f"{name}: no activation ran in a counted forward pass before the first monitor.step(): run the "
                f"model on a batch in training mode, with autograd on, first. The monitor watches modules of "
                f"the torch.nn classes {', '.join(watched_classes())}, any parameter-free module computing one "
                f"of {kinds}, calls of those functions inside a module's forward, and classes given to "
                "relu_tui.spec.activations.register(cls, kind)")
        self._watcher.freeze()
        sites = [Site(layer.name, layer.width, layer.can_die) for layer in self._layers]
        self._pending = PendingRecords(sites, self.sparse_threshold, self.dormant_tau,
                                       self._writer if rank() == 0 else None)
        # An unclosed Monitor's records are written at exit (or if it is collected), but not its closed.json
        self._finalizer = weakref.finalize(self, self._pending.close)
        unknown = [layer.name for layer in self._layers if not layer.producers]
        if unknown:
            shown = ", ".join(unknown[:4]) + (f" and {len(unknown) - 4} more" if len(unknown) > 4 else "")
            warnings.warn(f"{shown}: no single layer produces the input (meta.json's note says why); their "
                          "gradient norm is not recorded", stacklevel=3)

    def _meta(self) -> RunMeta:
        return RunMeta(model=type(self.model).__name__, layers=self.layers, sparse_threshold=self.sparse_threshold,
                       every=self.every, world_size=world_size(), dormant_tau=self.dormant_tau,
                       created=datetime.now(UTC).isoformat(timespec="seconds"))


def _unwrapped(model: nn.Module) -> nn.Module:
    """The module whose names the layers take: inside DistributedDataParallel and torch.compile's wrapper
    (so no ``module.`` or ``_orig_mod.`` prefix)."""
    while True:
        if isinstance(model, DistributedDataParallel):
            model = model.module
        elif isinstance(getattr(model, "_orig_mod", None), nn.Module):  # torch.compile's OptimizedModule
            model = model._orig_mod
        else:
            return model


def _refuse_sharded(model: nn.Module) -> None:
    try:
        from torch.distributed.fsdp import FSDPModule
    except ImportError:  # a torch without FSDP2
        return
    if any(isinstance(m, FSDPModule) for m in model.modules()):
        raise ValueError("FSDP (fully_shard) is not supported: its parameters and gradients are sharded over "
                         "ranks, so no rank holds a unit's whole weight row; use DistributedDataParallel")
