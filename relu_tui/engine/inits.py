"""Drawing the tensors an :class:`~relu_tui.spec.inits.InitSpec` describes, each from its own seeded generator.

Xavier and orthogonal are torch.nn.init's: bit for bit what our own code drew from the same generator
(tests/test_engine_inits.py keeps that code as the reference). The default, He and RAI stay ours, for the
reasons given where they are drawn.
"""

from __future__ import annotations

import math

import torch
from torch.nn import init

from relu_tui.spec.inits import InitSpec

RAI_SCALE = 0.6007  # RAI's symmetric entries have std RAI_SCALE / sqrt(fan_in), as published


def draw(spec: InitSpec, shape: tuple[int, ...], generator: torch.Generator, fan_in: int, fan_out: int,
         he_gain: float) -> torch.Tensor:
    """A new float32 tensor of ``shape`` filled as ``spec`` says (a weight's shape is (fan_out, fan_in))."""
    if spec.kind == "explicit":
        return torch.tensor(spec.values, dtype=torch.float32).reshape(shape)
    p = spec.params
    out = torch.empty(shape, dtype=torch.float32)
    if spec.kind == "default":
        # PyTorch's Linear default; torch.nn.init reaches this bound through kaiming_uniform_(a=sqrt(5)),
        # which rounds it differently (in the last bit) for about half of all fans.
        bound = 1.0 / math.sqrt(fan_in)
        return out.uniform_(-bound, bound, generator=generator)
    if spec.kind == "uniform":
        return out.uniform_(p["low"], p["high"], generator=generator)
    if spec.kind == "normal":
        return out.normal_(p["mean"], p["std"], generator=generator)
    if spec.kind == "constant":
        return out.fill_(p["value"])
    if spec.kind in ("he_normal", "he_uniform"):
        # Not kaiming_*_: they take a nonlinearity's name, not a gain, so they cannot draw with a scenario's
        # gain or the registry's gain for an activation torch has none for (ELU, GELU); nor a bias (no fans).
        gain = he_gain if p["gain"] == "auto" else p["gain"]
        std = gain / math.sqrt(fan_in if p["mode"] == "fan_in" else fan_out)
        if spec.kind == "he_normal":
            return out.normal_(0.0, std, generator=generator)
        return out.uniform_(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator=generator)
    if spec.kind == "xavier_normal":
        return init.xavier_normal_(out, p["gain"], generator=generator)
    if spec.kind == "xavier_uniform":
        return init.xavier_uniform_(out, p["gain"], generator=generator)
    if spec.kind == "orthogonal":
        return init.orthogonal_(out, p["gain"], generator=generator)
    if spec.kind == "rai":
        return rai(shape, generator)  # not in torch
    raise ValueError(f"unknown init kind {spec.kind!r}")  # parse_init admits no other kind


def rai(shape: tuple[int, ...], generator: torch.Generator) -> torch.Tensor:
    """Randomized asymmetric initialization as published (Lu, Shin, Su and Karniadakis, 2019), row by row.

    Each row (one unit's weights followed by its bias, the last axis) is drawn from
    N(0, (RAI_SCALE / sqrt(fan_in))^2), fan_in being the row's length less the bias; then one entry,
    chosen uniformly (the bias included), is replaced by a draw from the positive Beta(2, 1).
    """
    import torch

    *lead, n = shape
    std = RAI_SCALE / math.sqrt(max(n - 1, 1))
    out = torch.empty(shape, dtype=torch.float32).normal_(0.0, std, generator=generator)
    position = torch.randint(0, n, (*lead, 1), generator=generator)
    positive = torch.rand((*lead, 1), generator=generator).sqrt()  # Beta(2, 1): F(x) = x^2
    return out.scatter_(-1, position, positive)
