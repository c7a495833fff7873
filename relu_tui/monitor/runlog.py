"""The run log format: what ``meta.json`` and each line of ``records.jsonl`` hold, in and out of JSON.

A run directory holds ``meta.json`` (written once, atomically, at the first record) and ``records.jsonl``
(append-only, one JSON object per line). Per-unit fields are lists indexed by unit (channel for a conv
layer); numbers that are missing or not finite are ``null``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..records import ALIVE, STATES
from ..states import NO_STATE  # "-" in a record: the layer saw no counted input
from .errors import RunLogError

FORMAT = "relu-tui-run"
VERSION = 1
META = "meta.json"
RECORDS = "records.jsonl"
KINDS = ("unit", "channel")  # fed by a Linear layer / by a Conv layer (counted over batch and positions)
STATE_CHARS = "".join(state[0] for state in STATES)  # "dnsa": one character per unit in a record's "state"
NO_EPOCH = -1  # RunLog.epochs where a record has no epoch
# The per-unit fields of a layer in a record, and their array types.
UNIT_FIELDS = {"active_share": np.float32, "state": np.int8, "grad_norm": np.float32, "died_step": np.int64,
               "died_epoch": np.int64, "revived": np.bool_}

_CHAR_OF_STATE = np.array([*STATE_CHARS, "-"])  # indexed by code; NO_STATE (-1) picks "-"
_STATE_OF_BYTE = np.full(256, NO_STATE, dtype=np.int8)
_STATE_OF_BYTE[np.frombuffer(STATE_CHARS.encode(), dtype=np.uint8)] = np.arange(len(STATE_CHARS))


@dataclass(frozen=True)
class LayerInfo:
    """One watched activation: its name, the layer feeding it and how its units are counted."""

    name: str  # the activation module's name; "#2", "#3"... for its later calls in one forward pass
    activation: str
    can_die: bool
    kind: str  # one of KINDS
    width: int
    fed_by: str  # name of the Linear / Conv layer whose output it takes


@dataclass(frozen=True)
class RunMeta:
    """What ``meta.json`` holds."""

    model: str
    layers: tuple[LayerInfo, ...]
    sparse_threshold: float
    every: int
    world_size: int
    created: str  # ISO 8601, UTC
    version: int = VERSION

    def layer(self, name: str) -> LayerInfo:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r} in this run; it has {', '.join(x.name for x in self.layers)}")

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "version": self.version, "model": self.model, "created": self.created,
            "sparse_threshold": self.sparse_threshold, "every": self.every, "world_size": self.world_size,
            "layers": [vars(layer) for layer in self.layers],
        }, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> RunMeta:
        """Parse and check ``meta.json`` (RunLogError without a location on any problem)."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise RunLogError(f"not valid JSON ({exc})") from None
        _expect(isinstance(data, dict) and data.get("format") == FORMAT, f"not a {FORMAT} meta.json")
        version = data.get("version")
        _expect(isinstance(version, int) and 1 <= version <= VERSION,
                f"format version {version!r} is not one this relu-tui reads (1 to {VERSION})")
        try:
            layers = tuple(LayerInfo(**layer) for layer in data["layers"])
            meta = cls(model=data["model"], layers=layers, sparse_threshold=data["sparse_threshold"],
                       every=data["every"], world_size=data["world_size"], created=data["created"], version=version)
        except (KeyError, TypeError) as exc:
            raise RunLogError(f"malformed meta.json ({type(exc).__name__}: {exc})") from None
        for layer in layers:
            _expect(layer.kind in KINDS and isinstance(layer.width, int) and layer.width > 0,
                    f"layer {layer.name!r}: bad kind {layer.kind!r} or width {layer.width!r}")
        _expect(len({layer.name for layer in layers}) == len(layers), "two layers share a name")
        return meta


