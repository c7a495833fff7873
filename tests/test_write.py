"""A scenario written back to TOML reads back as the same scenario: every bundled one and its variants,
one read from a CSV, and scenarios edited at random (layers, data, training, events, odd text)."""

from __future__ import annotations

import copy
import tomllib
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import REGISTRY, scenario_kinds
from relu_tui.spec.bundled import bundled
from relu_tui.spec.features import FEATURES
from relu_tui.spec.parse import parse_scenario
from relu_tui.spec.scenario import Scenario, load_scenario, loads_scenario
from relu_tui.spec.write import dumps, scenario_doc, write_scenario

from .conftest import SCENARIOS


def read_back(s: Scenario, source=None) -> Scenario:
    """``s`` written and read again, with the fields a file cannot hold (its path, the variant's name) put back."""
    back = loads_scenario(write_scenario(s, "a comment\nover two lines"), source=source)
    return replace(back, source=s.source, variant=s.variant, summary=s.summary)


@pytest.mark.parametrize("path", bundled(), ids=lambda p: p.stem)
def test_every_bundled_scenario_and_variant_reads_back_the_same(path):
    scenario = load_scenario(path)
    for name in scenario.variant_names:
        variant = scenario.with_variant(name)
        assert read_back(variant, source=path) == variant


def test_the_text_is_tidy_toml():
    text = write_scenario(load_scenario(SCENARIOS / "high_learning_rate.toml"), "saved by relu-tui")
    assert text.startswith("# saved by relu-tui\nname = \"high_learning_rate\"\n")
    assert "[model]" not in text and text.count("[[model.layers]]") == 2 and text.count("[[training.events]]") == 2
    assert 'weight_init = "he_normal"' in text and "bias_init = 0.0" in text
    assert 'description = """\nOne oversized update' in text
    assert tomllib.loads(text)["training"]["events"] == [{"epoch": 30, "learning_rate": 300.0},
                                                         {"epoch": 31, "learning_rate": 0.3}]


def test_a_csv_scenario_reads_back_with_its_label_column(tmp_path):
    (tmp_path / "points.csv").write_text("a,label,b\n" + "".join(f"{i},{i % 2},{i * 0.5}\n" for i in range(12)))
    path = tmp_path / "csv.toml"
    path.write_text('[data]\ncsv = "points.csv"\nlabel_column = "label"\n[[model.layers]]\nwidth = 3\n')
    s = load_scenario(path)
    written = write_scenario(s)
    assert f'csv = "{tmp_path / "points.csv"}"' in written and "label_column = 1" in written
    back = read_back(s, source=tmp_path / "elsewhere.toml")
    assert back == s and back.data.table.label_name == "label"


# -- random edits ---------------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Cf")), min_size=1, max_size=40)
NUMBER = st.floats(-1e6, 1e6, allow_nan=False) | st.integers(-1000, 1000) | st.sampled_from([1e-30, 3e38, -0.0])


def activation():
    return st.sampled_from(scenario_kinds()).flatmap(lambda kind: st.fixed_dictionaries(
        {"activation": st.just(kind), **{p: st.floats(0.001, 1) for p in REGISTRY[kind].params}}))


def init(weights: bool):
    kinds = [st.just("default"), st.just("he_normal"), NUMBER,
             st.builds(lambda lo, w: {"kind": "uniform", "low": lo, "high": lo + w}, NUMBER, st.floats(0, 10)),
             st.builds(lambda m, s: {"kind": "normal", "mean": m, "std": s}, NUMBER, st.floats(0, 2)),
             st.builds(lambda g, m: {"kind": "he_uniform", "gain": g, "mode": m}, st.floats(0.1, 3),
                       st.sampled_from(["fan_in", "fan_out"]))]
    if weights:
        kinds += [st.sampled_from(["xavier_normal", "orthogonal", "rai",
                                   {"kind": "xavier_uniform", "gain": 2.5}])]
    return st.one_of(kinds)


@st.composite
def layers(draw):
    out = []
    for _ in range(draw(st.integers(1, 3))):
        layer = {"width": draw(st.integers(1, 5)), **draw(activation()), "weight_init": draw(init(True))}
        if layer["weight_init"] != "rai":
            layer["bias_init"] = draw(init(False))
        if draw(st.booleans()):
            layer["name"] = draw(st.text("abcxyz_-0123456789", min_size=1, max_size=8))
        out.append(layer)
    return out


