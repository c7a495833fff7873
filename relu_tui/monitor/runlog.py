"""The run log format: what ``meta.json`` and each line of ``records.jsonl`` hold, in and out of JSON.

A run directory holds ``meta.json`` (written once, atomically, at the first record), ``records.jsonl``
(append-only, one JSON object per line) and ``records.bin`` (append-only). Per-unit fields are indexed by
unit (channel for a conv layer). The Monitor writes each record in binary form: its line says where its
arrays are in ``records.bin`` (:mod:`relu_tui.monitor.payload`). The text form, every array a JSON list
in the line (numbers missing or not finite are ``null``), is read too: version 1 logs, and logs made by hand.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from relu_tui.engine.records import ALIVE, STATES
from relu_tui.engine.states import NO_STATE  # NO_STATE: "-" in a record, no counted input
from relu_tui.monitor import payload
from relu_tui.monitor.errors import RunLogError
from relu_tui.spec.scenario import DiagnosisSpec
from relu_tui.visible import visible

FORMAT = "relu-tui-run"
VERSION = 2  # 2: layers' feeders, call and note; a per-unit dormant score
META = "meta.json"
RECORDS = "records.jsonl"
CLOSED = "closed.json"  # written atomically when the Monitor closes: the run is finished
PAYLOAD = "records.bin"  # the per-unit arrays of lines in binary form (relu_tui.monitor.payload)
PayloadReader = Callable[[int, int], bytes]  # (offset, length) -> that many bytes of records.bin
KINDS = ("unit", "channel")  # fed by a Linear layer / by a Conv layer (counted over batch and positions)
STATE_CHARS = "".join(state[0] for state in STATES)  # "dnsa": one character per unit in a record's "state"
NO_EPOCH = -1  # RunLog.epochs where a record has no epoch
# The per-unit fields of a layer in a record, and their array types.
UNIT_FIELDS = {"active_share": np.float32, "state": np.int8, "grad_norm": np.float32, "dormant": np.float32,
               "died_step": np.int64, "died_epoch": np.int64, "revived": np.bool_}

INT64_LIMIT = 2**63  # steps, epochs and counts must fit an int64 array
MAX_WIDTH = 2**31  # units in one layer
LAYER_KEYS_V1 = ("name", "activation", "can_die", "kind", "width", "fed_by")
LAYER_KEYS = (*LAYER_KEYS_V1, "feeders", "call", "note")
CALLS = ("module", "function")
_FLOAT_ITEMS = frozenset((float, int, type(None)))  # per-unit float fields: numbers, null for NaN
_INT_ITEMS = frozenset((int, type(None)))  # per-unit int fields: integers, null for ALIVE
_FLAG_ITEMS = frozenset((int, bool))

_CHAR_OF_STATE = np.array([*STATE_CHARS, "-"])  # indexed by code; NO_STATE (-1) picks "-"
_STATE_OF_BYTE = np.full(256, NO_STATE, dtype=np.int8)
_STATE_OF_BYTE[np.frombuffer(STATE_CHARS.encode(), dtype=np.uint8)] = np.arange(len(STATE_CHARS))


@dataclass(frozen=True)
class LayerInfo:
    """One watched activation call site: its name, the layers producing its input and how its units are counted."""

    name: str  # the module's name ("#2", "#3"... for its other sites), or "owner:function" for a function call
    activation: str
    can_die: bool
    kind: str  # one of KINDS
    width: int
    fed_by: str  # the producing layer, or layers summed ("conv2 + downsample.0", "conv2 + shortcut"); "" unknown
    feeders: tuple[str, ...] = ()  # the producing layers whose gradient rows make grad_norm
    call: str = "module"  # one of CALLS
    note: str = ""  # why no producer is known, when fed_by is ""


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
    dormant_tau: float = DiagnosisSpec.dormant_threshold  # a unit is dormant when its dormant score is <= this

    def layer(self, name: str) -> LayerInfo:
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(f"no layer {name!r} in this run; it has {', '.join(x.name for x in self.layers)}")

    def to_json(self) -> str:
        return json.dumps({
            "format": FORMAT, "version": self.version, "model": self.model, "created": self.created,
            "sparse_threshold": self.sparse_threshold, "every": self.every, "world_size": self.world_size,
            "dormant_tau": self.dormant_tau,
            "layers": [{**vars(layer), "feeders": list(layer.feeders)} for layer in self.layers],
        }, indent=2)

    @classmethod
    def from_json(cls, text: str | bytes) -> RunMeta:
        """Parse and check ``meta.json`` (RunLogError without a location on any problem)."""
        data = _parse_json(text, "not valid JSON")
        _expect(isinstance(data, dict) and data.get("format") == FORMAT, f"not a {FORMAT} meta.json")
        version = data.get("version")
        _expect(_is_int(version) and 1 <= version <= VERSION,
                f"format version {_brief(version)} is not one this relu-tui reads (1 to {VERSION}; "
                "a newer relu-tui wrote it?)")
        for key, check, expected in (("model", _is_str, "a string"), ("created", _is_str, "a string"),
                                     ("every", _is_count, "a whole number >= 1"),
                                     ("world_size", _is_count, "a whole number >= 1"),
                                     ("sparse_threshold", _is_share, "a number between 0 and 1"),
                                     ("layers", _is_list, "a list")):
            _expect(key in data, f"malformed meta.json: no {key!r}")
            _expect(check(data[key]), f"malformed meta.json: {key} = {_brief(data[key])}; expected {expected}")
        if version >= 2:
            tau = data.get("dormant_tau")
            _expect(_is_finite(tau) and 0 <= tau < 1,
                    f"malformed meta.json: dormant_tau = {_brief(tau)}; expected a number from 0 to 1")
        layers = tuple(_layer_info(index, layer, version) for index, layer in enumerate(data["layers"]))
        _expect(len({layer.name for layer in layers}) == len(layers), "two layers share a name")
        return cls(model=data["model"], layers=layers, sparse_threshold=float(data["sparse_threshold"]),
                   every=data["every"], world_size=data["world_size"], created=data["created"], version=version,
                   dormant_tau=float(data.get("dormant_tau", DiagnosisSpec.dormant_threshold)))


def _layer_info(index: int, layer: Any, version: int) -> LayerInfo:
    where = f"layers[{index}]"
    keys = LAYER_KEYS_V1 if version == 1 else LAYER_KEYS
    _expect(isinstance(layer, dict) and sorted(layer) == sorted(keys),
            f"{where} is not an object with the keys {', '.join(keys)}")
    if version == 1:  # version 1 always named one Linear / Conv layer
        layer = {**layer, "feeders": [layer.get("fed_by")], "call": "module", "note": ""}
    for key in ("name", "activation", "fed_by", "note"):
        _expect(_is_str(layer[key]), f"{where}.{key} = {_brief(layer[key])}; expected a string")
    _expect(layer["call"] in CALLS, f"{where}.call = {_brief(layer['call'])}; expected one of {', '.join(CALLS)}")
    feeders = layer["feeders"]
    _expect(isinstance(feeders, list) and all(_is_str(f) for f in feeders),
            f"{where}.feeders = {_brief(feeders)}; expected a list of strings")
    _expect(isinstance(layer["can_die"], bool), f"{where}.can_die = {_brief(layer['can_die'])}; expected true or false")
    _expect(layer["kind"] in KINDS, f"{where}.kind = {_brief(layer['kind'])}; expected one of {', '.join(KINDS)}")
    width = layer["width"]
    _expect(_is_int(width) and 0 < width <= MAX_WIDTH, f"{where}.width = {_brief(width)}; expected 1 to {MAX_WIDTH}")
    return LayerInfo(**{**layer, "feeders": tuple(feeders)})


@dataclass
class LayerStats:
    """One layer in one record: arrays of length width, index = unit (channel)."""

    inputs: int  # inputs counted per unit since the previous record (samples, times positions for a conv)
    active_share: np.ndarray  # float32: share of those inputs with pre-activation > 0; NaN when unknown
    state: np.ndarray  # int8 codes into STATES; NO_STATE when the layer saw no input
    grad_norm: np.ndarray  # float32: L2 norm of the feeders' rows' gradient (Monitor.step says which); NaN if none
    died_step: np.ndarray  # int64: step of the record where the unit's current death began; ALIVE if not dead
    died_epoch: np.ndarray  # int64: epoch of that record; ALIVE if not dead or no epoch was given
    revived: np.ndarray  # bool: was dead at an earlier record and was not dead at a later one
    # float32: mean |activation| over the layer's average of that (engine.states.dormant); NaN if unknown
    dormant: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.dormant is None:
            self.dormant = np.full(len(self.active_share), np.nan, dtype=np.float32)

    def dormant_units(self, tau: float) -> np.ndarray:
        """Which units are dormant: score <= ``tau`` (an unknown score, NaN, is not)."""
        with np.errstate(invalid="ignore"):
            return self.dormant <= tau

    def to_json(self) -> str:
        """Compact JSON, built from numpy's text of the arrays (several times faster than json.dumps of lists)."""
        fields = {
            "inputs": str(self.inputs),
            "active_share": _floats(self.active_share),
            "state": f'"{"".join(_CHAR_OF_STATE[self.state].tolist())}"',
            "grad_norm": _floats(self.grad_norm),
            "dormant": _floats(self.dormant),
            "died_step": _ints(self.died_step),
            "died_epoch": _ints(self.died_epoch),
            "revived": _ints(self.revived.astype(np.int8)),
        }
        return "{" + ",".join(f'"{key}":{value}' for key, value in fields.items()) + "}"

    @classmethod
    def from_dict(cls, data: Any, layer: LayerInfo, version: int = VERSION) -> LayerStats:
        name = _brief(layer.name)
        _expect(isinstance(data, dict), f"layer {name} is not an object")
        if version == 1:  # no dormant score yet
            data = {**data, "dormant": [None] * layer.width}
        inputs = data.get("inputs")
        _expect(_is_int(inputs) and 0 <= inputs < INT64_LIMIT, f"layer {name}: bad inputs {_brief(inputs)}")
        for key in UNIT_FIELDS:
            value = data.get(key)
            _expect(isinstance(value, list | str) and len(value) == layer.width,
                    f"layer {name}: {key} is not {layer.width} values")
        state = data["state"]
        _expect(isinstance(state, str) and not set(state) - set(STATE_CHARS + "-"),
                f"layer {name}: state holds characters other than {STATE_CHARS}-")
        for key, kinds, expected in (("active_share", _FLOAT_ITEMS, "numbers or null"),
                                     ("grad_norm", _FLOAT_ITEMS, "numbers or null"),
                                     ("dormant", _FLOAT_ITEMS, "numbers or null"),
                                     ("died_step", _INT_ITEMS, "whole numbers or null"),
                                     ("died_epoch", _INT_ITEMS, "whole numbers or null"),
                                     ("revived", _FLAG_ITEMS, "0 or 1")):
            value = data[key]
            _expect(isinstance(value, list) and {type(item) for item in value} <= kinds,
                    f"layer {name}: {key} holds values other than {expected}")
        _expect(set(data["revived"]) <= {0, 1}, f"layer {name}: revived holds values other than 0 or 1")
        try:
            with np.errstate(over="ignore"):  # a float32 overflow is inf, as the monitor would have measured it
                return cls(
                    inputs=inputs,
                    active_share=np.array(data["active_share"], dtype=np.float64).astype(np.float32),
                    state=_STATE_OF_BYTE[np.frombuffer(state.encode(), dtype=np.uint8)],
                    grad_norm=np.array(data["grad_norm"], dtype=np.float64).astype(np.float32),
                    dormant=np.array(data["dormant"], dtype=np.float64).astype(np.float32),
                    died_step=_int_array(data["died_step"], f"layer {name}: died_step"),
                    died_epoch=_int_array(data["died_epoch"], f"layer {name}: died_epoch"),
                    revived=np.array(data["revived"], dtype=bool),
                )
        except OverflowError:  # an integer beyond float64
            raise RunLogError(f"layer {name}: a per-unit number is out of range") from None


