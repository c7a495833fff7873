"""A watched activation call site: where its units are, the layers producing its input, and its units'
counts since the last record (inputs that fired, summed |activation|) and gradient snapshot."""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
from torch import nn

from relu_tui.monitor.origin import Origin
from relu_tui.monitor.producers import Layout, unit_squares
from relu_tui.monitor.runlog import LayerInfo

_EXACT_FLOAT32 = 2**24  # a float32 sum of 0s and 1s is exact below this


_ONES: dict[tuple[int, torch.device], torch.Tensor] = {}


def _ones(n: int, device: torch.device) -> torch.Tensor:
    """A float32 vector of ``n`` ones (kept: a batch size recurs every step)."""
    key = (n, device)
    if key not in _ONES:
        if len(_ONES) > 64:
            _ONES.clear()
        _ONES[key] = torch.ones(n, dtype=torch.float32, device=device)
    return _ONES[key]


@dataclass(eq=False)
class WatchedLayer:
    """One activation call site and its counts since the last record."""

    name: str
    label: str
    can_die: bool
    call: str  # "module" or "function"
    layout: Layout
    width: int
    origin: Origin  # producers already checked against layout and width (none if they did not fit)
    producers: tuple[nn.Module, ...]
    active: torch.Tensor  # float64 per unit: inputs with pre-activation > 0
    magnitude: torch.Tensor  # float64 per unit: sum of |activation| over those inputs
    inputs: int = 0  # inputs counted per unit
    squares: torch.Tensor | None = field(default=None)  # per-unit squared gradient norm at the last backward

    def __post_init__(self) -> None:
        self._active32 = torch.zeros(self.width, dtype=torch.float32, device=self.active.device)
        self._magnitude32 = torch.zeros_like(self._active32)
        self._recent = 0  # inputs per unit in the float32 sums

    @property
    def info(self) -> LayerInfo:
        note = "" if self.origin.producers else f"no single producing layer: {self.origin.stopped_at}"
        return LayerInfo(self.name, self.label, self.can_die, self.layout.kind, self.width,
                         self.origin.described(), tuple(p.name for p in self.origin.producers), self.call, note)

    def fits(self, z: torch.Tensor) -> bool:
        dim = self.layout.unit_dim(z)
        return dim is not None and z.shape[dim] == self.width

    def count(self, z: torch.Tensor, output: torch.Tensor) -> None:
        """Add the inputs of ``z`` on which each unit's pre-activation is > 0, and the activation's |output|
        (NaN pre-activations make the counts NaN). Vectorized, no host sync; float sums, several times faster
        than bool sums, into float32 sums (exact for counts below 2**24) folded into the float64 totals before
        they could reach it. An in-place activation has overwritten ``z`` with ``output``: the watched
        activations are > 0 exactly where their input is, so the count is the same."""
        dim = self.layout.unit_dim(z)
        if dim is None or z.shape[dim] != self.width or not isinstance(output, torch.Tensor) \
                or output.shape != z.shape:
            return
        per_unit = z.numel() // self.width
        if self._recent + per_unit >= _EXACT_FLOAT32:
            self._fold()
        other = [d for d in range(z.ndim) if d != dim]
        if self.can_die:  # flat 0 below 0, so the output is >= 0, and > 0 exactly where the input is
            size = output.detach()
            positive = torch.sign(size)
        else:
            size = output.detach().abs()
            positive = torch.sign(z.detach()).clamp_(min=0)
        if per_unit >= _EXACT_FLOAT32:  # one call too many for float32: straight into the totals
            self.active += positive.sum(dim=other, dtype=torch.float64)
            self.magnitude += size.sum(dim=other, dtype=torch.float64)
        elif dim == z.ndim - 1 and z.ndim >= 2 and positive.dtype == torch.float32 and positive.is_contiguous() \
                and size.is_contiguous():
            # units last: sum and accumulate in one matrix-vector product each (exact: whole numbers < 2**24)
            ones = _ones(per_unit, positive.device)
            self._active32.addmv_(positive.view(per_unit, self.width).t(), ones)
            self._magnitude32.addmv_(size.view(per_unit, self.width).t(), ones)
            self._recent += per_unit
        elif not other:
            self._active32 += positive
            self._magnitude32 += size
            self._recent += 1
        else:
            self._active32 += positive.sum(dim=other, dtype=torch.float32)
            self._magnitude32 += size.sum(dim=other, dtype=torch.float32)
            self._recent += per_unit
        self.inputs += per_unit

    def _fold(self) -> None:
        self.active += self._active32
        self.magnitude += self._magnitude32
        self._active32.zero_()
        self._magnitude32.zero_()
        self._recent = 0

    def totals(self) -> tuple[torch.Tensor, torch.Tensor, int]:
        """The float64 counts so far (the layer's own buffers: copy them before :meth:`restart`)."""
        self._fold()
        return self.active, self.magnitude, self.inputs

    def restart(self) -> None:
        self.active.zero_()
        self.magnitude.zero_()
        self.inputs = 0

    def snapshot_gradient(self) -> None:
        """Keep the per-unit squared gradient norm of every producer's rows (None unless each has one)."""
        total = None
        for producer in self.producers:
            squares = unit_squares(producer, self.width)
            if squares is None:
                self.squares = None
                return
            total = squares if total is None else total + squares
        self.squares = total

    def take_gradient(self) -> torch.Tensor | None:
        """Per unit: the L2 norm of the gradient of the rows of every producer that computes it, at the last
        backward pass since the previous record; None if there was none or there is no producer."""
        squares, self.squares = self.squares, None
        return None if squares is None else squares.sqrt()