@st.composite
def events(draw, widths: list[int], n_inputs: int):
    out = []
    for _ in range(draw(st.integers(0, 5))):
        epoch = draw(st.integers(1, 50))
        layer = draw(st.integers(0, len(widths) - 1))
        kind = draw(st.sampled_from(["rate", "set", "swap", "revive", "shuffle"]))
        if kind == "rate":
            out.append({"epoch": epoch, "learning_rate": draw(st.floats(1e-6, 10))})
        elif kind == "set":
            event = {"epoch": epoch, "layer": layer, "unit": draw(st.integers(0, widths[layer] - 1))}
            fan_in = n_inputs if layer == 0 else widths[layer - 1]
            if draw(st.booleans()):
                event["bias"] = draw(NUMBER)
            if draw(st.booleans()) or "bias" not in event:
                event["weights"] = draw(st.lists(NUMBER, min_size=fan_in, max_size=fan_in))
            out.append(event)
        elif kind == "swap":
            out.append({"epoch": epoch, "layer": layer, **draw(activation().filter(
                lambda a: not REGISTRY[a["activation"]].learnable))})
        elif kind == "shuffle":
            out.append({"epoch": epoch, "shuffle_targets": True})
        else:
            out.append({"epoch": epoch, "revive": True, **({"layer": layer} if draw(st.booleans()) else {})})
    return out


@st.composite
def edited(draw):
    base = load_scenario(draw(st.sampled_from(bundled())))
    start = base.with_variant(draw(st.sampled_from(base.variant_names)))
    doc = copy.deepcopy(scenario_doc(start))
    n_inputs = start.data.n_features
    doc["title"] = draw(TEXT)
    doc["description"] = draw(st.lists(TEXT, max_size=3).map("\n".join))
    doc["seed"] = draw(st.integers(0, 2**32 - 1))
    if draw(st.booleans()):
        doc["data"] = {"generator": draw(st.sampled_from(["moons", "xor", "circles", "positive_line"])),
                       "n_samples": draw(st.integers(20, 60)), "noise": draw(st.floats(0, 0.5)),
                       "test_fraction": draw(st.sampled_from([0.0, 0.25])),
                       "transform": draw(st.sampled_from(["none", "standardize"]))}
        if draw(st.booleans()):
            doc["data"]["features"] = draw(st.lists(st.sampled_from(list(FEATURES)), min_size=1, max_size=7,
                                                    unique=True))
        n_inputs = len(doc["data"].get("features", [])) or 2
    doc["model"]["layers"] = draw(layers())
    doc["model"]["output"] = {"weight_init": draw(init(True))}
    training = doc["training"] = {"optimizer": draw(st.sampled_from(["sgd", "momentum", "adam", "rmsprop"])),
                                  "learning_rate": draw(st.floats(1e-6, 10)), "weight_decay": draw(st.floats(0, 1)),
                                  "l1": draw(st.floats(0, 1)), "epochs": draw(st.integers(0, 300)),
                                  "batch_size": draw(st.sampled_from(["full", 1, 16]))}
    training["events"] = draw(events([layer["width"] for layer in doc["model"]["layers"]], n_inputs))
    doc["diagnosis"] = {"sparse_threshold": draw(st.floats(0.01, 0.99))}
    try:
        return parse_scenario(doc, source=SCENARIOS / "edited.toml")
    except ScenarioError:
        assume(False)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(edited())
def test_an_edited_scenario_reads_back_the_same(scenario):
    assert read_back(scenario, source=SCENARIOS / "edited.toml") == scenario


@given(st.recursive(st.none() | NUMBER | TEXT | st.booleans(), lambda inner: st.lists(inner, max_size=3), max_leaves=8)
       .filter(lambda v: v is not None))
def test_values_and_keys_survive_the_text(value):
    assume(not _holds_none(value))
    doc = {"odd key \"é\"": value, "t": {"k": value}}
    assert tomllib.loads(dumps(doc)) == doc


def _holds_none(value) -> bool:
    return value is None or (isinstance(value, list) and any(map(_holds_none, value)))