@dataclass
class RunRecord:
    """One line of ``records.jsonl``: the monitor's diagnosis after ``step`` optimization steps."""

    step: int
    epoch: int | None
    loss: float | None
    time: float  # Unix time the record was made
    layers: Mapping[str, LayerStats]  # in the order of RunMeta.layers

    def to_json(self) -> bytes:
        """The record as one line (ending in a newline) of compact JSON: its text form, every array a list."""
        layers = ",".join(f"{json.dumps(name)}:{stats.to_json()}" for name, stats in self.layers.items())
        return f'{self._head()}"layers":{{{layers}}}}}\n'.encode()

    def binary_line(self, offset: int, length: int) -> bytes:
        """Its line in binary form: its arrays are the ``length`` bytes at ``offset`` of ``records.bin``
        (:func:`relu_tui.monitor.payload.encode`; written before the line, so a line read has its payload)."""
        layers = ",".join(f'{_json_name(name)}:{{"inputs":{int(stats.inputs)}}}' for name, stats in self.layers.items())
        return f'{self._head()}"payload":[{offset},{length}],"layers":{{{layers}}}}}\n'.encode()

    def _head(self) -> str:
        loss = "null" if self.loss is None else _float(self.loss)
        epoch = "null" if self.epoch is None else str(int(self.epoch))
        return f'{{"step":{int(self.step)},"epoch":{epoch},"loss":{loss},"time":{round(float(self.time), 3)!r},'

    @classmethod
    def from_json(cls, line: bytes, meta: RunMeta, read_payload: PayloadReader | None = None) -> RunRecord:
        """Parse and check one line (RunLogError without a location on any problem); a line in binary form
        takes its arrays from ``read_payload(offset, length)``."""
        data = _parse_json(line, "not a JSON record")
        _expect(isinstance(data, dict), "not a JSON object")
        step, epoch, loss, when = (data.get(key) for key in ("step", "epoch", "loss", "time"))
        _expect(_is_int(step) and 0 <= step < INT64_LIMIT, f"bad step {_brief(step)}")
        _expect(epoch is None or (_is_int(epoch) and 0 <= epoch < INT64_LIMIT), f"bad epoch {_brief(epoch)}")
        _expect(loss is None or _is_finite(loss), f"bad loss {_brief(loss)}")
        _expect(_is_finite(when), f"bad time {_brief(when)}")
        layers = data.get("layers")
        _expect(isinstance(layers, dict) and list(layers) == [layer.name for layer in meta.layers],
                "its layers are not the ones meta.json lists")
        if "payload" in data:
            stats = _binary_layers(data["payload"], layers, meta, read_payload)
        else:
            stats = {layer.name: LayerStats.from_dict(layers[layer.name], layer, meta.version) for layer in meta.layers}
        return cls(step=step, epoch=epoch, loss=None if loss is None else float(loss), time=float(when), layers=stats)


