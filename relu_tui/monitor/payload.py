"""The binary form of a record's per-unit arrays: ``records.bin``, beside ``records.jsonl``.

A record's line gives ``"payload": [offset, length]``: that many bytes of ``records.bin`` hold, layer after
layer in the order of ``meta.json``, each per-unit field of :data:`~relu_tui.monitor.runlog.UNIT_FIELDS`
as little-endian raw arrays of the layer's width, 8-byte fields first (``died_step``, ``died_epoch``: int64;
``active_share``, ``grad_norm``, ``dormant``: float32; ``state``: int8 codes; ``revived``: 0 or 1). That is
30 bytes a unit, written as it is in memory: a record of 131,072 units costs a few milliseconds, where its
JSON text took about half a second.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from relu_tui.engine.records import ALIVE, STATES
from relu_tui.engine.states import NO_STATE
from relu_tui.monitor.errors import RunLogError

# (field, dtype on disk) in the order they are written.
FIELDS = (("died_step", "<i8"), ("died_epoch", "<i8"), ("active_share", "<f4"), ("grad_norm", "<f4"),
          ("dormant", "<f4"), ("state", "i1"), ("revived", "u1"))
BYTES_PER_UNIT = sum(np.dtype(dtype).itemsize for _, dtype in FIELDS)
_ENCODED = tuple((name, np.dtype(dtype)) for name, dtype in FIELDS)


def encode(layers: Mapping[str, object]) -> bytes:
    """The payload of a record's LayerStats, in their order."""
    # Each array's own buffer where it is already in the disk type (no copy before the join)
    return b"".join([np.ascontiguousarray(getattr(stats, name), dtype=dtype).data
                     for stats in layers.values() for name, dtype in _ENCODED])


def encode_rows(fields: Mapping[str, np.ndarray], layers: Sequence[slice], out: np.ndarray) -> memoryview:
    """The payloads of several records one after another, laid out for all of them at once: ``fields`` holds
    each per-unit field with one row per record (units along the row, the layers at ``layers``), ``out`` is
    a uint8 buffer of at least that many rows of ``BYTES_PER_UNIT`` bytes a unit (kept by the caller: a new
    buffer this size costs page faults every time)."""
    rows = out[:len(fields[FIELDS[0][0]])]
    at = 0
    for cut in layers:
        for name, dtype in _ENCODED:
            part = np.ascontiguousarray(fields[name][:, cut], dtype=dtype)
            rows[:, at:at + part.shape[1] * dtype.itemsize] = part.view(np.uint8)
            at += part.shape[1] * dtype.itemsize
    return memoryview(rows).cast("B")


def decode(payload: bytes, widths: Sequence[tuple[str, int]]) -> list[dict[str, np.ndarray]]:
    """Per layer (``(name as shown in messages, width)``), its per-unit arrays in memory types, checked;
    RunLogError on a wrong length or a value out of range."""
    expected = sum(width for _, width in widths) * BYTES_PER_UNIT
    if len(payload) != expected:
        raise RunLogError(f"its payload is {len(payload)} bytes; its layers need {expected}")
    layers, at = [], 0
    for layer, width in widths:
        fields = {}
        for name, dtype in FIELDS:
            size = np.dtype(dtype).itemsize * width
            fields[name] = np.frombuffer(payload, dtype=dtype, count=width, offset=at).astype(dtype[-2:])
            at += size
        _check(layer, fields)
        fields["revived"] = fields["revived"].astype(bool)
        layers.append(fields)
    return layers


def _check(layer: str, fields: dict[str, np.ndarray]) -> None:
    def expect(ok: bool, problem: str) -> None:
        if not ok:
            raise RunLogError(f"layer {layer}: {problem}")

    expect(bool(((fields["state"] >= NO_STATE) & (fields["state"] < len(STATES))).all()),
           f"state holds codes other than {NO_STATE} to {len(STATES) - 1}")
    for name in ("died_step", "died_epoch"):
        expect(bool((fields[name] >= ALIVE).all()), f"{name} holds a number below {ALIVE}")
    expect(bool((fields["revived"] <= 1).all()), "revived holds values other than 0 or 1")
