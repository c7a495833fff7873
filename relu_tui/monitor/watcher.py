"""The Monitor's hooks on a model: which activation calls happen, at which site each one is, counting it
once per real forward pass, and the producers' gradients when backward makes them.

A site is an activation (a module, or a function called by a module) with one origin of its input (the
producing layers, found in the autograd graph; see :mod:`relu_tui.monitor.origin`) and one width. So a
shared ``nn.ReLU`` applied to the outputs of ``fc1`` and ``fc2`` is two sites however the model is run
(``model(x)``, ``model.encode(x)``...), and a ReLU applied twice to one layer's output (a siamese branch)
is one. Sites are found until the first record; after it they are fixed, and the hooks that only served
to find them are removed.

Counting rules: a call counts in training mode (the module's, or for a function the module calling it)
with autograd enabled. Activation checkpointing re-runs forward passes during backward: a re-run is counted
only for a call whose first run was not (reentrant checkpointing runs the first under ``no_grad``), so each
real forward counts once in every mode.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.utils.hooks import RemovableHandle

from relu_tui.monitor.functional import ActivationCalls, Call
from relu_tui.monitor.layers import Blocks, WatchedLayer
from relu_tui.monitor.origin import Origin, tag, trace
from relu_tui.monitor.producers import Layout, guessed_layout, is_producer, layout_of
from relu_tui.monitor.recognise import Recognised, recognise
from relu_tui.spec.activations import REGISTRY, Activation

_Key = Any  # a module, or (owner module, entry name, parameters) for a function call


def _in_backward() -> bool:
    return torch._C._current_graph_task_id() != -1


class Watcher:
    """Hooks on ``model``'s modules; ``layers`` are the sites found, in the order of their first call."""

    def __init__(self, model: nn.Module, model_name: str, recording: Callable[[], bool]) -> None:
        self.model = model
        self.model_name = model_name
        self._recording = recording  # whether the next step makes a record (gradients are kept only then)
        self.names = {module: name for name, module in model.named_modules(remove_duplicate=True)}
        self.activations: dict[nn.Module, Recognised] = {}
        for module in self.names:
            found = recognise(module)
            if found is not None:
                self.activations[module] = found
        self.producers = [m for m in self.names if is_producer(m, set(self.activations))]
        self.layers: list[WatchedLayer] = []
        self._sites: dict[_Key, list[WatchedLayer]] = {}
        self._pending: dict[_Key, int] = {}  # uncounted no-grad calls whose re-run in backward counts
        self._stack: list[nn.Module] = []
        self._inside = 0  # depth of watched activation modules running
        self._open: list[WatchedLayer | None] = []  # the site of each watched module running, innermost last
        self._mode = ActivationCalls(self._site_of_function, lambda: self._inside > 0)
        self._mode_on = False
        self._queued = False
        self.frozen = False
        self._handles: list[RemovableHandle] = []
        self._grad_params: list[torch.Tensor] = []  # producers' parameters, hooked while a record is due
        self._grad_handles: list[RemovableHandle] = []
        self._unplaced: set[str] = set()
        self.blocks: Blocks | None = None  # every site's counts, once the sites are fixed
        self._install(stacked=set(self.names), tagging=set(self.producers), grads=self.producers)
        self.hook_gradients(True)

    # ------------------------------------------------------------------ hooks

    def _install(self, stacked: set[nn.Module], tagging: set[nn.Module], grads: list[nn.Module],
                 lean: dict[nn.Module, WatchedLayer] | None = None) -> None:
        """Hook the modules; a module in ``lean`` (a fixed site of its own, no function call to attribute) gets
        only the hook that counts it."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        lean = lean or {}
        for module in self.names:
            if module in lean:
                self._handles.append(module.register_forward_hook(self._counter(module, lean[module])))
                continue
            watched, stack, producer = module in self.activations, module in stacked, module in tagging
            if not (watched or stack or producer):
                continue
            if watched or stack:
                self._handles.append(module.register_forward_pre_hook(
                    lambda m, args, watched=watched, stack=stack: self._enter(m, args, watched, stack)))
            layout = layout_of(module) if producer else None
            width = _out_width(module) if producer else None
            self._handles.append(module.register_forward_hook(
                lambda m, args, out, w=watched, s=stack, p=producer, layout=layout, width=width:
                self._leave(m, args, out, w, s, p, layout, width), always_call=True))
        self.hook_gradients(False)
        # One parameter per producer (its first trained one) says that backward reached it: its hook queues the
        # snapshot, which reads every parameter's gradient.
        trained = (next((p for p in module.parameters(recurse=False) if p.requires_grad), None) for module in grads)
        self._grad_params = list({id(p): p for p in trained if p is not None}.values())

    def hook_gradients(self, on: bool) -> None:
        """Hook the producers' parameters (``on``: the next step records), or not: between records backward
        runs without a hook of ours."""
        if on == bool(self._grad_handles):
            return
        for handle in self._grad_handles:
            handle.remove()
        self._grad_handles = [param.register_post_accumulate_grad_hook(self._on_grad)
                              for param in self._grad_params] if on else []

    def _counter(self, module: nn.Module, layer: WatchedLayer):
        """The one hook of a module in ``lean``: the counting rules of :meth:`_counts`, then the count."""
        counts, count = self._counts, layer.count

        def hook(m: nn.Module, args: tuple, output: Any) -> None:
            if args and counts(module, m.training, args[0]):
                count(args[0], output)
        return hook

    def remove(self) -> None:
        self.activations = {}
        self._install(set(), set(), [])
        if self._mode_on:
            self._mode.__exit__(None, None, None)
            self._mode_on = False

    def _enter(self, module: nn.Module, args: tuple, watched: bool, stack: bool) -> None:
        if stack:
            self._stack.append(module)
            if len(self._stack) == 1 and self._functional_wanted() and not self._mode_on \
                    and not torch.compiler.is_compiling():  # functions inside compiled code are not seen
                self._mode.__enter__()
                self._mode_on = True
        if watched:
            self._inside += 1
            found = self.activations[module]
            z = args[0] if args else None
            self._open.append(self._counted_site(
                module, module.training, z, lambda: (self.names[module], found.label, found.can_die, "module")))

    def _leave(self, module: nn.Module, args: tuple, output: Any, watched: bool, stack: bool, producer: bool,
               layout: Layout | None, width: int | None) -> None:
        if producer:
            tag(self.names[module], layout, width, output)
        if watched and self._open:
            layer = self._open.pop()
            if layer is not None:  # still "inside": the counting's own operations are not activation calls
                layer.count(args[0], output)
            self._inside = max(self._inside - 1, 0)
        if stack and self._stack:
            self._stack.pop()
            if not self._stack and self._mode_on:
                self._mode.__exit__(None, None, None)
                self._mode_on = False

    def _functional_wanted(self) -> bool:
        return not self.frozen or any(isinstance(key, tuple) for key in self._sites)

    def _site_of_function(self, call: Call, z: torch.Tensor) -> WatchedLayer | None:
        """The mode's question before an activation function runs: the site that counts it, if any."""
        if not self._stack:
            return None
        owner = self._stack[-1]
        kind, params = call
        activation = Activation(kind, {k: v for k, v in params.items() if k in REGISTRY[kind].params})
        key = (owner, kind, tuple(sorted(activation.params.items())))
        owner_name = self.names.get(owner) or self.model_name
        return self._counted_site(key, owner.training, z, lambda: (
            f"{owner_name}:{kind}", f"F.{activation.describe()}", activation.can_die, "function"))

    # ------------------------------------------------------------------ counting

    def _counted_site(self, key: _Key, training: bool, z: Any,
                      describe: Callable[[], tuple[str, str, bool, str]]) -> WatchedLayer | None:
        """The site a call counts at, or None if it does not count. Asked before the call runs: an in-place
        activation overwrites its input, and with it the autograd history that says where it came from."""
        return self._site(key, z, describe) if self._counts(key, training, z) else None

    def _counts(self, key: _Key, training: bool, z: Any) -> bool:
        """Whether a call counts: in training mode, with autograd on, on a float tensor; a checkpointed
        forward run again during backward only if its first run was not counted."""
        if not training or not isinstance(z, torch.Tensor) or not z.is_floating_point():
            return False
        if _in_backward():
            if self._pending.get(key, 0) <= 0:
                return False
            self._pending[key] -= 1
        elif not torch.is_grad_enabled():
            self._pending[key] = self._pending.get(key, 0) + 1
            return False
        return True

    def _site(self, key: _Key, z: torch.Tensor, describe) -> WatchedLayer | None:
        sites = self._sites.get(key)
        if self.frozen:
            if not sites:
                return None
            if len(sites) == 1:
                return sites[0]
        origin = trace(z)
        layout, width, origin = _placed(z, origin)
        if layout is None:
            return None
        for layer in sites or ():
            if layer.width == width and layer.layout == layout and layer.origin.key == origin.key:
                return layer
        name, label, can_die, call = describe()
        if self.frozen:
            if name not in self._unplaced:
                self._unplaced.add(name)
                warnings.warn(f"{name} ran at a site first seen after the first record "
                              f"({origin.described() or origin.stopped_at}): it is not counted", stacklevel=4)
            return None
        sites = self._sites.setdefault(key, [])
        if sites:
            name = f"{name}#{len(sites) + 1}"
        modules = {name: module for module, name in self.names.items()}
        producers = tuple(modules[p.name] for p in origin.producers)
        layer = WatchedLayer(name, label, can_die, call, layout, width, origin, producers, z.device)
        sites.append(layer)
        self.layers.append(layer)
        return layer

    def reset_pending(self) -> None:
        self._pending.clear()

    # ------------------------------------------------------------------ gradients

    def _on_grad(self, param: torch.Tensor) -> None:
        if self._queued or not self._recording():
            return
        self._queued = True
        engine = torch.autograd.Variable._execution_engine
        # Queued twice: DDP queues the callback that writes the averaged gradients once every bucket is ready,
        # after this first one; a callback queued from a callback runs after it.
        engine.queue_callback(lambda: engine.queue_callback(self._snapshot))

    def _snapshot(self) -> None:
        self._queued = False
        with torch.no_grad():
            for layer in self.layers:
                if layer.producers:
                    layer.snapshot_gradient()

    # ------------------------------------------------------------------ after the first record

    def freeze(self) -> None:
        """Fix the sites; keep only the hooks that count them (and attribute function calls)."""
        self.frozen = True
        self._stack.clear()
        self._open.clear()
        self.blocks = Blocks(self.layers)
        owners = {key[0] for key in self._sites if isinstance(key, tuple)}
        stacked = {m for owner in owners for m in owner.modules()} & set(self.names)
        shared = [key for key, sites in self._sites.items() if len(sites) > 1]
        tagging = set(self.producers) if shared else set()
        feeding = list(dict.fromkeys(p for layer in self.layers for p in layer.producers))
        # An activation module stays hooked if it is a site, or runs inside an owner (its own function calls
        # must not count as the owner's).
        self.activations = {m: found for m, found in self.activations.items() if m in self._sites or m in stacked}
        # With no function call to attribute, a module with one site needs nothing but its count: no trace
        # (so no pre-hook before an in-place call), no stack.
        lean = {} if owners else {m: sites[0] for m, sites in self._sites.items() if len(sites) == 1}
        self._install(stacked, tagging, feeding, lean)  # the gradients' hooks: see hook_gradients


