"""Which modules of a model are activations the Monitor watches, and as which registry entry.

By class first (torch.nn's classes the registry names, and those given to
:func:`relu_tui.spec.activations.register`), then by what it computes: a module with no parameters, buffers
or children whose output on a probe tensor matches an entry's reference function (transformers'
``GELUActivation``, ``NewGELUActivation``, ``QuickGELUActivation``, timm's ``GELU``...). The probe calls the
module's ``forward`` once, without hooks, under ``no_grad`` and with the random state restored after.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from relu_tui.spec.activations import REGISTRY, ActivationKind, Params, probed, watching

_PROBE = (torch.arange(-160, 161) / 20).repeat(2, 1)  # two rows: a module that needs a batch dimension works
_RTOL, _ATOL = 1e-4, 1e-5  # float32 rounding between two ways of writing one function, not between two functions


@dataclass(frozen=True)
class Recognised:
    kind: ActivationKind
    params: Params
    label: str

    @property
    def can_die(self) -> bool:
        return self.kind.can_die(self.params)


def recognise(module: nn.Module) -> Recognised | None:
    """The entry ``module`` is watched as, with its parameters and the Monitor's name for it; None if none."""
    kind = watching(module)
    if kind is not None:
        return Recognised(kind, kind.read(module), kind.label(module))
    if _has_state(module):
        return None
    output = _probe(module)
    if output is None or torch.equal(output, _PROBE):  # the identity (a leaky ReLU of slope 1, Dropout in eval)
        return None
    for name in probed():
        kind = REGISTRY[name]
        params = _fitted(kind, output)
        expected = kind.reference(_PROBE, params)
        if torch.allclose(output, expected, rtol=_RTOL, atol=_ATOL):
            return Recognised(kind, params, type(module).__name__)
    return None


def _has_state(module: nn.Module) -> bool:
    return (next(module.parameters(), None) is not None or next(module.buffers(), None) is not None
            or next(module.children(), None) is not None)


def _probe(module: nn.Module) -> torch.Tensor | None:
    try:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            output = module.forward(_PROBE.clone())
    except Exception:  # not a function of one tensor: not an activation
        return None
    if not isinstance(output, torch.Tensor) or output.shape != _PROBE.shape or output.dtype != _PROBE.dtype:
        return None
    return output


def _fitted(kind: ActivationKind, output: torch.Tensor) -> Params:
    """The entry's parameters read off the probe's output where one decides the far negative side (a leaky
    slope from f(-1), an ELU's alpha from f(-8)); the entry's defaults otherwise."""
    params = {name: default for name, (_, default) in kind.params.items()}
    at = dict(zip(_PROBE[0].tolist(), output[0].tolist()))  # exact: x = k / 20
    if "negative_slope" in params and 0 <= -at[-1.0] < 1:
        params["negative_slope"] = -at[-1.0]
    if "alpha" in params and at[-8.0] < 0:
        params["alpha"] = -at[-8.0] / (1.0 - math.exp(-8.0))
    return params
