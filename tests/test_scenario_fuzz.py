"""Whatever a scenario holds, loading it either succeeds or raises ScenarioError, never anything else."""

from __future__ import annotations

import copy
import math
import tempfile
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from relu_tui.engine.trainer import Trainer
from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import aliases, scenario_kinds
from relu_tui.spec.bundled import find_scenario
from relu_tui.spec.generators import GENERATORS
from relu_tui.spec.inits import ALIASES as INIT_ALIASES
from relu_tui.spec.inits import WEIGHT_KINDS
from relu_tui.spec.locate import KeyLocator
from relu_tui.spec.parse import parse_scenario
from relu_tui.spec.scenario import OPTIMIZERS, TRANSFORMS, Scenario, loads_scenario

ACTIVATIONS, ACTIVATION_ALIASES = scenario_kinds(), aliases()
FUZZ = settings(max_examples=250, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

NEGATIVE_INIT_TEXT = find_scenario("negative_init").read_text(encoding="utf-8")
NEGATIVE_INIT = tomllib.loads(NEGATIVE_INIT_TEXT)

# A scratch folder for every relative data.csv a fuzzed scenario names: one good CSV, one bad, nothing else.
_SCRATCH = tempfile.TemporaryDirectory(prefix="relu_tui_fuzz_")  # removed when the test run ends
SCRATCH = Path(_SCRATCH.name)
(SCRATCH / "points.csv").write_text("a,b,label\n" + "".join(f"{i},{i % 3 - 1},{i % 2}\n" for i in range(8)))
(SCRATCH / "real.csv").write_text("".join(f"{i},{i * 0.5 + 0.25}\n" for i in range(6)))
(SCRATCH / "broken.csv").write_text("a,b,label\n1,2,0\n3,four,1\n5,6\n")
SOURCE = SCRATCH / "fuzz.toml"

KEYS = sorted({
    "name", "title", "description", "seed", "data", "model", "training", "diagnosis", "variants",
    "generator", "n_samples", "noise", "test_fraction", "transform", "shift", "csv", "label_column", "task",
    *(k for g in GENERATORS.values() for k in g.params),
    "layers", "output", "width", "activation", "negative_slope", "alpha", "repeat", "weights", "bias",
    "weight_init", "bias_init", "kind", *(k for params in WEIGHT_KINDS.values() for k in params),
    "optimizer", "learning_rate", "momentum", "weight_decay", "epochs", "batch_size", "events", "epoch",
    "sparse_threshold", "summary", "0", "1", "2", "base", "leaky",
    "\u00b2", "\u0663", "line\nbreak", "\u2028", "",  # digits int() rejects or reads, breaks, empty
})
WORDS = sorted({
    *GENERATORS, *ACTIVATIONS, *(a for a, _ in ACTIVATION_ALIASES), *WEIGHT_KINDS, *(a for a, _ in INIT_ALIASES),
    *OPTIMIZERS, *TRANSFORMS, "full", "auto", "classification", "regression", "label", "a",
    "points.csv", "real.csv", "broken.csv", "missing.csv", ".", "", " ", "base",
    "nul\x00.csv", "two\nlines", "\u00b2",
})

FLOAT32_MAX = 3.4028234663852886e38
# Numbers at the edges of what the engine can hold: float32's limits and their neighbours, values whose
# sum or product overflows, subnormals, and integers too long to print.
EDGE_NUMBERS = [
    FLOAT32_MAX, -FLOAT32_MAX, math.nextafter(FLOAT32_MAX, math.inf), FLOAT32_MAX / 10, 3e38, -3e38, 1e38, 1e37,
    1.17549435e-38, 1.4e-45, 5e-324, -1e308, 1.7976931348623157e308, 2**127, 2**128,
]
# Built by a map, since Hypothesis prints a strategy's sampled values and Python cannot print these.
huge_integers = st.sampled_from([(1, 10, 4000), (-1, 10, 4000), (1, 16, 4000), (-1, 7, 6000)]).map(
    lambda sign_base_power: sign_base_power[0] * sign_base_power[1] ** sign_base_power[2])
keys = st.one_of(st.sampled_from(KEYS), st.text(max_size=8))
scalars = st.one_of(
    st.sampled_from(WORDS),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=300),
    st.integers(),
    st.sampled_from([10**400, -(10**400), 2**31, 2**32, 2**63, 4096, 4097, 1_000_000, 1_000_001]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 0.5, 1.0, 0.9, 0.95, 1e-300, 1e308, math.nan, math.inf, -math.inf]),
    st.sampled_from(EDGE_NUMBERS),
    huge_integers,
    st.booleans(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=5)),
    max_leaves=20,
)