def _out_width(module: nn.Module) -> int | None:
    for attr in ("out_features", "out_channels", "embedding_dim", "embed_dim"):
        value = getattr(module, attr, None)
        if isinstance(value, int):
            return value
    if isinstance(module, nn.RNNBase):
        return (module.proj_size or module.hidden_size) * (2 if module.bidirectional else 1)
    return None


def _placed(z: torch.Tensor, origin: Origin) -> tuple[Layout | None, int, Origin]:
    """The site's layout and width, and its origin with producers only if they fit them (a producer whose
    units are not where this input's are, or not as many, is no producer of it)."""
    if z.ndim == 0:
        return None, 0, origin
    hint = origin.hint
    if hint is not None and hint.spatial < 0:
        hint = Layout(max(z.ndim - 2, 0))
    layouts = {p.layout for p in origin.producers}
    if len(layouts) == 1 and None not in layouts:
        layout = layouts.pop()
    else:
        layout = guessed_layout(z, hint)
    dim = layout.unit_dim(z)
    if dim is None:
        layout = Layout(0)
        dim = z.ndim - 1
    width = z.shape[dim]
    fits = len({p.layout for p in origin.producers}) <= 1 and all(
        p.width in (None, width) for p in origin.producers)
    if origin.producers and not fits:
        origin = Origin((), origin.shortcuts, "producers whose units do not match its input's", origin.hint)
    return layout, width, origin
