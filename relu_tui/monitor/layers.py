"""A watched activation call site: where its units are, the layers producing its input, and its units'
counts since the last record (inputs that fired, summed |activation|) and gradient snapshot.

Once the sites are fixed their counts move into blocks shared by all of them (:class:`Blocks`), so a record
reads and restarts every site's counts in a few operations, whatever the number of sites."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from relu_tui.monitor.origin import Origin
from relu_tui.monitor.producers import Layout, unit_norms
from relu_tui.monitor.runlog import LayerInfo

_EXACT_FLOAT32 = 2**24  # a float32 sum of 0s and 1s is exact below this
_FLOAT32 = torch.float32

_ONES: dict[tuple[int, torch.device], torch.Tensor] = {}


def _ones(n: int, device: torch.device) -> torch.Tensor:
    """A float32 row (1 x ``n``) of ones (kept: a batch size recurs every step)."""
    key = (n, device)
    if key not in _ONES:
        if len(_ONES) > 64:
            _ONES.clear()
        _ONES[key] = torch.ones(1, n, dtype=_FLOAT32, device=device)
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
    device: torch.device
    inputs: int = 0  # inputs counted per unit

    def __post_init__(self) -> None:
        # Per unit, rows "fired" (pre-activation > 0) and "|activation|": float32 sums of the latest calls
        # (exact for counts below 2**24), folded into float64 totals before they could reach it; and the
        # gradient norm at the last backward, NaN when none was taken since the last record.
        self._place(torch.zeros(2, self.width, dtype=_FLOAT32, device=self.device),
                    torch.zeros(2, self.width, dtype=torch.float64, device=self.device),
                    torch.full((self.width,), float("nan"), dtype=_FLOAT32, device=self.device))
        self._recent = 0  # inputs per unit in the float32 sums
        self._folded = False  # whether the float64 totals hold counts
        self._shape: torch.Size | None = None  # the units-last float32 shape the row counting is set up for
        self._rows = 0  # inputs per unit in a tensor of that shape
        self._batched = False  # whether that shape has more than 2 dimensions (viewed as rows x units)
        self._row_of_ones: torch.Tensor | None = None

    def _place(self, sums: torch.Tensor, totals: torch.Tensor, norms: torch.Tensor) -> None:
        self._sums, self._totals, self._norms = sums, totals, norms
        self._fired, self._size = sums[0:1], sums[1:2]  # 1 x width rows, for addmm_

    @property
    def info(self) -> LayerInfo:
        note = "" if self.origin.producers else f"no single producing layer: {self.origin.stopped_at}"
        return LayerInfo(self.name, self.label, self.can_die, self.layout.kind, self.width,
                         self.origin.described(), tuple(p.name for p in self.origin.producers), self.call, note)

    def count(self, z: torch.Tensor, output: torch.Tensor) -> None:
        """Add the inputs of ``z`` on which each unit's pre-activation is > 0, and the activation's |output|
        (NaN pre-activations make the counts NaN). Vectorized, no host sync; float sums, several times faster
        than bool sums. An in-place activation has overwritten ``z`` with ``output``: the watched activations
        are > 0 exactly where their input is, so the count is the same. A contiguous float32 tensor whose
        units are last (a Linear layer's) takes the short way: two row-times-matrix products into the sums."""
        shape = self._shape
        if not (isinstance(output, torch.Tensor) and output.shape == shape and z.shape == shape
                and output.dtype is _FLOAT32 and output.is_contiguous()
                and (self.can_die or (z.dtype is _FLOAT32 and z.is_contiguous()))) and not self._rows_fit(z, output):
            self._count_summing(z, output)
            return
        rows = self._rows
        if self._recent + rows >= _EXACT_FLOAT32:
            self._fold()
        ones, size = self._row_of_ones, output.detach()
        if self._batched:
            size = size.view(rows, self.width)
        if self.can_die:  # flat 0 below 0, so the output is >= 0, and > 0 exactly where the input is
            self._fired.addmm_(ones, torch.sign(size))
        else:
            self._fired.addmm_(ones, torch.sign(z.detach().view(rows, self.width)).clamp_(min=0))
            size = size.abs()
        self._size.addmm_(ones, size)
        self._recent += rows
        self.inputs += rows

    def _rows_fit(self, z: torch.Tensor, output: object) -> bool:
        """Whether the short way counts this call; if so, set it up for this shape."""
        if not (isinstance(output, torch.Tensor) and output.shape == z.shape and z.ndim >= 2
                and z.shape[-1] == self.width and self.layout.unit_dim(z) == z.ndim - 1
                and output.dtype is _FLOAT32 and output.is_contiguous()
                and (self.can_die or (z.dtype is _FLOAT32 and z.is_contiguous()))):
            return False
        rows = z.numel() // self.width
        if rows >= _EXACT_FLOAT32:  # one call too many for float32 sums
            return False
        self._shape, self._rows, self._row_of_ones = output.shape, rows, _ones(rows, output.device)
        self._batched = z.ndim > 2
        return True

    def _count_summing(self, z: torch.Tensor, output: object) -> None:
        """Any other layout: sums over every dimension but the units'."""
        dim = self.layout.unit_dim(z)
        if dim is None or z.shape[dim] != self.width or not isinstance(output, torch.Tensor) \
                or output.shape != z.shape:
            return
        per_unit = z.numel() // self.width
        if self._recent + per_unit >= _EXACT_FLOAT32:
            self._fold()
        other = [d for d in range(z.ndim) if d != dim]
        if self.can_die:
            size = output.detach()
            positive = torch.sign(size)
        else:
            size = output.detach().abs()
            positive = torch.sign(z.detach()).clamp_(min=0)
        if per_unit >= _EXACT_FLOAT32:  # one call too many for float32: straight into the totals
            self._totals[0].add_(positive.sum(dim=other, dtype=torch.float64))
            self._totals[1].add_(size.sum(dim=other, dtype=torch.float64))
            self._folded = True
        elif not other:
            self._sums[0].add_(positive)
            self._sums[1].add_(size)
            self._recent += 1
        else:
            self._sums[0].add_(positive.sum(dim=other, dtype=_FLOAT32))
            self._sums[1].add_(size.sum(dim=other, dtype=_FLOAT32))
            self._recent += per_unit
        self.inputs += per_unit

    def _fold(self) -> None:
        self._totals += self._sums
        self._sums.zero_()
        self._recent = 0
        self._folded = True

    def snapshot_gradient(self) -> None:
        """Keep the per-unit gradient norm of all producers' rows together (NaN unless each has one)."""
        for index, producer in enumerate(self.producers):
            if not unit_norms(producer, self.width, self._norms, add=index > 0):
                self._norms.fill_(float("nan"))
                return


class Blocks:
    """Every site's counts and gradient snapshot in three tensors (the sites' own are views into them), in
    the order of ``layers``: ``sums`` and ``totals`` (2 x units: fired, |activation|), ``norms`` (units)."""

    def __init__(self, layers: list[WatchedLayer]) -> None:
        self.layers = layers
        self.sums = torch.cat([layer._sums for layer in layers], dim=1)
        self.totals = torch.cat([layer._totals for layer in layers], dim=1)
        self.norms = torch.cat([layer._norms for layer in layers])
        start = 0
        for layer in layers:
            end = start + layer.width
            layer._place(self.sums[:, start:end], self.totals[:, start:end], self.norms[start:end])
            start = end

    def take(self, counts: np.ndarray, norms: np.ndarray, inputs: np.ndarray,
             reduce: Callable[[torch.Tensor], None] | None = None) -> None:
        """Into ``counts`` (float64, 2 x units), ``norms`` (float32, units; NaN where no snapshot was taken)
        and ``inputs`` (int64, per site): the counts since the last record, the gradient norms and each site's
        inputs per unit; then every count restarts. ``reduce`` sums a float64 tensor over ranks in place: the
        counts and inputs go through it in one call."""
        folded = any(layer._folded for layer in self.layers)
        inputs[:] = [layer.inputs for layer in self.layers]
        for layer in self.layers:
            layer.inputs = layer._recent = 0
            layer._folded = False
        if self.sums.device.type == "cpu" and reduce is None:  # numpy costs less than torch on small host arrays
            sums, totals, taken = self.sums.numpy(), self.totals.numpy(), self.norms.numpy()
            if folded:
                np.add(totals, sums, out=counts)
                totals.fill(0)
            else:
                counts[:] = sums
            norms[:] = taken
            sums.fill(0)
            taken.fill(np.nan)
            return
        summed = self.totals.add(self.sums) if folded else self.sums.double()
        norms[:] = self.norms.cpu().numpy()
        self.sums.zero_()
        if folded:
            self.totals.zero_()
        self.norms.fill_(float("nan"))
        if reduce is not None:
            flat = torch.cat([summed.view(-1), torch.from_numpy(inputs.astype(np.float64)).to(summed.device)])
            reduce(flat)
            summed, inputs[:] = flat[:summed.numel()].view(2, -1), flat[summed.numel():].long().cpu().numpy()
        counts[:] = summed.cpu().numpy()