@st.composite
def tables(draw, required: dict | None = None, /, **optional: st.SearchStrategy) -> dict:
    """A table with every ``required`` field, a few of the ``optional`` ones and, rarely, a stray key."""
    required = required or {}
    chosen = draw(st.lists(st.sampled_from(sorted(optional)), max_size=3, unique=True)) if optional else []
    table = {key: draw(strategy) for key, strategy in required.items()}
    table.update({key: draw(optional[key]) for key in chosen})
    if draw(st.sampled_from([False] * 19 + [True])):
        table[draw(keys)] = draw(values)
    return table


def mostly(good: st.SearchStrategy) -> st.SearchStrategy:
    """Usually (9 times in 10) a plausible value, else anything at all."""
    return st.sampled_from([True] * 9 + [False]).flatmap(lambda plausible: good if plausible else values)


inits = st.one_of(
    st.sampled_from([*WEIGHT_KINDS, *(a for a, _ in INIT_ALIASES)]),
    st.floats(-2, 2),
    tables({"kind": mostly(st.sampled_from([*WEIGHT_KINDS, "zeros", "kaiming_uniform"]))},
           low=mostly(st.floats(-1, 1)), high=mostly(st.floats(-1, 1)), mean=mostly(st.floats(-1, 1)),
           std=mostly(st.floats(0, 1)), value=mostly(st.floats(-1, 1)), gain=mostly(st.floats(0, 3)),
           mode=mostly(st.sampled_from(["fan_in", "fan_out"]))),
)
layers = tables(
    {"width": mostly(st.integers(1, 5))},
    activation=mostly(st.sampled_from([*ACTIVATIONS, "leaky", "linear"])),
    negative_slope=mostly(st.floats(0, 1)), alpha=mostly(st.floats(0, 2)), repeat=mostly(st.integers(1, 3)),
    name=mostly(st.sampled_from(["a", "b", "hidden1"])), weight_init=inits, bias_init=inits,
    weights=mostly(st.lists(st.lists(st.floats(-1, 1), min_size=1, max_size=3), min_size=1, max_size=3)),
    bias=mostly(st.lists(st.floats(-1, 1), min_size=1, max_size=3)),
)
data_tables = st.one_of(
    tables(
        {"generator": mostly(st.sampled_from(list(GENERATORS)))}, n_samples=mostly(st.integers(0, 500)),
        noise=mostly(st.floats(0, 1)), test_fraction=mostly(st.floats(0, 1)),
        transform=mostly(st.sampled_from(TRANSFORMS)), shift=mostly(st.floats(-3, 3)),
        low=mostly(st.floats(-2, 6)), high=mostly(st.floats(-2, 6)), n_classes=mostly(st.integers(1, 5)),
        n_features=mostly(st.integers(1, 5)), factor=mostly(st.floats(0, 1)), csv=st.just("points.csv"),
    ),
    tables(
        {"csv": mostly(st.sampled_from(["points.csv", "real.csv", "broken.csv", "missing.csv", ".", "nul\x00.csv"]))},
        label_column=mostly(st.sampled_from(["label", "a", 0, -1, 5])),
        task=mostly(st.sampled_from(["auto", "classification", "regression"])),
        test_fraction=mostly(st.floats(0, 1)), transform=mostly(st.sampled_from(TRANSFORMS)),
        shift=mostly(st.floats(-3, 3)), generator=st.just("xor"),
    ),
)
_training_common = dict(
    learning_rate=mostly(st.floats(0, 1)), epochs=mostly(st.integers(0, 50)),
    batch_size=mostly(st.one_of(st.just("full"), st.integers(0, 64))),
    events=mostly(st.lists(tables({"epoch": mostly(st.integers(0, 5)), "learning_rate": mostly(st.floats(0, 1))}),
                           max_size=3)),
)
training_tables = st.one_of(  # adam takes no momentum; the others do
    tables(optimizer=mostly(st.sampled_from([o for o in OPTIMIZERS if o != "adam"])),
           momentum=mostly(st.floats(0, 1)), **_training_common),
    tables(optimizer=mostly(st.just("adam")), **_training_common),
)
variant_patches = st.dictionaries(
    st.sampled_from(["data", "model", "training", "summary", "seed"]),
    st.one_of(values, st.fixed_dictionaries({"layers": st.dictionaries(st.sampled_from(["0", "1", "2", "x", "\u00b2"]),
                                                                       values, max_size=2)})),
    max_size=3,
)
shaped_docs = tables(
    {"data": mostly(data_tables), "model": mostly(tables({"layers": mostly(st.lists(layers, min_size=1, max_size=3))},
                                                         output=mostly(tables(weight_init=inits))))},
    name=mostly(st.just("fuzz")), seed=mostly(st.integers(0, 10)),
    training=mostly(training_tables), diagnosis=mostly(tables(sparse_threshold=mostly(st.floats(0, 1)))),
    variants=mostly(st.dictionaries(st.sampled_from(["leaky", "base", "b-2", "x y"]), variant_patches, max_size=2)),
)
random_docs = st.dictionaries(keys, values, max_size=8)


