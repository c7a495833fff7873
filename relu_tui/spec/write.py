"""A scenario back to TOML: the document that reads back as the same :class:`Scenario`.

:func:`scenario_doc` gives the document (plain dicts and lists, as :mod:`tomllib` returns them), which the
app's editor changes and hands to the parser; :func:`write_scenario` gives its text. The scenario is
written as it runs (a variant becomes the file's base; its ``repeat``-ed layers are written one by one,
every value spelled out), so ``loads_scenario(write_scenario(s))`` equals ``s`` but for its source and
variant name.
"""

from __future__ import annotations

import math
import re
from typing import Any

from relu_tui.spec.activations import Activation
from relu_tui.spec.inits import WEIGHT_KINDS, InitSpec
from relu_tui.spec.scenario import DataSpec, Event, LayerSpec, Scenario, SweepSpec, TrainingSpec

Doc = dict[str, Any]
_BARE = re.compile(r"[A-Za-z0-9_-]+")


def scenario_doc(s: Scenario) -> Doc:
    """The TOML document of ``s`` alone (without its variants)."""
    doc: Doc = {"name": s.name, "title": s.title}
    if s.description:
        doc["description"] = s.description
    doc |= {"seed": s.seed, "showcase_epoch": s.showcase_epoch, "data": _data(s.data)}
    layers = [_layer(layer) for layer in s.model.layers]
    doc["model"] = {"layers": layers, "output": _inits(s.model.output.weight_init, s.model.output.bias_init)}
    doc["training"] = _training(s.training)
    doc["diagnosis"] = {"sparse_threshold": s.diagnosis.sparse_threshold,
                        "dormant_threshold": s.diagnosis.dormant_threshold}
    if s.sweep is not None:
        doc["sweep"] = _sweep(s.sweep)
    return doc


def write_scenario(s: Scenario, comment: str = "") -> str:
    """``s`` as TOML text, led by ``comment`` (each line becomes a TOML comment)."""
    head = "".join(f"# {line}".rstrip() + "\n" for line in comment.splitlines())
    return head + dumps(scenario_doc(s))


def _data(d: DataSpec) -> Doc:
    doc: Doc = {}
    if d.csv is not None:
        doc["csv"] = str(d.csv)
        if d.table is not None:
            doc["label_column"] = d.table.label_index
        doc["task"] = "classification" if d.n_classes else "regression"
    else:
        doc |= {"generator": d.generator, "n_samples": d.n_samples, "noise": d.noise, **d.params}
    doc |= {"test_fraction": d.test_fraction, "transform": d.transform}
    if d.transform == "shift":
        doc["shift"] = d.shift
    if d.features:
        doc["features"] = list(d.features)
    return doc


def _activation(a: Activation) -> Doc:
    return {"activation": a.kind, **a.params}


def _layer(layer: LayerSpec) -> Doc:
    return {"name": layer.name, "width": layer.width, **_activation(layer.activation),
            **_inits(layer.weight_init, layer.bias_init)}


def _inits(weight: InitSpec, bias: InitSpec) -> Doc:
    doc = {"weights" if weight.kind == "explicit" else "weight_init": init_value(weight)}
    if weight.kind != "rai":  # RAI draws the bias too
        doc["bias" if bias.kind == "explicit" else "bias_init"] = init_value(bias)
    return doc


def init_value(spec: InitSpec) -> Any:
    """How a scenario writes ``spec``: explicit values, a constant's number, a kind's name when every
    parameter has its default, else an inline table."""
    if spec.kind == "explicit":
        return [list(row) if isinstance(row, tuple) else row for row in spec.values]
    if spec.kind == "constant":
        return spec.params["value"]
    defaults = {name: default for name, (_, default) in WEIGHT_KINDS[spec.kind].items()}
    if spec.params == defaults:
        return spec.kind
    return {"kind": spec.kind, **spec.params}


def _training(t: TrainingSpec) -> Doc:
    doc: Doc = {"optimizer": t.optimizer, "learning_rate": t.learning_rate}
    if t.optimizer != "adam":
        doc["momentum"] = t.momentum
    doc |= {"weight_decay": t.weight_decay, "batch_size": "full" if t.batch_size is None else t.batch_size,
            "epochs": t.epochs}
    if t.l1:
        doc["l1"] = t.l1
    if t.events:
        doc["events"] = [event_doc(e) for e in t.events]
    return doc


def event_doc(e: Event) -> Doc:
    """One ``[[training.events]]`` table."""
    doc: Doc = {"epoch": e.epoch}
    for key in ("learning_rate", "layer", "unit", "bias"):
        if getattr(e, key) is not None:
            doc[key] = getattr(e, key)
    if e.weights is not None:
        doc["weights"] = list(e.weights)
    if e.activation is not None:
        doc |= _activation(e.activation)
    for key in ("revive", "shuffle_targets"):
        if getattr(e, key):
            doc[key] = True
    return doc


def _sweep(w: SweepSpec) -> Doc:
    doc: Doc = {"widths": list(w.widths), "trials": w.trials, "points": w.points, "low": w.low, "high": w.high}
    if w.kind != "born_dead":  # (a table with a kind is written inline: still TOML that reads back the same)
        doc["kind"] = w.kind
    if w.kind == "stably_unactivated":
        return doc | {"inputs": list(w.inputs)}
    doc["depths"] = list(w.depths)
    if w.kind == "small_targets":
        return doc | {"scales": list(w.scales), "momenta": list(w.momenta), "learning_rate": w.learning_rate,
                      "steps": w.steps}
    return doc | {"inits": list(w.inits)}


# -- TOML text ------------------------------------------------------------------------------------

def dumps(doc: Doc) -> str:
    """TOML for a document of tables, arrays of tables and values (a table with ``kind`` goes inline)."""
    lines: list[str] = []
    _table(doc, (), lines, header=None)
    return "\n".join(lines).strip("\n") + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and "kind" not in value


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(doc: Doc, path: tuple[str, ...], lines: list[str], header: str | None) -> None:
    nested = [_is_table(value) or _is_table_array(value) for value in doc.values()]
    if header is not None and not (nested and all(nested)):  # [model] holds only [[model.layers]] and [model.output]
        lines += ["", header]
    for key, value in doc.items():
        if not (_is_table(value) or _is_table_array(value)):
            lines.append(f"{_key(key)} = {value_text(value, multiline=key == 'description' and not path)}")
    for key, value in doc.items():
        here = (*path, key)
        name = ".".join(map(_key, here))
        if _is_table(value):
            _table(value, here, lines, f"[{name}]")
        elif _is_table_array(value):
            for item in value:
                _table(item, here, lines, f"[[{name}]]")


def _key(key: str) -> str:
    return key if _BARE.fullmatch(key) else _string(key)


def value_text(value: Any, multiline: bool = False) -> str:
    """One TOML value: a string, a number that reads back exactly, a boolean, an array or an inline table."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value} has no place in a scenario")
        return repr(value)  # the shortest text that reads back as the same float
    if isinstance(value, str):
        return _multiline(value) if multiline and "\n" in value else _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_key(k)} = {value_text(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _escape(text: str, keep: str = "") -> str:
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def _string(text: str) -> str:
    return '"' + _escape(text) + '"'


def _multiline(text: str) -> str:
    return '"""\n' + _escape(text, keep="\n\t") + '\n"""'