def _binary_layers(where: Any, layers: dict, meta: RunMeta, read_payload: PayloadReader | None) -> dict:
    _expect(isinstance(where, list) and len(where) == 2 and all(_is_int(n) and 0 <= n < INT64_LIMIT for n in where),
            f"bad payload {_brief(where)}; expected [offset, length]")
    _expect(read_payload is not None, f"its arrays are in {PAYLOAD}, which was not given")
    inputs = []
    for layer in meta.layers:
        data = layers[layer.name]
        _expect(isinstance(data, dict) and list(data) == ["inputs"], f"layer {_brief(layer.name)} is not {{inputs}}")
        n = data["inputs"]
        _expect(_is_int(n) and 0 <= n < INT64_LIMIT, f"layer {_brief(layer.name)}: bad inputs {_brief(n)}")
        inputs.append(n)
    offset, length = where
    expected = sum(layer.width for layer in meta.layers) * payload.BYTES_PER_UNIT
    _expect(length == expected, f"its payload is said to be {length} bytes; its layers need {expected}")
    arrays = payload.decode(read_payload(offset, length), [(_brief(x.name), x.width) for x in meta.layers])
    return {layer.name: LayerStats(inputs=n, **fields) for layer, n, fields in zip(meta.layers, inputs, arrays)}


