"""torch.nn.init draws, bit for bit, what the hand-written Xavier and orthogonal code drew from the same
generator; the hand-written default and He agree with torch where torch can say the same thing."""

from __future__ import annotations

import itertools
import math

import pytest
import torch
from torch.nn import init

from relu_tui.engine.inits import draw
from relu_tui.spec.activations import Activation
from relu_tui.spec.inits import InitSpec

SHAPES = [(1, 1), (1, 7), (7, 1), (3, 5), (5, 3), (4, 4), (16, 2), (2, 16), (64, 32), (32, 64), (10, 784)]
GAINS = [1.0, 0.5, 2.0, math.sqrt(2.0), 5 / 3, 1e-3, 7.3]
CASES = list(itertools.product(SHAPES, range(3), GAINS))


def rng(seed: int) -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def drawn(kind: str, params: dict, shape: tuple[int, int], seed: int, he_gain: float = 1.0) -> torch.Tensor:
    fan_out, fan_in = shape
    return draw(InitSpec(kind, params), shape, rng(seed), fan_in, fan_out, he_gain)


# The code draw() used before torch.nn.init replaced it: the reference.

def hand_xavier(shape, generator, gain, uniform):
    fan_out, fan_in = shape
    out = torch.empty(shape, dtype=torch.float32)
    std = gain * math.sqrt(2.0 / (fan_in + fan_out))
    if not uniform:
        return out.normal_(0.0, std, generator=generator)
    return out.uniform_(-math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator=generator)


def hand_orthogonal(shape, generator, gain):
    rows, cols = shape
    flat = torch.empty(rows, cols, dtype=torch.float32).normal_(0.0, 1.0, generator=generator)
    if rows < cols:
        flat = flat.T
    q, r = torch.linalg.qr(flat)
    q = q * torch.sign(torch.diagonal(r))
    if rows < cols:
        q = q.T
    return (gain * q).contiguous()


@pytest.mark.parametrize(("shape", "seed", "gain"), CASES)
def test_xavier_is_the_hand_written_draw_bit_for_bit(shape, seed, gain):
    for kind, uniform in (("xavier_normal", False), ("xavier_uniform", True)):
        assert torch.equal(drawn(kind, {"gain": gain}, shape, seed), hand_xavier(shape, rng(seed), gain, uniform))


@pytest.mark.parametrize(("shape", "seed", "gain"), CASES)
def test_orthogonal_is_the_hand_written_draw_bit_for_bit(shape, seed, gain):
    assert torch.equal(drawn("orthogonal", {"gain": gain}, shape, seed), hand_orthogonal(shape, rng(seed), gain))


@pytest.mark.parametrize(("activation", "torch_name"), [
    (Activation("relu"), ("relu", 0)),
    (Activation("leaky_relu", {"negative_slope": 0.2}), ("leaky_relu", 0.2)),
    (Activation("tanh"), ("tanh", 0)),
    (Activation("identity"), ("linear", 0)),
], ids=lambda a: a.describe() if isinstance(a, Activation) else a[0])
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_he_is_kaiming_where_torch_has_the_activation(activation, torch_name, mode):
    """Ours, since kaiming_*_ cannot take a gain; where a nonlinearity's name gives the same gain, both agree."""
    nonlinearity, slope = torch_name
    for shape, seed in itertools.product(SHAPES, range(2)):
        for kind, kaiming in (("he_normal", init.kaiming_normal_), ("he_uniform", init.kaiming_uniform_)):
            ours = drawn(kind, {"gain": "auto", "mode": mode}, shape, seed, he_gain=activation.gain)
            theirs = kaiming(torch.empty(shape), slope, mode, nonlinearity, generator=rng(seed))
            assert torch.equal(ours, theirs)


def test_the_default_bound_is_not_torchs_kaiming_route_to_it():
    """Why the default stays ours: kaiming_uniform_(a=sqrt(5)), how torch.nn.Linear draws it, rounds the bound
    1/sqrt(fan_in) differently for many fans (plain float arithmetic, the same on every CPU)."""
    gain = init.calculate_gain("leaky_relu", math.sqrt(5))
    differ = [fan for fan in range(1, 200) if gain * math.sqrt(3.0 / fan) != 1.0 / math.sqrt(fan)]
    assert len(differ) > 50