def check_outcome(run) -> Scenario | None:
    """Run a load; only ScenarioError may escape, and it must be well formed."""
    try:
        scenario = run()
    except ScenarioError as err:
        text = str(err)
        assert text == err.message and len(text.splitlines()) == 1
        assert err.line is None or (isinstance(err.line, int) and err.line >= 1)
        assert err.key is None or isinstance(err.key, str)
        assert err.problem and isinstance(err.problem, str)
        return None
    assert isinstance(scenario, Scenario)
    assert scenario.model.layers and all(layer.width >= 1 for layer in scenario.model.layers)
    for name in scenario.variant_names:
        assert scenario.with_variant(name).variant == name
    return scenario


# --------------------------------------------------------------------------- (a) arbitrary text

toml_lines = st.one_of(
    st.builds(lambda k, v: f"{k} = {v}", st.sampled_from(KEYS),
              st.sampled_from(['"xor"', '"relu"', "1", "0", "-1", "0.5", "true", "[1, 2]", "[[1, 2], [3, 4]]",
                               '{ kind = "uniform", low = -1, high = 1 }', '"he_normal"', '"full"', "nan", "inf",
                               '"""', "'''", "[", "{"])),
    st.sampled_from(["[data]", "[[model.layers]]", "[model.output]", "[training]", "[[training.events]]",
                     "[diagnosis]", "[variants.v]", "[variants.base]", "model.layers.0.width = 3",
                     "model.layers.1.width = 3", 'data.transform = "shift"', "", "# comment"]),
    st.text(max_size=20),
)


def mutate(text: str, where: int, cut: int, insert: str) -> str:
    where %= len(text) + 1
    return text[:where] + insert + text[where + cut:]


@FUZZ
@given(st.text())
def test_arbitrary_text_raises_only_scenario_error(text):
    check_outcome(lambda: loads_scenario(text, source="fuzz.toml"))


@FUZZ
@given(st.lists(toml_lines, max_size=15).map("\n".join))
def test_toml_like_text_raises_only_scenario_error(text):
    check_outcome(lambda: loads_scenario(text, source=SOURCE))


@FUZZ
@given(st.integers(0, len(NEGATIVE_INIT_TEXT)), st.integers(0, 12), st.text(max_size=12))
def test_mutated_negative_init_text_raises_only_scenario_error(where, cut, insert):
    check_outcome(lambda: loads_scenario(mutate(NEGATIVE_INIT_TEXT, where, cut, insert), source=SOURCE))


numeric_literals = st.one_of(
    st.sampled_from(["nan", "+nan", "-nan", "inf", "+inf", "-inf", "1e308", "-1e308", "3.4028235e38", "3.5e38",
                     "1e-320", "0x" + "f" * 4000, "7" * 5000, "1_" * 2200 + "1", "1" + "0" * 400 + ".0",
                     "0o777", "0b1", "1979-05-27"]),
    st.floats().map(repr).filter(lambda t: t not in ("nan", "inf", "-inf")),
    st.integers().map(str),
)
NUMERIC_KEYS = [
    "seed", "data.n_samples", "data.noise", "data.low", "data.high", "data.test_fraction", "data.shift",
    "data.radius", "data.frequency", "data.n_features", "model.layers.0.width",
    "model.layers.0.weight_init.gain", "model.layers.0.weight_init.low", "model.layers.0.weight_init.std",
    "model.layers.0.bias_init.value", "training.learning_rate", "training.weight_decay", "training.momentum",
    "training.epochs", "training.batch_size", "diagnosis.sparse_threshold",
]
GENERATED = {
    "sine": '[data]\ngenerator = "sine"\n',
    "blobs": '[data]\ngenerator = "blobs"\nn_features = 3\n',
    "teacher": '[data]\ngenerator = "random_teacher"\nn_features = 3\nn_classes = 2\n',
    "line": '[data]\ngenerator = "positive_line"\n',
}