def _expect(condition: bool, problem: str) -> None:
    if not condition:
        raise RunLogError(problem)


def _parse_json(text: str | bytes, problem: str) -> Any:
    """JSON, or RunLogError: bad bytes, bad syntax and nesting too deep for the parser alike."""
    try:
        return json.loads(text)
    except ValueError as exc:  # includes UnicodeDecodeError
        raise RunLogError(f"{problem} ({_brief(str(exc), 80)[1:-1]})") from None
    except RecursionError:
        raise RunLogError(f"{problem} (nested too deeply)") from None


def _brief(value: Any, limit: int = 40) -> str:
    """A value for a message: its repr, control characters escaped, cut to ``limit`` characters."""
    if _is_int(value) and value.bit_length() > 64:  # never a wall of digits
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    if isinstance(value, str | list | dict) and len(value) > limit:
        value = value[:limit] if isinstance(value, str | list) else dict(list(value.items())[:limit])
    text = visible(repr(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_count(value: Any) -> bool:
    return _is_int(value) and 1 <= value < INT64_LIMIT


def _is_str(value: Any) -> bool:
    return isinstance(value, str)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _is_finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _is_share(value: Any) -> bool:
    return _is_finite(value) and 0 < value < 1


def _floats(values: np.ndarray) -> str:
    """A JSON list of the shortest decimals that read back as the same float32s; null where not finite."""
    with np.errstate(over="ignore"):
        values = values.astype(np.float32)
    return "[" + ",".join(np.where(np.isfinite(values), values.astype(str), "null").tolist()) + "]"


@functools.lru_cache(maxsize=4096)
def _json_name(name: str) -> str:
    """A layer's name as a JSON string (kept: every record's line names every layer)."""
    return json.dumps(name)


def _float(value: float) -> str:
    """One number as :func:`_floats` writes it (numpy's shortest float32 text; a scalar's is the array's)."""
    if math.isfinite(value) and abs(value) < 3.4e38:
        return str(np.float32(value))
    return _floats(np.array([value]))[1:-1]


def _ints(values: np.ndarray) -> str:
    """A JSON list of the integers; null for ALIVE."""
    return "[" + ",".join(np.where(values == ALIVE, "null", values.astype(str)).tolist()) + "]"


def _int_array(values: list[int | None], what: str) -> np.ndarray:
    """int64, ALIVE for null; RunLogError for a number outside 0 to 2**63 - 1."""
    floats = np.array(values, dtype=np.float64)
    known = floats[~np.isnan(floats)]
    _expect(bool(((known >= 0) & (known < INT64_LIMIT)).all()), f"{what} holds a number outside 0 to 2**63 - 1")
    return np.where(np.isnan(floats), ALIVE, floats).astype(np.int64)
