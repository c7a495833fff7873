"""Where an activation's input comes from, found in the autograd graph: the producing layer(s), through
normalisation, dropout, casts, views and other single-input elementwise operations, and the branches of a sum.

Each producer's forward hook tags its output's autograd node (``node.metadata``, so nothing outlives the
graph). The trace walks back from the activation's input: a tagged node is a producer; a normalisation or
single-input elementwise node is passed through; an addition or subtraction of several inputs is a residual
sum, each branch traced on its own (a sum met inside a branch ends it as a shortcut: the running sum of a
pre-activation residual stream is not traced back through every block); anything else (a concatenation,
a product of two tensors, pooling, another activation, the model's input) ends the trace there without a
producer.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from relu_tui.monitor.producers import Layout

TAG = "relu_tui.producer"
_MAX_NODES = 64  # a trace longer than this is given up (no producer)

_NORMS = {"NativeBatchNormBackward0": Layout(-1), "CudnnBatchNormBackward0": Layout(-1),
          "MiopenBatchNormBackward0": Layout(-1), "NativeGroupNormBackward0": Layout(-1),
          "NativeLayerNormBackward0": Layout(0)}  # Layout(-1): channels, the spatial count read from the input
_PASSING = frozenset({
    "MulBackward0", "MulBackward1", "DivBackward0", "DivBackward1", "AddBackward0", "AddBackward1",
    "SubBackward0", "SubBackward1", "NegBackward0", "CloneBackward0", "ToCopyBackward0", "NativeDropoutBackward0",
    "ViewBackward0", "UnsafeViewBackward0", "ReshapeAliasBackward0", "SelectBackward0", "SliceBackward0",
    "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward2", "UnsqueezeBackward0", "AliasBackward0",
    "CatBackward0", "ContiguousBackward0", "ExpandBackward0",
})
_SUMS = frozenset({"AddBackward0", "SubBackward0"})


@dataclass(frozen=True)
class Producer:
    """What a producer's tag holds."""

    name: str
    layout: Layout | None
    width: int | None  # its output units, None where not known for its class


@dataclass(frozen=True)
class Origin:
    """The producers whose outputs make an activation's input (several for a residual sum), the summed
    branches with no producer (``shortcuts``), and, when there is no producer at all, the operation where
    the trace stopped."""

    producers: tuple[Producer, ...] = ()
    shortcuts: int = 0
    stopped_at: str = ""
    hint: Layout | None = None  # a normalisation layer's layout met on the way

    @property
    def key(self) -> tuple:
        return tuple(p.name for p in self.producers) or ("?", self.stopped_at)

    def described(self) -> str:
        """``fc1``, ``conv2 + downsample.0``, ``conv2 + shortcut``; empty when no producer is known."""
        names = [p.name for p in self.producers]
        if not names:
            return ""
        return " + ".join(names + ["shortcut"] * min(self.shortcuts, 1))


def tag(name: str, layout: Layout | None, width: int | None, output: object) -> None:
    """A producer's forward hook: mark its output's autograd node."""
    if isinstance(output, tuple | list) and output:
        output = output[0]
    if isinstance(output, torch.Tensor) and output.grad_fn is not None:
        output.grad_fn.metadata[TAG] = Producer(name, layout, width)


def trace(z: torch.Tensor) -> Origin:
    """The origin of ``z`` (no producer if it has no autograd graph)."""
    if z.grad_fn is None:
        return Origin(stopped_at="a tensor with no autograd history, such as the model's input")
    budget = [_MAX_NODES]
    return _walk(z.grad_fn, budget, in_sum=False)


def _walk(node, budget: list[int], in_sum: bool) -> Origin:
    budget[0] -= 1
    if budget[0] < 0:
        return Origin(stopped_at="a long chain of operations")
    producer = node.metadata.get(TAG)
    if producer is not None:
        return Origin((producer,))
    name = type(node).__name__
    inputs = [n for n, _ in node.next_functions if n is not None and type(n).__name__ != "AccumulateGrad"]
    if name in _NORMS and inputs:
        found = _walk(inputs[0], budget, in_sum)
        return found if found.hint is not None else Origin(found.producers, found.shortcuts, found.stopped_at,
                                                           _NORMS[name])
    if len(inputs) == 1 and name in _PASSING:
        return _walk(inputs[0], budget, in_sum)
    if len(inputs) > 1 and name in _SUMS:
        if in_sum:
            return Origin(stopped_at="an earlier sum")
        branches = [_walk(n, budget, in_sum=True) for n in inputs]
        producers = tuple(p for b in branches for p in b.producers)
        shortcuts = sum(b.shortcuts + (not b.producers) for b in branches)
        hint = next((b.hint for b in branches if b.hint is not None), None)
        if producers:
            return Origin(producers, shortcuts, "", hint)
        return Origin((), shortcuts, "a sum of branches with no producer", hint)
    if not inputs:
        return Origin(stopped_at="the model's input")
    return Origin(stopped_at=_op_name(name) + (f" of {len(inputs)} inputs" if len(inputs) > 1 else ""))


def _op_name(node_name: str) -> str:
    """``CatBackward0`` -> ``cat``, ``MaxPool2DWithIndicesBackward0`` -> ``maxpool2dwithindices``."""
    base = node_name.split("Backward")[0]
    return base.lower() or node_name