INIT_PARAMS = {"uniform": {"low": "-1", "high": "1"}, "normal": {"std": "1"}, "constant": {"value": "0"},
               "he_uniform": {}, "xavier_normal": {}, "orthogonal": {}}


def _numeric_doc(data: str, key: str, literal: str, init: str) -> str:
    """A small scenario with ``key = literal`` written where it belongs (in an init spec of kind ``init``)."""
    top: list[str] = []
    sections: dict[str, list[str]] = {"data": data.splitlines()[1:], "layer": ["width = 2"], "training": [],
                                      "diagnosis": []}
    table, _, leaf = key.rpartition(".")
    if table.startswith("model.layers.0."):
        params = {**INIT_PARAMS[init], leaf: literal}
        spec = ", ".join([f'kind = "{init}"', *(f"{k} = {v}" for k, v in params.items())])
        sections["layer"].append(f"{table.rpartition('.')[2]} = {{ {spec} }}")
    elif table == "model.layers.0":
        sections["layer"].append(f"{leaf} = {literal}")
    elif table:
        sections[table].append(f"{leaf} = {literal}")
    else:
        top.append(f"{leaf} = {literal}")
    if leaf == "shift":
        sections["data"].append('transform = "shift"')
    return "\n".join([*top, "[data]", *sections["data"], "[[model.layers]]", *sections["layer"],
                      "[training]", *sections["training"], "[diagnosis]", *sections["diagnosis"]]) + "\n"


@FUZZ
@given(st.sampled_from(sorted(GENERATED)), st.sampled_from(NUMERIC_KEYS), numeric_literals,
       st.sampled_from(["uniform", "normal", "he_uniform", "xavier_normal", "constant", "orthogonal"]))
def test_numeric_edges_load_or_raise_scenario_error_and_what_loads_builds(data, key, literal, init):
    """Any number anywhere: a ScenarioError, or a scenario whose data and first epoch are computed (a
    diverged run is a state, not an exception)."""
    text = _numeric_doc(GENERATED[data], key, literal, init)
    scenario = check_outcome(lambda: loads_scenario(text, source=SOURCE))
    if scenario is None:
        return
    try:
        trainer = Trainer(replace(scenario, data=replace(scenario.data, n_samples=min(scenario.data.n_samples, 64))))
    except ScenarioError:
        return  # e.g. every training sample with the same label
    trainer.step_epochs(1)


csv_cells = st.one_of(
    st.sampled_from(["1", "0", "-1", "1e38", "3.4e38", "3.5e38", "1e308", "nan", "inf", "-inf", "", " ", "x",
                     "1e-320", "\x1b[2J", "caf\u00e9", "\ufeff1", '"1"', '"', "1,2", "7" * 5000]),
    st.floats().map(repr),
    st.text(max_size=6),
)


@FUZZ
@given(st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=10), st.booleans(),
       st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "utf-16"]),
       st.sampled_from(["none", "standardize", "shift"]))
def test_any_csv_loads_or_raises_scenario_error(rows, header, encoding, transform):
    text = ("a,b,label\n" if header else "") + "".join(",".join(row) + "\n" for row in rows)
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8", "surrogatepass")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "data.csv").write_bytes(data)
        shift = "shift = 1e38\n" if transform == "shift" else ""
        scenario_text = f'[data]\ncsv = "data.csv"\ntransform = "{transform}"\n{shift}\n[[model.layers]]\nwidth = 2\n'
        scenario = check_outcome(lambda: loads_scenario(scenario_text, source=Path(folder) / "s.toml"))
        if scenario is not None:
            Trainer(scenario).step_epochs(1)


