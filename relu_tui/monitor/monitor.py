"""The :class:`Monitor`: hooks on a user's model that diagnose its ReLU-family units while it trains."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.hooks import RemovableHandle

from relu_tui.engine.states import classify
from relu_tui.monitor.distributed import rank, sum_over_ranks, world_size
from relu_tui.monitor.layers import FEEDERS, WatchedLayer
from relu_tui.monitor.runlog import LayerInfo, LayerStats, RunMeta, RunRecord
from relu_tui.monitor.states import track_deaths
from relu_tui.monitor.writer import RunWriter
from relu_tui.spec.activations import watched_classes, watching
from relu_tui.spec.scenario import DiagnosisSpec


@dataclass(eq=False)
class _Slot:
    """An activation module and the layer of each of its calls in one forward pass (None: nothing feeds it)."""

    name: str
    layers: list[WatchedLayer | None] = field(default_factory=list)
    calls: int = 0  # calls so far in the current forward pass

    def layer_name(self, call: int) -> str:
        return self.name if call == 0 else f"{self.name}#{call + 1}"


class Monitor:
    """Watches the ReLU-family activation modules of ``model`` while it trains; logs to ``run_dir``.

    Call :meth:`step` once per optimization step, after ``loss.backward()``; every ``every`` steps it makes a
    record (see :mod:`relu_tui.monitor.runlog`). The layers are found in the first forward pass of ``model``:
    each call of an activation module is fed by the last Linear / Conv1d / Conv2d / Conv3d layer run before it
    whose output width matches. Only forward passes in training mode with autograd enabled are counted, so
    evaluation passes (``model.eval()``, ``torch.no_grad()``) do not change the diagnosis. Under
    torch.distributed, counts are summed over ranks at each record and only rank 0 writes.
    """

    def __init__(self, model: nn.Module, run_dir: str | Path, every: int = 1,
                 sparse_threshold: float = DiagnosisSpec.sparse_threshold) -> None:
        if isinstance(model, nn.DataParallel):
            raise ValueError("nn.DataParallel is not supported: use DistributedDataParallel (one process per device)")
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a whole number of steps >= 1, not {every!r}")
        if not 0 < sparse_threshold < 1:
            raise ValueError(f"sparse_threshold must be between 0 and 1 (exclusive), not {sparse_threshold!r}")
        self.model = model.module if isinstance(model, DistributedDataParallel) else model
        self.every = every
        self.sparse_threshold = float(sparse_threshold)
        self.steps = 0
        self._writer = RunWriter(run_dir)
        self._slots = {module: _Slot(name) for name, module in self.model.named_modules()
                       if watching(module) is not None}
        if not self._slots:
            families = ", ".join(watched_classes())
            raise ValueError(f"{type(self.model).__name__} has no ReLU-family activation module ({families}); "
                             "activations called as functions (F.relu, torch.relu) are invisible to the monitor: "
                             "use modules such as nn.ReLU()")
        if rank() == 0:
            self._writer.check_unused()
        self._layers: list[WatchedLayer] = []  # in the order of the first forward pass
        self._feeders: list[tuple[str, nn.Module]] | None = []  # run order, while the first forward pass runs
        self._previous: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._closed = False
        self._feeder_hooks = [module.register_forward_hook(partial(self._on_feeder, name))
                              for name, module in self.model.named_modules() if isinstance(module, FEEDERS)]
        self._hooks: list[RemovableHandle] = [
            *(module.register_forward_pre_hook(partial(self._on_activation, slot)) for module, slot in
              self._slots.items()),
            self.model.register_forward_pre_hook(self._on_forward_start),
            self.model.register_forward_hook(self._on_forward_end),
        ]

    @property
    def layers(self) -> tuple[LayerInfo, ...]:
        """The watched layers (empty before the first forward pass)."""
        return tuple(layer.info for layer in self._layers)

    def step(self, loss: float | torch.Tensor | None = None, epoch: int | None = None) -> RunRecord | None:
        """Count one optimization step; every ``every`` steps, make a record, write it (rank 0) and return it."""
        if self._closed:
            raise RuntimeError("this Monitor is closed")
        if self._feeders is not None:
            self._finish_discovery()
        self.steps += 1
        if self.steps % self.every:
            return None
        if isinstance(loss, torch.Tensor):
            loss = loss.detach()
        record = self._record(None if loss is None else float(loss), epoch)
        if rank() == 0:
            if not self._writer.started:
                self._writer.start(self._meta())
            self._writer.append(record)
        return record

    def close(self) -> None:
        """Remove the hooks and close the log (steps since the last record are not recorded)."""
        for handle in self._hooks + self._feeder_hooks:
            handle.remove()
        self._hooks, self._feeder_hooks = [], []
        self._writer.close()
        self._closed = True

    def __enter__(self) -> Monitor:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def _on_forward_start(self, module: nn.Module, args: Any) -> None:
        for slot in self._slots.values():
            slot.calls = 0
        if self._feeders is not None:  # a first forward pass that raised half-way starts over
            self._feeders.clear()
            self._layers.clear()
            for slot in self._slots.values():
                slot.layers.clear()

    def _on_forward_end(self, module: nn.Module, args: Any, output: Any) -> None:
        if self._feeders is not None:
            self._finish_discovery()

    def _on_feeder(self, name: str, module: nn.Module, args: Any, output: Any) -> None:
        if self._feeders is not None:
            self._feeders.append((name, module))

    def _on_activation(self, slot: _Slot, module: nn.Module, args: tuple[Any, ...]) -> None:
        call = slot.calls
        slot.calls += 1
        z = args[0] if args else None
        if not isinstance(z, torch.Tensor):
            return
        if self._feeders is not None and call == len(slot.layers):
            slot.layers.append(WatchedLayer.matching(slot.layer_name(call), module, z, self._feeders))
            if slot.layers[-1] is not None:
                self._layers.append(slot.layers[-1])
        layers = slot.layers
        layer = layers[0] if len(layers) == 1 else layers[call] if call < len(layers) else None
        if layer is not None and module.training and torch.is_grad_enabled():
            layer.count(z)

    def _finish_discovery(self) -> None:
        for handle in self._feeder_hooks:
            handle.remove()
        self._feeder_hooks = []
        self._feeders = None
        name = type(self.model).__name__
        if not any(slot.layers for slot in self._slots.values()):
            raise ValueError(f"{name}: no ReLU-family activation module ran in its forward pass; "
                             "call the model (model(x)) on a batch before monitor.step()")
        if not self._layers:
            raise ValueError(f"{name}: no ReLU-family activation module it ran is fed by a Linear or Conv1d/2d/3d "
                             "layer of matching width; the monitor needs one per activation")
        for slot in self._slots.values():
            for call, layer in enumerate(slot.layers):
                if layer is None:
                    warnings.warn(f"{slot.layer_name(call)} is not watched: no Linear or Conv layer of matching "
                                  "width runs before it", stacklevel=2)

    def _record(self, loss: float | None, epoch: int | None) -> RunRecord:
        taken = [layer.take() for layer in self._layers]
        device = taken[0][0].device
        inputs = torch.tensor([n for _, n in taken], dtype=torch.float64, device=device)
        counts = torch.cat([active.to(device) for active, _ in taken] + [inputs])
        sum_over_ranks(counts)  # one collective for all layers: a unit is dead only if dead on every rank's data
        counts = counts.cpu().numpy()
        norms = [layer.grad_norm() for layer in self._layers]
        present = [norm.float().to(device) for norm in norms if norm is not None]
        flat_norms = torch.cat(present).cpu().numpy() if present else np.empty(0, np.float32)
        totals = counts[-len(self._layers):].astype(np.int64)
        if not totals.any():
            warnings.warn("no training forward pass was counted since the last record: the monitor counts "
                          "passes in training mode with autograd enabled", stacklevel=3)
        layers, start, norm_start = {}, 0, 0
        for layer, norm, total in zip(self._layers, norms, totals.tolist()):
            share, state = classify(counts[start:start + layer.width], total, layer.info.can_die,
                                    self.sparse_threshold)
            start += layer.width
            if norm is None:
                grad_norm = np.full(layer.width, np.nan, dtype=np.float32)
            else:
                grad_norm = flat_norms[norm_start:norm_start + layer.width]
                norm_start += layer.width
            died = track_deaths(state, self._previous.get(layer.name), self.steps, epoch)
            self._previous[layer.name] = died
            layers[layer.name] = LayerStats(total, share, state, grad_norm, *died)
        return RunRecord(step=self.steps, epoch=epoch, loss=loss, time=time.time(), layers=layers)

    def _meta(self) -> RunMeta:
        return RunMeta(model=type(self.model).__name__, layers=self.layers, sparse_threshold=self.sparse_threshold,
                       every=self.every, world_size=world_size(),
                       created=datetime.now(UTC).isoformat(timespec="seconds"))