@dataclass
class LayerStats:
    """One layer in one record: arrays of length width, index = unit (channel)."""

    inputs: int  # inputs counted per unit since the previous record (samples, times positions for a conv)
    active_share: np.ndarray  # float32: share of those inputs with pre-activation > 0; NaN when unknown
    state: np.ndarray  # int8 codes into STATES; NO_STATE when the layer saw no input
    grad_norm: np.ndarray  # float32: L2 norm of the feeding layer's weight row (kernel) and bias grad; NaN if none
    died_step: np.ndarray  # int64: step of the record where the unit's current death began; ALIVE if not dead
    died_epoch: np.ndarray  # int64: epoch of that record; ALIVE if not dead or no epoch was given
    revived: np.ndarray  # bool: was dead at an earlier record and was not dead at a later one

    def to_json(self) -> str:
        """Compact JSON, built from numpy's text of the arrays (several times faster than json.dumps of lists)."""
        fields = {
            "inputs": str(self.inputs),
            "active_share": _floats(self.active_share),
            "state": f'"{"".join(_CHAR_OF_STATE[self.state].tolist())}"',
            "grad_norm": _floats(self.grad_norm),
            "died_step": _ints(self.died_step),
            "died_epoch": _ints(self.died_epoch),
            "revived": _ints(self.revived.astype(np.int8)),
        }
        return "{" + ",".join(f'"{key}":{value}' for key, value in fields.items()) + "}"

    @classmethod
    def from_dict(cls, data: Any, layer: LayerInfo) -> LayerStats:
        _expect(isinstance(data, dict), f"layer {layer.name!r} is not an object")
        inputs = data.get("inputs")
        _expect(isinstance(inputs, int) and inputs >= 0, f"layer {layer.name!r}: bad inputs {inputs!r}")
        for key in UNIT_FIELDS:
            value = data.get(key)
            _expect(isinstance(value, list | str) and len(value) == layer.width,
                    f"layer {layer.name!r}: {key} is not {layer.width} values")
        state = data["state"]
        _expect(isinstance(state, str) and not set(state) - set(STATE_CHARS + "-"),
                f"layer {layer.name!r}: state holds characters other than {STATE_CHARS}-")
        try:
            return cls(
                inputs=inputs,
                active_share=np.array(data["active_share"], dtype=np.float64).astype(np.float32),
                state=_STATE_OF_BYTE[np.frombuffer(state.encode(), dtype=np.uint8)],
                grad_norm=np.array(data["grad_norm"], dtype=np.float64).astype(np.float32),
                died_step=_int_array(data["died_step"]),
                died_epoch=_int_array(data["died_epoch"]),
                revived=np.array(data["revived"], dtype=np.int64).astype(bool),
            )
        except (TypeError, ValueError) as exc:
            raise RunLogError(f"layer {layer.name!r}: a per-unit value is not a number ({exc})") from None


@dataclass
class RunRecord:
    """One line of ``records.jsonl``: the monitor's diagnosis after ``step`` optimization steps."""

    step: int
    epoch: int | None
    loss: float | None
    time: float  # Unix time the record was made
    layers: dict[str, LayerStats]  # in the order of RunMeta.layers

    def to_json(self) -> bytes:
        """The record as one line (ending in a newline) of compact JSON."""
        loss = "null" if self.loss is None else _floats(np.array([self.loss]))[1:-1]
        epoch = "null" if self.epoch is None else str(int(self.epoch))
        layers = ",".join(f"{json.dumps(name)}:{stats.to_json()}" for name, stats in self.layers.items())
        line = f'{{"step":{int(self.step)},"epoch":{epoch},"loss":{loss},"time":{round(float(self.time), 3)!r},' \
               f'"layers":{{{layers}}}}}\n'
        return line.encode()

    @classmethod
    def from_json(cls, line: bytes, meta: RunMeta) -> RunRecord:
        """Parse and check one line (RunLogError without a location on any problem)."""
        try:
            data = json.loads(line)
        except ValueError as exc:
            raise RunLogError(f"not a JSON record ({exc})") from None
        _expect(isinstance(data, dict), "not a JSON object")
        step, epoch, loss, when = (data.get(key) for key in ("step", "epoch", "loss", "time"))
        _expect(isinstance(step, int) and step >= 0, f"bad step {step!r}")
        _expect(epoch is None or isinstance(epoch, int), f"bad epoch {epoch!r}")
        _expect(loss is None or isinstance(loss, int | float), f"bad loss {loss!r}")
        _expect(isinstance(when, int | float), f"bad time {when!r}")
        layers = data.get("layers")
        _expect(isinstance(layers, dict) and list(layers) == [layer.name for layer in meta.layers],
                "its layers are not the ones meta.json lists")
        stats = {layer.name: LayerStats.from_dict(layers[layer.name], layer) for layer in meta.layers}
        return cls(step=step, epoch=epoch, loss=None if loss is None else float(loss), time=float(when), layers=stats)


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise RunLogError(problem)


def _floats(values: np.ndarray) -> str:
    """A JSON list of the shortest decimals that read back as the same float32s; null where not finite."""
    with np.errstate(over="ignore"):
        values = values.astype(np.float32)
    return "[" + ",".join(np.where(np.isfinite(values), values.astype(str), "null").tolist()) + "]"


def _ints(values: np.ndarray) -> str:
    """A JSON list of the integers; null for ALIVE."""
    return "[" + ",".join(np.where(values == ALIVE, "null", values.astype(str)).tolist()) + "]"


def _int_array(values: list[int | None]) -> np.ndarray:
    floats = np.array(values, dtype=np.float64)
    return np.where(np.isnan(floats), ALIVE, floats).astype(np.int64)
