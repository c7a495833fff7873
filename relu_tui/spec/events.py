"""``[[training.events]]``: timed interventions, each checked against the network it acts on.

An event is of one kind (see :class:`~relu_tui.spec.scenario.Event`); several may share an epoch and
then act in the order the file gives them, so a table that mixes two kinds is refused rather than
given an order of its own.
"""

from __future__ import annotations

from typing import Any

from relu_tui.spec.activations import REGISTRY, parse_activation, scenario_kinds
from relu_tui.spec.scenario import Event, ModelSpec
from relu_tui.spec.validate import FLOAT32_MAX, Boolean, Integer, Number, Table

MAX_EVENTS = 1000
# Adam's first step is learning_rate / (1 - beta1) = 10 x the rate, and PyTorch needs it in float32.
ADAM_MAX_RATE = FLOAT32_MAX / 10
_ACTIVATION_KEYS = ("activation", *dict.fromkeys(p for k in scenario_kinds() for p in REGISTRY[k].params))
_KEYS = {"learning_rate": ("learning_rate",), "set": ("bias", "weights"), "activation": _ACTIVATION_KEYS,
         "revive": ("revive",), "shuffle_targets": ("shuffle_targets",)}
_WHAT = ("learning_rate, bias or weights (with layer and unit), activation (with layer), revive = true or "
         "shuffle_targets = true")


def check_rate(table: Table, key: str, rate: float, optimizer: str) -> None:
    if optimizer == "adam" and rate > ADAM_MAX_RATE:
        raise table.error(key, "too large for adam (its first step, 10 x the rate, overflows float32)",
                          value=rate, expected=f"a rate of at most {ADAM_MAX_RATE:.4g} with adam")


def parse_events(table: Table, optimizer: str, model: ModelSpec, n_features: int) -> tuple[Event, ...]:
    """The ``events`` array of ``[training]``, by epoch (a stable sort: one epoch's keep the file's order)."""
    events = [_parse_event(t, optimizer, model, n_features) for t in table.list_of_tables("events", max_len=MAX_EVENTS)]
    return tuple(sorted(events, key=lambda e: e.epoch))


def _parse_event(table: Table, optimizer: str, model: ModelSpec, n_features: int) -> Event:
    epoch = table.take("epoch", Integer(1, 1_000_000))
    kinds = [kind for kind, keys in _KEYS.items() if any(table.has(key) for key in keys)]
    if not kinds:
        raise table.error(None, "the event does nothing", expected=_WHAT)
    if len(kinds) > 1:
        key = next(k for k in _KEYS[kinds[1]] if table.has(k))
        raise table.error(key, f"one event cannot also be a {kinds[0]} event", value=table.data[key],
                          expected="a [[training.events]] table of its own (events of one epoch act in the "
                                   "file's order)")
    kind = kinds[0]
    if kind == "learning_rate":
        _refuse(table, ("layer", "unit"), "a learning_rate event acts on the whole network")
        rate = table.take("learning_rate", Number(low=0, low_open=True))
        check_rate(table, "learning_rate", rate, optimizer)
        table.done()
        return Event(epoch, learning_rate=rate)
    if kind == "shuffle_targets":
        _refuse(table, ("layer", "unit"), "a target shuffle acts on the whole training set")
        _take_true(table, "shuffle_targets")
        table.done()
        return Event(epoch, shuffle_targets=True)
    layer = _layer(table, model, required=kind != "revive")
    if kind == "activation":
        _refuse(table, ("unit",), "an activation swap acts on the whole layer")
        before = model.layers[layer].activation
        activation = parse_activation(table)
        for which, act in (("to", activation), ("from", before)):
            if act.learnable:
                raise table.error("activation", f"a swap cannot be made {which} '{act.kind}' (it learns "
                                  "parameters of its own)", value=table.data["activation"],
                                  expected="an activation without learned parameters, on a layer without them")
        table.done()
        return Event(epoch, layer=layer, activation=activation)
    unit = _unit(table, model, layer, required=kind == "set")
    if kind == "revive":
        _take_true(table, "revive")
        table.done()
        return Event(epoch, layer=layer, unit=unit, revive=True)
    bias = table.take("bias", Number(), None)
    fan_in = n_features if layer == 0 else model.layers[layer - 1].width
    weights = _weights(table, fan_in, model.layers[layer].name) if table.has("weights") else None
    table.done()
    return Event(epoch, layer=layer, unit=unit, bias=bias, weights=weights)


def _take_true(table: Table, key: str) -> None:
    if table.take(key, Boolean()) is not True:
        raise table.error(key, f"{key} = false does nothing", value=False, expected=f"{key} = true")


def _refuse(table: Table, keys: tuple[str, ...], why: str) -> None:
    for key in keys:
        if table.has(key):
            raise table.error(key, f"not used here: {why}", value=table.data[key])


def _layer(table: Table, model: ModelSpec, required: bool) -> int | None:
    if not table.has("layer"):
        if required:
            raise table.error("layer", "missing key",
                              expected=f"a hidden layer index from 0 to {len(model.layers) - 1}")
        if table.has("unit"):
            raise table.error("unit", "a unit needs its layer", value=table.data["unit"], expected="layer = ... too")
        return None
    value = table.raw("layer")
    if Integer(0, len(model.layers) - 1).convert(value) is None:
        n = len(model.layers)
        raise table.error("layer", "no such hidden layer" if Integer().convert(value) is not None else "bad value",
                          value=value, expected=f"a hidden layer index from 0 to {n - 1} (the network has {n})")
    return value


def _unit(table: Table, model: ModelSpec, layer: int | None, required: bool) -> int | None:
    if not table.has("unit"):
        if required:
            raise table.error("unit", "missing key", expected=f"a unit index from 0 to {model.layers[layer].width - 1}")
        return None
    value = table.raw("unit")
    spec = model.layers[layer]
    if Integer(0, spec.width - 1).convert(value) is None:
        raise table.error("unit", f"no such unit in {spec.name}" if Integer().convert(value) is not None
                          else "bad value", value=value, expected=f"a unit index from 0 to {spec.width - 1}")
    return value


def _weights(table: Table, fan_in: int, layer_name: str) -> tuple[float, ...]:
    value: Any = table.raw("weights")
    clean = [Number().convert(v) for v in value] if isinstance(value, list) else None
    if clean is None or len(clean) != fan_in or any(v is None for v in clean):
        raise table.error("weights", "wrong length or non-numeric entry", value=value,
                          expected=f"{fan_in} number(s), one per input of {layer_name}")
    return tuple(clean)