@pytest.mark.parametrize("text", [
    "x = " + "[" * 3000 + "]" * 3000,
    "x = " + "{a = " * 1000 + "1" + "}" * 1000,
    '"\\u0000" = 1',
    "\ufeff[data]",
    "a = 1\r\nb = 2\r",
    "\x00",
], ids=["deep-arrays", "deep-inline-tables", "nul-key", "bom", "carriage-returns", "nul"])
def test_pathological_text(text):
    assert check_outcome(lambda: loads_scenario(text)) is None


# --------------------------------------------------------------------------- (b) arbitrary documents


@FUZZ
@given(random_docs)
def test_random_documents_raise_only_scenario_error(doc):
    check_outcome(lambda: parse_scenario(doc, source=SOURCE))


@FUZZ
@given(shaped_docs)
def test_scenario_shaped_documents_raise_only_scenario_error(doc):
    snapshot = copy.deepcopy(doc)
    check_outcome(lambda: parse_scenario(doc, source=SOURCE))
    assert _same(doc, snapshot), "parse_scenario must not modify the document it is given"


def _same(a: Any, b: Any) -> bool:
    """Equality that treats nan as equal to nan."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def test_shaped_strategy_reaches_success_and_deep_errors():
    """Guard against a strategy that never gets past the first check: some shaped docs must load."""
    # 400 draws, not 150: Hypothesis mixes in literals from whatever modules are loaded, so the share
    # that loads moves with the test selection (23 of 150 alone, 14 with some other files loaded).
    loaded = 0
    keys_seen: set[str] = set()
    for doc in _examples(shaped_docs, 400):
        result = None
        try:
            result = parse_scenario(doc, source=SOURCE)
        except ScenarioError as err:
            keys_seen.add((err.key or "").split(".")[0].split("[")[0])
        loaded += result is not None
    assert loaded >= 15
    assert {"data", "model"} <= keys_seen


def _examples(strategy: st.SearchStrategy, n: int) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(strategy)
    def collect(example):
        found.append(example)

    collect()
    return found


# --------------------------------------------------------------------------- (c) negative_init with one key changed


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every dotted path in a parsed document, list indices included."""
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out += _paths(value, (*prefix, index))
    return out


PATHS = _paths(NEGATIVE_INIT)
def _get(doc: Any, path: tuple) -> Any:
    for part in path:
        doc = doc[part]
    return doc


TABLE_PATHS = [()] + [p for p in PATHS if isinstance(_get(NEGATIVE_INIT, p), dict)]


def test_negative_init_paths_cover_the_document():
    assert ("model", "layers", 0, "weight_init", "low") in PATHS
    assert ("variants", "leaky", "model", "layers", "0", "negative_slope") in PATHS
    assert ("data",) in TABLE_PATHS and ("model", "layers", 0) in TABLE_PATHS
    assert check_outcome(lambda: parse_scenario(copy.deepcopy(NEGATIVE_INIT), source=SOURCE)) is not None


@FUZZ
@given(st.sampled_from(PATHS), values)
def test_negative_init_with_one_value_replaced(path, value):
    doc = copy.deepcopy(NEGATIVE_INIT)
    _get(doc, path[:-1])[path[-1]] = value
    check_outcome(lambda: parse_scenario(doc, source=SOURCE, locator=KeyLocator(NEGATIVE_INIT_TEXT)))


@FUZZ
@given(st.sampled_from(TABLE_PATHS), keys, values)
def test_negative_init_with_one_key_inserted(path, key, value):
    doc = copy.deepcopy(NEGATIVE_INIT)
    table = _get(doc, path)
    assume(key not in table)
    table[key] = value
    result = check_outcome(lambda: parse_scenario(doc, source=SOURCE, locator=KeyLocator(NEGATIVE_INIT_TEXT)))
    if path == ("variants",) and result is not None:
        assert key in result.variant_names


@FUZZ
@given(st.sampled_from(PATHS), st.sampled_from(PATHS), values)
def test_negative_init_with_a_key_removed_and_another_replaced(drop, change, value):
    doc = copy.deepcopy(NEGATIVE_INIT)
    parent = _get(doc, drop[:-1])
    del parent[drop[-1]]
    try:
        _get(doc, change[:-1])[change[-1]] = value
    except (KeyError, IndexError, TypeError):
        pass  # the changed key was inside the one removed
    check_outcome(lambda: parse_scenario(doc, source=SOURCE))
