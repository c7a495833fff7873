"""Independent, reproducible random streams derived from one scenario seed."""

from __future__ import annotations

import zlib

import numpy as np
import torch


def derive_seed(seed: int, *stream: str | int) -> int:
    """A 63-bit seed for the named stream, e.g. ``derive_seed(0, "init", 2)``.

    Streams are independent: changing one layer or the data transform never
    moves the numbers drawn for another stream.
    """
    key = tuple(zlib.crc32(s.encode()) if isinstance(s, str) else int(s) for s in stream)
    words = np.random.SeedSequence(seed, spawn_key=key).generate_state(2, np.uint32)
    return (int(words[0]) << 31 | int(words[1]) >> 1) & (2**63 - 1)


def numpy_rng(seed: int, *stream: str | int) -> np.random.Generator:
    return np.random.default_rng(derive_seed(seed, *stream))


def torch_rng(seed: int, *stream: str | int) -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(derive_seed(seed, *stream))
    return generator
