"""The training loop: real PyTorch steps, a full diagnosis after every epoch, rewind and replay.

Usable from a plain script::

    from relu_tui import Trainer, load_scenario
    trainer = Trainer(load_scenario("scenarios/negative_init.toml"))
    record = trainer.step_epochs(10)
    print(record.counts())
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from relu_tui.engine.data import Dataset, make_dataset
from relu_tui.engine.diagnosis import diagnose_layer, track_deaths
from relu_tui.engine.history import DEFAULT_BUDGET_MB, History
from relu_tui.engine.interventions import act_out
from relu_tui.engine.memory import release_freed_memory
from relu_tui.engine.model import Network
from relu_tui.engine.records import EpochRecord
from relu_tui.engine.seeding import torch_rng
from relu_tui.spec.activations import Activation
from relu_tui.spec.scenario import Scenario, TrainingSpec

StopCondition = Callable[[EpochRecord, EpochRecord], bool]
BatchProgress = Callable[[int, int], bool]  # (batches done, batches in the epoch) -> keep going?
TRIM_EVERY = 16  # epochs between returns of freed memory to the system ...
TRIM_FROM = 1 << 20  # ... when a full pass's activations take at least this many bytes


def state_changed(previous: EpochRecord, record: EpochRecord) -> bool:
    """Stop when any hidden unit changes state (e.g. active -> dead)."""
    return bool((previous.states() != record.states()).any())


def accuracy_reached(target: float) -> StopCondition:
    """Stop once training accuracy is at least ``target`` (a share, 0..1)."""
    return lambda previous, record: record.accuracy is not None and record.accuracy >= target


@dataclass
class Checkpoint:
    """Everything needed to resume training exactly at an epoch boundary."""

    model: dict[str, torch.Tensor]
    optimizer: dict[str, Any]
    record: EpochRecord  # its diagnosis, which death tracking continues from
    nbytes: int
    activations: tuple[Activation, ...]  # each layer's then (an event may have swapped one)


def make_optimizer(params: Any, spec: TrainingSpec) -> torch.optim.Optimizer:
    lr, wd = spec.learning_rate, spec.weight_decay
    if spec.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, weight_decay=wd)
    if spec.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, momentum=spec.momentum, weight_decay=wd)
    return torch.optim.SGD(params, lr=lr, momentum=spec.momentum, weight_decay=wd)


def batch_order(seed: int, epoch: int, n: int, batch_size: int | None) -> list[torch.Tensor] | None:
    """The mini-batches (index tensors) of ``epoch``: a seeded shuffle, or None for full batch."""
    if batch_size is None or batch_size >= n:
        return None
    order = torch.randperm(n, generator=torch_rng(seed, "batches", epoch))
    return list(torch.split(order, batch_size))


def _cloned(state: Any) -> Any:
    """A copy of an optimizer state dict with every tensor cloned (much faster than deepcopy)."""
    if torch.is_tensor(state):
        return state.detach().clone()
    if isinstance(state, dict):
        return {k: _cloned(v) for k, v in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_cloned(v) for v in state)
    return state


class Trainer:
    """Trains one scenario variant step by step and keeps a bounded, replayable history."""

    def __init__(self, scenario: Scenario, *, history_budget_mb: float = DEFAULT_BUDGET_MB,
                 dataset: Dataset | None = None) -> None:
        self.scenario = scenario
        self.dataset = dataset if dataset is not None else make_dataset(scenario.data, scenario.seed, scenario.source)
        self.model = Network(scenario.model, self.dataset.n_features, self.dataset.n_classes, scenario.seed)
        self.optimizer = make_optimizer(self.model.parameters(), scenario.training)
        self.layer_activations = [layer.activation for layer in scenario.model.layers]  # events swap them
        self.targets = self.dataset.y_train  # what the current epoch trains on (events may shuffle it)
        self.history = History(lambda c: c.nbytes, history_budget_mb)
        self.epoch = 0
        self.batch = 0  # mini-batches done in epoch + 1
        self._grads_fresh = False
        self._recomputed: OrderedDict[int, EpochRecord] = OrderedDict()
        self._epoch_start = self._hidden_params()
        self._pass_bytes = 8 * self.n_train * sum(layer.width for layer in scenario.model.layers)
        self.record = self._epoch_record = self._diagnose(previous=None)
        self.history.add(self.record, self._checkpoint())

    # -- reading -------------------------------------------------------------------------------
    @property
    def diverged(self) -> bool:
        return self.record.diverged

    @property
    def n_train(self) -> int:
        return len(self.dataset.y_train)

    @property
    def batches_per_epoch(self) -> int:
        size = self.scenario.training.batch_size
        return 1 if size is None else math.ceil(self.n_train / size)

    def record_at(self, epoch: int) -> EpochRecord:
        """The record of any epoch in 0..last, recomputed by replay if history thinned it out."""
        if not 0 <= epoch <= self.history.last:
            raise IndexError(f"epoch {epoch} is outside 0..{self.history.last}")
        found = self.history.records.get(epoch) or self._recomputed.get(epoch)
        if found is not None:
            return found
        live = (self._checkpoint(), self.record, self._epoch_record, self.epoch, self.batch, self._epoch_start,
                self.targets)
        _, checkpoint = self.history.checkpoints.at_or_before(epoch)
        self._restore(checkpoint)
        for record in self._replay(epoch):
            self._recomputed[record.epoch] = record
        while len(self._recomputed) > 64:
            self._recomputed.popitem(last=False)
        state, self.record, self._epoch_record, self.epoch, self.batch, self._epoch_start, self.targets = live
        self._load(state)
        self._grads_fresh = False  # .grad now holds the replay's gradient
        return self._recomputed[epoch]

    def activations(self, x: torch.Tensor | None = None) -> list[torch.Tensor]:
        """Each hidden layer's activations (samples x units) on ``x`` (default: the training set)."""
        with torch.no_grad():
            _, _, post = self.model.forward_traced(self.dataset.x_train if x is None else x)
        return post

    # -- stepping ------------------------------------------------------------------------------
    def step_batch(self) -> EpochRecord:
        """One optimizer step on the next mini-batch; a full-batch run steps a whole epoch.

        Returns the diagnosis at the new parameters (stored in history when it ends an epoch).
        """
        batches = self._batches(self.epoch + 1)
        if self.diverged or batches is None:
            return self.step_epoch()
        self._start_epoch(self.epoch + 1)
        ok = self._train_on(batches[self.batch])
        self.batch += 1
        if self.batch == len(batches) or not ok:
            return self._store(self._close_epoch(self._epoch_record))
        self.record = self._diagnose(previous=self.record)  # within the epoch: deaths keep their batch
        return self.record

    def step_epoch(self, on_batch: BatchProgress | None = None) -> EpochRecord:
        """Train the rest of the current epoch and diagnose; a diverged run stays as it is.

        ``on_batch(done, total)`` is called after each mini-batch; when it returns False the epoch
        stops there, diagnosed as after :meth:`step_batch`."""
        if self.diverged:
            return self.record
        previous = self._epoch_record
        if not self._train_rest_of_epoch(on_batch):
            self.record = self._diagnose(previous=self.record)
            return self.record
        return self._store(self._close_epoch(previous))

    def step_epochs(self, n: int) -> EpochRecord:
        for _ in self.iter_epochs(n):
            pass
        return self.record

    def iter_epochs(self, n: int) -> Iterator[EpochRecord]:
        """Step up to ``n`` epochs, yielding each record; stops after a divergence."""
        for _ in range(n):
            if self.diverged:
                return
            yield self.step_epoch()

    def run_until(self, stop: StopCondition, max_epochs: int) -> EpochRecord:
        """Step epochs until ``stop(previous, new)`` holds, the run diverges, or ``max_epochs`` pass."""
        previous = self._epoch_record
        for record in self.iter_epochs(max_epochs):
            if stop(previous, record):
                break
            previous = record
        return self.record

    def rewind(self, epoch: int) -> EpochRecord:
        """Go back to the end of ``epoch`` (0 = initial weights); later history is dropped and
        stepping forward again gives identical numbers."""
        if not 0 <= epoch <= self.history.last:
            raise IndexError(f"epoch {epoch} is outside 0..{self.history.last}")
        start, checkpoint = self.history.checkpoints.at_or_before(epoch)
        self.history.truncate(start)
        self._restore(checkpoint)
        for record in self._replay(epoch):
            self.history.add(record, self._checkpoint())
        return self.record

    def reset(self) -> EpochRecord:
        return self.rewind(0)

    def amend(self, scenario: Scenario) -> None:
        """Go on under ``scenario``: this one with events added after the current epoch (an intervention).

        Only the future changes, so the history stays; an epoch begun is undone first, since the new
        events act before its first update."""
        def past(s: Scenario) -> tuple[Scenario, list]:
            return replace(s, training=replace(s.training, events=())), [e for e in s.training.events
                                                                         if e.epoch <= self.epoch]

        if past(scenario) != past(self.scenario):
            raise ValueError("an amended scenario may only add events after the current epoch")
        if self.batch:
            self.rewind(self.epoch)
        self.scenario = scenario

    # -- internals -----------------------------------------------------------------------------
    def _batches(self, epoch: int) -> list[torch.Tensor] | None:
        return batch_order(self.scenario.seed, epoch, self.n_train, self.scenario.training.batch_size)

    def _start_epoch(self, epoch: int) -> None:
        """Before an update of ``epoch``: its learning rate, and before its first, its other events."""
        rate = self.scenario.training.learning_rate_at(epoch)
        for group in self.optimizer.param_groups:
            group["lr"] = rate
        events = self.scenario.training.interventions_at(epoch) if self.batch == 0 else ()
        if any(e.kind == "shuffle_targets" for e in events):
            self.targets = self._targets_at(epoch)
            self._grads_fresh = False
        events = tuple(e for e in events if e.kind != "shuffle_targets")
        if events:
            act_out(events, self.model, self.optimizer, self.layer_activations, self.dataset.x_train,
                    self.scenario.seed, self.scenario.diagnosis.dormant_threshold)
            self._grads_fresh = False
            self._epoch_start = self._hidden_params()  # a unit's step measures the updates, not the event

    def _targets_at(self, epoch: int) -> torch.Tensor:
        """The training targets of ``epoch``: the data's, or those of the last shuffle in effect."""
        since = self.scenario.training.targets_shuffled(epoch)
        if since is None:
            return self.dataset.y_train
        order = torch.randperm(self.n_train, generator=torch_rng(self.scenario.seed, "targets", since))
        return self.dataset.y_train[order]

    def _update(self) -> None:
        """The optimizer's step on the gradient in ``.grad``, with the L1 penalty's part added to it."""
        l1 = self.scenario.training.l1
        if l1:
            with torch.no_grad():
                for linear in (*self.model.hidden, self.model.head):
                    linear.weight.grad.add_(torch.sign(linear.weight), alpha=l1)
        self.optimizer.step()

    def _train_on(self, index: torch.Tensor) -> bool:
        """One optimizer step on the samples ``index``; False if the batch loss is not finite."""
        self.optimizer.zero_grad(set_to_none=True)
        output = self.model(self.dataset.x_train[index])
        loss = self.model.loss(output, self.targets[index])
        loss.backward()
        self._update()
        self._grads_fresh = False
        return math.isfinite(loss.item())

    def _train_rest_of_epoch(self, on_batch: BatchProgress | None = None) -> bool:
        """False if ``on_batch`` stopped the epoch before its last batch."""
        epoch = self.epoch + 1
        self._start_epoch(epoch)
        batches = self._batches(epoch)
        if batches is None:
            if not self._grads_fresh:
                self._full_gradient()
            self._update()  # full batch: the gradient the last diagnosis left in .grad
            self._grads_fresh = False
            return True
        for index in batches[self.batch:]:
            self.batch += 1
            if not self._train_on(index):
                break
            if on_batch is not None and not on_batch(self.batch, len(batches)) and self.batch < len(batches):
                return False
        return True

    def _close_epoch(self, previous: EpochRecord) -> EpochRecord:
        self.epoch += 1
        self.batch = 0
        self.record = self._epoch_record = self._diagnose(previous=previous)
        self._epoch_start = self._hidden_params()
        return self.record

    def _store(self, record: EpochRecord) -> EpochRecord:
        self.history.add(record, self._checkpoint())
        self._recomputed.pop(record.epoch, None)
        if record.epoch % TRIM_EVERY == 0 and self._pass_bytes >= TRIM_FROM:
            release_freed_memory()  # large passes leave holes the heap would otherwise keep
        return record

    def _full_gradient(self) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor], torch.Tensor]:
        """Forward and backward on the whole training set, leaving the gradient in ``.grad``."""
        self.optimizer.zero_grad(set_to_none=True)
        output, pre, post = self.model.forward_traced(self.dataset.x_train)
        loss = self.model.loss(output, self.targets)
        loss.backward()
        self._grads_fresh = True
        return output, pre, post, loss

    def _diagnose(self, previous: EpochRecord | None) -> EpochRecord:
        """Diagnose every hidden unit at the current parameters, on the full training set."""
        output, pre, post, loss = self._full_gradient()
        model, spec, data = self.model, self.scenario, self.dataset
        # within an epoch (after some of its mini-batches), deaths and the rate are those of the epoch under way
        epoch = self.epoch + 1 if self.batch else self.epoch
        rate = spec.training.learning_rate_at(max(epoch, 1))
        layers = []
        for i, (layer_spec, activation) in enumerate(zip(spec.model.layers, self.layer_activations)):
            linear = model.hidden[i]
            step = self._step_sizes(i)
            layer = diagnose_layer(layer_spec.name, activation.describe(), activation.can_die,
                                   pre[i].detach(), post[i].detach(), linear.weight, linear.bias, step,
                                   spec.diagnosis.sparse_threshold, spec.diagnosis.dormant_threshold)
            track_deaths(layer, previous.layers[i] if previous else None, epoch, rate, self.batch)
            layers.append(layer)
        with torch.no_grad():
            accuracy = model.accuracy(output, self.targets)
            test_loss = test_accuracy = None
            if len(data.y_test):
                test_out = model(data.x_test)
                test_loss = np.float32(model.loss(test_out, data.y_test).item())
                test_accuracy = model.accuracy(test_out, data.y_test)
        loss_value = np.float32(loss.item())
        finite = math.isfinite(loss_value) and all(torch.isfinite(p).all() for p in model.parameters())
        return EpochRecord(self.epoch, self.batch, loss_value, accuracy, test_loss, test_accuracy, rate,
                           not finite, tuple(layers))

    def _hidden_params(self) -> list[torch.Tensor]:
        return [torch.cat([layer.weight.detach(), layer.bias.detach()[:, None]], dim=1).clone() for layer in self.model.hidden]

    def _step_sizes(self, layer: int) -> np.ndarray:
        """How far each unit's incoming weights and bias moved since the start of this epoch."""
        linear = self.model.hidden[layer]
        with torch.no_grad():
            now = torch.cat([linear.weight, linear.bias[:, None]], dim=1)
            return torch.linalg.vector_norm(now - self._epoch_start[layer], dim=1).numpy()

    def _checkpoint(self) -> Checkpoint:
        model = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
        optimizer = _cloned(self.optimizer.state_dict())
        size = self.record.nbytes + sum(t.nbytes for t in model.values())
        size += sum(t.nbytes for s in optimizer["state"].values() for t in s.values() if torch.is_tensor(t))
        return Checkpoint(model, optimizer, self.record, size, tuple(self.layer_activations))

    def _load(self, checkpoint: Checkpoint) -> None:
        for i, activation in enumerate(checkpoint.activations):
            if activation != self.layer_activations[i]:  # swaps never touch a layer with learned parameters
                self.layer_activations[i] = activation
                self.model.activations[i] = activation.module(self.scenario.model.layers[i].width)
        self.model.load_state_dict(checkpoint.model)
        self.optimizer.load_state_dict(_cloned(checkpoint.optimizer))

    def _restore(self, checkpoint: Checkpoint) -> None:
        self._load(checkpoint)
        self.epoch, self.batch = checkpoint.record.epoch, 0
        self.targets = self._targets_at(self.epoch)
        self.record = self._epoch_record = checkpoint.record
        self._grads_fresh = False
        self._epoch_start = self._hidden_params()

    def _replay(self, end: int) -> Iterator[EpochRecord]:
        """From a restored checkpoint, train up to epoch ``end`` yielding each record."""
        while self.epoch < end:
            previous = self._epoch_record
            self._train_rest_of_epoch()
            yield self._close_epoch(previous)
