"""Every way a scenario can be wrong raises one ScenarioError that says where and why, on one line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from relu_tui.errors import ScenarioError
from relu_tui.spec.scenario import load_scenario, loads_scenario

SOURCE = "case.toml"
NO_VALUE = object()


def fail(text: str, source: str = SOURCE) -> ScenarioError:
    """The error ``loads_scenario`` raises for ``text`` (already dedented)."""
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text, source=source)
    return checked(info.value)


def fail_file(path: Path) -> ScenarioError:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return checked(info.value)


def checked(err: ScenarioError) -> ScenarioError:
    """Invariants of every error: str() is the message, on exactly one line."""
    text = str(err)
    assert text == err.message
    assert "\n" not in text and "\r" not in text
    assert len(text.splitlines()) == 1
    assert err.args == (text,)
    return err


def line_with(text: str, needle: str, nth: int = 0) -> int:
    """1-based number of the ``nth`` line of ``text`` containing ``needle`` (a cross-check on counted lines)."""
    hits = [n for n, line in enumerate(text.splitlines(), start=1) if needle in line]
    return hits[nth]


def assert_fields(err: ScenarioError, *, source=SOURCE, line=None, key=None, value=NO_VALUE,
                  expected=None, hint=None, problem=None) -> None:
    assert err.source == source
    assert err.line == line
    assert err.key == key
    if value is NO_VALUE:
        assert not err.has_value
    else:
        assert err.has_value
        assert err.value == value
        assert type(err.value) is type(value)
    assert err.expected == expected
    assert err.hint == hint
    if problem is not None:
        assert err.problem == problem


# --------------------------------------------------------------------------- TOML syntax


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"
                noise = = 0.1
                """),
            3, "TOML syntax error: Invalid value", id="double-equals",
        ),
        pytest.param(
            textwrap.dedent("""\
                seed = 1

                [data]
                generator = "xor"
                generator = "moons"
                """),
            5, "TOML syntax error: Cannot overwrite a value", id="duplicate-key",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"

                [[model.layers]]
                width = [1, 2
                activation = "relu"
                """),
            6, None, id="unterminated-array",
        ),
        pytest.param(
            textwrap.dedent("""\
                title = "unterminated
                """),
            1, "TOML syntax error: Illegal character '\\n'", id="unterminated-string",
        ),
    ],
)
def test_toml_syntax_error_reports_tomllib_line(text, line, problem):
    err = fail(text)
    assert_fields(err, line=line)
    assert err.problem.startswith("TOML syntax error: ")
    assert "(at line" not in err.problem  # the position moved into .line
    if problem is not None:
        assert err.problem == problem
    assert str(err) == f"{SOURCE}:{line}: {err.problem}"


def test_toml_error_at_end_of_document_has_no_line():
    err = fail('[data]\ngenerator = "xor"\nnoise = [0.1,\n')
    assert_fields(err, problem="TOML syntax error: Invalid value (at end of document)")
    assert str(err) == f"{SOURCE}: TOML syntax error: Invalid value (at end of document)"


def test_toml_nested_too_deeply_is_a_scenario_error():
    err = fail("x = " + "[" * 5000 + "]" * 5000 + "\n")
    assert_fields(err, problem="TOML syntax error: arrays or inline tables nested too deeply")
    assert str(err) == f"{SOURCE}: TOML syntax error: arrays or inline tables nested too deeply"


# --------------------------------------------------------------------------- unknown keys

LAYER_TYPO = textwrap.dedent("""\
    [data]
    generator = "xor"

    [[model.layers]]
    width = 4
    activaton = "relu"
    """)


def test_unknown_layer_key_suggests_the_right_one():
    err = fail(LAYER_TYPO)
    assert line_with(LAYER_TYPO, "activaton") == 6
    assert_fields(err, line=6, key="model.layers[0].activaton", hint="did you mean 'activation'?",
                  problem="unknown key")
    assert str(err) == "case.toml:6: model.layers[0].activaton: unknown key (did you mean 'activation'?)"


@pytest.mark.parametrize(
    ("text", "line", "key", "hint"),
    [
        pytest.param(
            textwrap.dedent("""\
                tittle = "typo"

                [data]
                generator = "xor"

                [[model.layers]]
                width = 1
                """),
            1, "tittle", "did you mean 'title'?", id="top-level-typo",
        ),
        pytest.param(
            textwrap.dedent("""\
                seed = 3
                flavour = "vanilla"

                [data]
                generator = "xor"

                [[model.layers]]
                width = 1
                """),
            2, "flavour", None, id="top-level-unrelated",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"

                [[model.layers]]
                width = 1

                [trainig]
                epochs = 3
                """),
            7, "trainig", "did you mean 'training'?", id="top-level-table-typo",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"
                n_sample = 30

                [[model.layers]]
                width = 1
                """),
            3, "data.n_sample", "did you mean 'n_samples'?", id="data-typo",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"

                [[model.layers]]
                width = 1

                [training]
                optimizer = "adam"
                learning_rte = 0.1
                """),
            9, "training.learning_rte", "did you mean 'learning_rate'?", id="training-typo",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"

                [[model.layers]]
                width = 1

                [[model.layers]]
                width = 2
                bias_int = 0.0
                """),
            9, "model.layers[1].bias_int", "did you mean 'bias_init'?", id="second-layer-typo",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"

                [[model.layers]]
                width = 1

                [model.output]
                weight_init = "he_normal"
                bias_init = 0.0
                bias_initt = 0.0
                """),
            10, "model.output.bias_initt", "did you mean 'bias_init'?", id="output-typo",
        ),
        pytest.param(
            textwrap.dedent("""\
                [data]
                generator = "xor"

                [[model.layers]]
                width = 1
                weight_init = { kind = "normal", std = 0.1, sdt = 0.2 }
                """),
            6, "model.layers[0].weight_init.sdt", "did you mean 'std'?", id="init-param-typo",
        ),
    ],
)
def test_unknown_key(text, line, key, hint):
    err = fail(text)
    assert_fields(err, line=line, key=key, hint=hint, problem="unknown key")
    suffix = f" ({hint})" if hint else ""
    assert str(err) == f"{SOURCE}:{line}: {key}: unknown key{suffix}"


# --------------------------------------------------------------------------- wrong types and impossible values

def layer_doc(layer_lines: str, extra: str = "") -> str:
    """A minimal scenario whose single layer table holds ``layer_lines`` (starts at line 5)."""
    return textwrap.dedent("""\
        [data]
        generator = "xor"

        [[model.layers]]
        """) + textwrap.dedent(layer_lines) + textwrap.dedent(extra)


def data_doc(data_lines: str) -> str:
    """A minimal scenario whose [data] table holds ``data_lines`` (starts at line 2)."""
    return "[data]\n" + textwrap.dedent(data_lines) + "\n[[model.layers]]\nwidth = 2\n"


def training_doc(training_lines: str) -> str:
    """A minimal scenario whose [training] table holds ``training_lines`` (starts at line 7)."""
    return layer_doc("width = 2\n") + "\n[training]\n" + textwrap.dedent(training_lines)


BAD_VALUES = [
    # (text, line, key, value, expected[, hint])
    pytest.param(training_doc('optimizer = "sgd"\nlearning_rate = "fast"\n'), 9, "training.learning_rate", "fast",
                 "a finite number > 0", id="string-for-number"),
    pytest.param(training_doc("epochs = true\n"), 8, "training.epochs", True,
                 "an integer in [0, 1e+06]", id="bool-for-int"),
    pytest.param(training_doc("epochs = 2.5\n"), 8, "training.epochs", 2.5,
                 "an integer in [0, 1e+06]", id="float-for-int"),
    pytest.param(layer_doc("width = true\n"), 5, "model.layers[0].width", True,
                 "an integer in [1, 4096]", id="bool-width"),
    pytest.param(layer_doc('width = "4"\n'), 5, "model.layers[0].width", "4",
                 "an integer in [1, 4096]", id="string-width"),
    pytest.param(layer_doc("width = 0\n"), 5, "model.layers[0].width", 0,
                 "an integer in [1, 4096]", id="width-zero"),
    pytest.param(layer_doc("width = 4097\n"), 5, "model.layers[0].width", 4097,
                 "an integer in [1, 4096]", id="width-too-big"),
    pytest.param(training_doc("learning_rate = -0.01\n"), 8, "training.learning_rate", -0.01,
                 "a finite number > 0", id="negative-learning-rate"),
    pytest.param(training_doc("learning_rate = 0\n"), 8, "training.learning_rate", 0,
                 "a finite number > 0", id="zero-learning-rate"),
    pytest.param(training_doc("learning_rate = nan\n"), 8, "training.learning_rate", None,
                 "a finite number > 0", id="nan-learning-rate"),
    pytest.param(training_doc("learning_rate = inf\n"), 8, "training.learning_rate", float("inf"),
                 "a finite number > 0", id="inf-learning-rate"),
    pytest.param(training_doc('optimizer = "adamw"\n'), 8, "training.optimizer", "adamw",
                 "one of 'sgd', 'momentum', 'adam', 'rmsprop'", "did you mean 'adam'?", id="unknown-optimizer"),
    pytest.param(training_doc("momentum = 1.0\n"), 8, "training.momentum", 1.0,
                 "a finite number in [0, 1)", id="momentum-one"),
    pytest.param(data_doc('generator = "xor"\ntest_fraction = 0.95\n'), 3, "data.test_fraction", 0.95,
                 "a finite number in [0, 0.9]", id="test-fraction-too-big"),
    pytest.param(data_doc('generator = "xor"\nn_samples = 2\n'), 3, "data.n_samples", 2,
                 "an integer in [4, 1e+06]", id="too-few-samples"),
    pytest.param(data_doc('generator = "xor"\nn_samples = 1e3\n'), 3, "data.n_samples", 1000.0,
                 "an integer in [4, 1e+06]", id="float-samples"),
    pytest.param(data_doc('generator = "xor"\nnoise = -0.1\n'), 3, "data.noise", -0.1,
                 "a finite number >= 0", id="negative-noise"),
    pytest.param(data_doc('generator = "blobs"\nn_classes = 1\n'), 3, "data.n_classes", 1,
                 "an integer in [2, 64]", id="one-class"),
    pytest.param(data_doc('generator = "circles"\nfactor = 1.0\n'), 3, "data.factor", 1.0,
                 "a finite number in (0, 1)", id="circles-factor"),
    pytest.param(data_doc('generator = "xor"\ntransform = "normalize"\n'), 3, "data.transform", "normalize",
                 "one of 'none', 'standardize', 'shift'", id="unknown-transform"),
    pytest.param(layer_doc("width = 2\nweight_init = { kind = \"normal\", std = -1 }\n"), 6,
                 "model.layers[0].weight_init.std", -1, "a finite number >= 0", id="negative-std"),
    pytest.param(layer_doc("width = 2\nweight_init = { kind = \"he_normal\", gain = 0 }\n"), 6,
                 "model.layers[0].weight_init.gain", 0, '"auto" or a finite number > 0', id="zero-gain"),
    pytest.param(layer_doc("width = 2\nbias_init = \"glorot_normal\"\n"), 6, "model.layers[0].bias_init.kind",
                 "glorot_normal", "one of 'default', 'uniform', 'normal', 'constant', 'he_normal', 'he_uniform'",
                 "did you mean 'he_normal'?",
                 id="weight-only-kind-as-bias"),
    pytest.param(layer_doc("width = 2\nactivation = 7\n"), 6, "model.layers[0].activation", 7,
                 "one of 'relu', 'leaky_relu', 'prelu', 'elu', 'gelu', 'tanh', 'sigmoid', 'identity'",
                 id="numeric-activation"),
    pytest.param(layer_doc('width = 2\nactivation = "leaky_relu"\nnegative_slope = 1.5\n'), 7,
                 "model.layers[0].negative_slope", 1.5, "a finite number in [0, 1]", id="slope-above-one"),
    pytest.param("seed = -1\n" + layer_doc("width = 1\n"), 1, "seed", -1,
                 "an integer in [0, 4.29497e+09]", id="negative-seed"),
    pytest.param('title = "  "\n' + layer_doc("width = 1\n"), 1, "title", "  ",
                 "a non-empty string", id="blank-title"),
    pytest.param(layer_doc("width = 2\n", "\n[diagnosis]\nsparse_threshold = 1\n"), 8,
                 "diagnosis.sparse_threshold", 1, "a finite number in (0, 1)", id="sparse-threshold"),
]


@pytest.mark.parametrize(("text", "line", "key", "value", "expected", "hint"),
                         [pytest.param(*(p.values + (None,))[:6], id=p.id) for p in BAD_VALUES])
def test_bad_value(text, line, key, value, expected, hint):
    err = fail(text)
    assert err.problem == "bad value"
    assert (err.source, err.line, err.key, err.expected, err.hint) == (SOURCE, line, key, expected, hint)
    assert err.has_value
    if value is None:  # nan
        assert err.value != err.value
    else:
        assert err.value == value and type(err.value) is type(value)
    assert str(err).startswith(f"{SOURCE}:{line}: {key} = ")
    assert str(err).endswith(f": bad value; expected {expected}" + (f" ({hint})" if hint else ""))


@pytest.mark.parametrize(("value", "parsed"), [("true", True), ("[0.1]", [0.1]), ('"  "', "  ")])
def test_init_that_is_not_a_table(value, parsed):
    err = fail(layer_doc(f"width = 2\nweight_init = {value}\n"))
    if parsed == "  ":  # a string is a kind name, and a blank one is no kind
        assert_fields(err, line=6, key="model.layers[0].weight_init.kind", value="  ", problem="bad value",
                      expected="one of 'default', 'uniform', 'normal', 'constant', 'he_normal', 'he_uniform', "
                               "'xavier_normal', 'xavier_uniform', 'orthogonal', 'rai'")
        return
    assert_fields(err, line=6, key="model.layers[0].weight_init", value=parsed, expected="a table of keys",
                  problem="not a table")
    assert str(err).endswith(": not a table; expected a table of keys")


def test_string_where_number_expected_message():
    text = training_doc('optimizer = "sgd"\nlearning_rate = "fast"\n')
    assert line_with(text, "learning_rate") == 9
    assert str(fail(text)) == "case.toml:9: training.learning_rate = 'fast': bad value; expected a finite number > 0"


def test_bool_where_int_expected_message():
    assert str(fail(training_doc("epochs = true\n"))) == (
        "case.toml:8: training.epochs = true: bad value; expected an integer in [0, 1e+06]")


def test_width_zero_message():
    assert str(fail(layer_doc("width = 0\n"))) == (
        "case.toml:5: model.layers[0].width = 0: bad value; expected an integer in [1, 4096]")


def test_huge_integer_is_shortened_in_the_message():
    err = fail(data_doc('generator = "xor"\nn_samples = ' + "9" * 400 + "\n"))
    assert err.key == "data.n_samples" and err.value == int("9" * 400) and err.line == 3
    assert len(str(err)) < 200 and "…" in str(err)


def test_missing_width():
    err = fail(layer_doc('activation = "tanh"\n'))
    assert_fields(err, line=4, key="model.layers[0].width", expected="an integer in [1, 4096]",
                  problem="missing key")
    assert str(err) == "case.toml:4: model.layers[0].width: missing key; expected an integer in [1, 4096]"


def test_missing_data_table():
    err = fail("[[model.layers]]\nwidth = 1\n")
    assert_fields(err, key="data", expected="a table", problem="missing table")
    assert str(err) == "case.toml: data: missing table; expected a table"


def test_no_layers():
    err = fail('[data]\ngenerator = "xor"\n\n[model]\nlayers = []\n')
    assert_fields(err, line=5, key="model.layers", value=[], expected="an array of at least 1 table(s)",
                  problem="bad value")
    assert str(err) == "case.toml:5: model.layers = []: bad value; expected an array of at least 1 table(s)"


# --------------------------------------------------------------------------- init rules


def test_uniform_low_above_high_inline():
    text = layer_doc("width = 2\nweight_init = { kind = \"uniform\", low = 0.5, high = -0.5 }\n")
    err = fail(text)
    assert_fields(err, line=6, key="model.layers[0].weight_init.low", value=0.5,
                  expected="low <= high (-0.5)", problem="low is above high")
    assert str(err) == ("case.toml:6: model.layers[0].weight_init.low = 0.5: low is above high; "
                        "expected low <= high (-0.5)")


def test_uniform_low_above_high_in_its_own_table_points_at_low():
    text = textwrap.dedent("""\
        [data]
        generator = "xor"

        [[model.layers]]
        width = 2

        [model.layers.bias_init]
        kind = "uniform"
        high = 0.0
        low = 1.0
        """)
    err = fail(text)
    assert line_with(text, "low = 1.0") == 10
    assert_fields(err, line=10, key="model.layers[0].bias_init.low", value=1.0,
                  expected="low <= high (0)", problem="low is above high")


def test_uniform_missing_bound():
    err = fail(layer_doc('width = 2\nweight_init = "uniform"\n'))
    assert_fields(err, line=6, key="model.layers[0].weight_init.low", expected="a finite number",
                  problem="missing key")


def test_unknown_init_kind_suggests():
    err = fail(layer_doc('width = 2\nweight_init = "he_norml"\n'))
    assert err.key == "model.layers[0].weight_init.kind" and err.line == 6
    assert err.value == "he_norml"
    assert err.hint == "did you mean 'he_normal'?"
    assert str(err).endswith("(did you mean 'he_normal'?)")


@pytest.mark.parametrize(
    ("weights", "why"),
    [
        ("[[0.1, 0.2]]", "one-row-for-two-units"),
        ("[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]", "three-rows"),
        ("[[0.1], [0.2]]", "one-column"),
        ("[[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]", "three-columns"),
        ("[[0.1, \"x\"], [0.3, 0.4]]", "string-entry"),
        ("[[0.1, true], [0.3, 0.4]]", "bool-entry"),
        ("[[0.1, nan], [0.3, 0.4]]", "nan-entry"),
        ("[0.1, 0.2]", "flat"),
        ("0.5", "scalar"),
    ],
)
def test_explicit_weights_of_wrong_shape(weights, why):
    text = layer_doc(f"width = 2\nactivation = \"relu\"\nweights = {weights}\n")
    err = fail(text)
    assert line_with(text, "weights =") == 7
    assert err.problem == "wrong shape or non-numeric entry"
    assert (err.line, err.key) == (7, "model.layers[0].weights")
    assert err.expected == "2 row(s) of 2 number(s) (one row per unit, one number per input)"
    assert err.has_value
    assert str(err).startswith("case.toml:7: model.layers[0].weights = ")
    assert str(err).endswith(": wrong shape or non-numeric entry; expected 2 row(s) of 2 number(s) "
                             "(one row per unit, one number per input)")


def test_explicit_weights_shape_follows_previous_layer_width():
    text = layer_doc("width = 3\n", """
        [[model.layers]]
        width = 1
        weights = [[1.0, 2.0]]
        """)
    err = fail(text)
    assert (err.line, err.key) == (line_with(text, "weights ="), "model.layers[1].weights")
    assert err.value == [[1.0, 2.0]]
    assert err.expected == "1 row(s) of 3 number(s) (one row per unit, one number per input)"


def test_explicit_bias_of_wrong_length():
    err = fail(layer_doc("width = 2\nbias = [0.1, 0.2, 0.3]\n"))
    assert_fields(err, line=6, key="model.layers[0].bias", value=[0.1, 0.2, 0.3],
                  expected="2 number(s), one per unit", problem="wrong shape or non-numeric entry")


def test_output_weights_shape_is_classes_by_last_width():
    text = layer_doc("width = 3\n", """
        [model.output]
        weights = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
        """)
    err = fail(text)
    assert (err.line, err.key) == (8, "model.output.weights")
    assert err.expected == "1 row(s) of 3 number(s) (one row per unit, one number per input)"


def test_both_weights_and_weight_init():
    text = layer_doc("width = 2\nweight_init = \"he_normal\"\nweights = [[1, 2], [3, 4]]\n")
    err = fail(text)
    assert_fields(err, line=7, key="model.layers[0].weights", expected="one of the two",
                  problem="both weights and weight_init given")
    assert str(err) == ("case.toml:7: model.layers[0].weights: both weights and weight_init given; "
                        "expected one of the two")


def test_both_bias_and_bias_init():
    err = fail(layer_doc("width = 2\nbias = [0, 0]\nbias_init = 0.0\n"))
    assert_fields(err, line=6, key="model.layers[0].bias", expected="one of the two",
                  problem="both bias and bias_init given")


def test_explicit_values_cannot_repeat():
    err = fail(layer_doc("width = 2\nrepeat = 2\nbias = [0, 0]\n"))
    assert_fields(err, line=7, key="model.layers[0].bias", expected="repeat = 1",
                  problem="explicit values cannot be repeated")


def test_too_many_layers():
    err = fail(layer_doc("width = 2\nrepeat = 150\n", "\n[[model.layers]]\nwidth = 2\nrepeat = 60\n"))
    assert_fields(err, line=10, key="model.layers[1].repeat", value=60, expected="at most 200 in all",
                  problem="too many layers")


def test_duplicate_layer_names():
    err = fail(layer_doc('width = 2\nname = "a"\n', '\n[[model.layers]]\nwidth = 2\nname = "a"\n'))
    assert err.problem == "two layers share a name"
    assert (err.key, err.value, err.expected) == ("model.layers", "a", "unique layer names")


# --------------------------------------------------------------------------- activation parameters


@pytest.mark.parametrize("activation_line", ['activation = "relu"\n', ""], ids=["explicit-relu", "default-relu"])
def test_negative_slope_on_relu(activation_line):
    text = layer_doc("width = 2\n" + activation_line + "negative_slope = 0.1\n")
    err = fail(text)
    line = line_with(text, "negative_slope")
    assert_fields(err, line=line, key="model.layers[0].negative_slope", value=0.1,
                  problem="only used with activation 'leaky_relu' or 'prelu'")
    assert str(err) == (f"case.toml:{line}: model.layers[0].negative_slope = 0.1: "
                        "only used with activation 'leaky_relu' or 'prelu'")


def test_alpha_on_tanh():
    err = fail(layer_doc('width = 2\nactivation = "tanh"\nalpha = 2.0\n'))
    assert_fields(err, line=7, key="model.layers[0].alpha", value=2.0, problem="only used with activation 'elu'")


def test_unknown_activation_suggests():
    err = fail(layer_doc('width = 2\nactivation = "leaky_rel"\n'))
    assert_fields(err, line=6, key="model.layers[0].activation", value="leaky_rel",
                  expected="one of 'relu', 'leaky_relu', 'prelu', 'elu', 'gelu', 'tanh', 'sigmoid', 'identity'",
                  hint="did you mean 'leaky_relu'?", problem="bad value")


# --------------------------------------------------------------------------- data


@pytest.mark.parametrize(("name", "suggestion"), [("moon", "moons"), ("circle", "circles"), ("xr", "xor"),
                                                  ("spirals", "spiral"), ("random-teacher", "random_teacher")])
def test_unknown_generator_suggests(name, suggestion):
    err = fail(data_doc(f'generator = "{name}"\n'))
    expected = ("one of 'positive_line', 'blobs', 'xor', 'circles', 'moons', 'spiral', "
                "'random_teacher', 'sine'")
    assert_fields(err, line=2, key="data.generator", value=name, expected=expected,
                  hint=f"did you mean '{suggestion}'?", problem="bad value")
    assert str(err) == (f"case.toml:2: data.generator = '{name}': bad value; expected {expected} "
                        f"(did you mean '{suggestion}'?)")


def test_unknown_generator_without_suggestion():
    err = fail(data_doc('generator = "imagenet"\n'))
    assert err.hint is None and err.key == "data.generator" and err.line == 2


def test_missing_generator():
    err = fail(data_doc("n_samples = 10\n"))
    assert err.problem == "missing key" and err.key == "data.generator" and err.line == 1
    assert err.expected.startswith("one of 'positive_line'")


@pytest.mark.parametrize("transform_line", ["", 'transform = "standardize"\n'], ids=["default", "standardize"])
def test_shift_without_shift_transform(transform_line):
    text = data_doc('generator = "xor"\n' + transform_line + "shift = 2.5\n")
    err = fail(text)
    line = line_with(text, "shift =")
    assert_fields(err, line=line, key="data.shift", value=2.5, problem="only used with transform = 'shift'")
    assert str(err) == f"case.toml:{line}: data.shift = 2.5: only used with transform = 'shift'"


def test_shift_transform_without_shift():
    err = fail(data_doc('generator = "xor"\ntransform = "shift"\n'))
    assert_fields(err, line=1, key="data.shift", expected="a finite number", problem="missing key")


@pytest.mark.parametrize(
    ("lines", "line", "key", "value", "expected"),
    [
        ('generator = "positive_line"\nlow = 3.0\nhigh = 3.0\n', 3, "data.low", 3.0, "low < high (3)"),
        ('generator = "positive_line"\nhigh = 0.25\n', 1, "data.low", 0.5, "low < high (0.25)"),
        ('generator = "sine"\nlow = 1\nhigh = -1\n', 3, "data.low", 1.0, "low < high (-1)"),
        ('generator = "random_teacher"\nlow = 2.0\nhigh = 1.0\n', 3, "data.low", 2.0, "low < high (1)"),
    ],
    ids=["equal", "default-low-above-high", "sine", "random-teacher"],
)
def test_generator_low_not_below_high(lines, line, key, value, expected):
    err = fail(data_doc(lines))
    assert_fields(err, line=line, key=key, value=value, expected=expected, problem="low is not below high")
    assert str(err) == f"case.toml:{line}: {key} = {value!r}: low is not below high; expected {expected}"


def test_positive_line_low_must_be_positive():
    err = fail(data_doc('generator = "positive_line"\nlow = 0\n'))
    assert_fields(err, line=3, key="data.low", value=0, expected="a finite number > 0", problem="bad value")


@pytest.mark.parametrize(
    ("lines", "key", "value", "hint"),
    [
        ('generator = "xor"\nfactor = 0.3\n', "data.factor", 0.3, "used by 'circles'"),
        ('generator = "moons"\nn_classes = 3\n', "data.n_classes", 3, "used by 'blobs', 'spiral', 'random_teacher'"),
        ('generator = "xor"\ntask = "regression"\n', "data.task", "regression", "used by data.csv"),
        ('generator = "xor"\nlabel_column = 0\n', "data.label_column", 0, "used by data.csv"),
    ],
)
def test_key_of_another_data_source(lines, key, value, hint):
    err = fail(data_doc(lines))
    generator = lines.split('"')[1]
    assert_fields(err, line=3, key=key, value=value, problem=f"not used by generator '{generator}'", hint=hint)
    assert str(err).endswith(f": not used by generator '{generator}' ({hint})")


def test_misspelled_generator_parameter_suggests():
    err = fail(data_doc('generator = "circles"\nfactr = 0.3\n'))
    assert_fields(err, line=3, key="data.factr", hint="did you mean 'factor'?", problem="unknown key")


# --------------------------------------------------------------------------- training


@pytest.mark.parametrize(
    ("value", "parsed"),
    [("0", 0), ("-4", -4), ('"half"', "half"), ("1.5", 1.5), ("true", True), ("[32]", [32])],
)
def test_bad_batch_size(value, parsed):
    text = training_doc(f"epochs = 3\nbatch_size = {value}\n")
    err = fail(text)
    assert line_with(text, "batch_size") == 9
    assert_fields(err, line=9, key="training.batch_size", value=parsed, expected="'full' or an integer >= 1",
                  problem="bad value")
    assert str(err).startswith("case.toml:9: training.batch_size = ")
    assert str(err).endswith(": bad value; expected 'full' or an integer >= 1")


def test_event_with_bad_rate():
    text = training_doc("[[training.events]]\nepoch = 5\nlearning_rate = 0\n")
    err = fail(text)
    assert_fields(err, line=10, key="training.events[0].learning_rate", value=0, expected="a finite number > 0",
                  problem="bad value")


# --------------------------------------------------------------------------- files


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.toml"
    err = fail_file(path)
    assert_fields(err, source=str(path), expected="a scenario TOML file", problem="file not found")
    assert str(err) == f"{path}: file not found; expected a scenario TOML file"


def test_directory_instead_of_file(tmp_path):
    err = fail_file(tmp_path)
    assert_fields(err, source=str(tmp_path), expected="a scenario TOML file", problem="is a directory")
    assert str(err) == f"{tmp_path}: is a directory; expected a scenario TOML file"


def test_file_not_utf8(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes('title = "caf\u00e9"\n'.encode("latin-1"))
    err = fail_file(path)
    assert_fields(err, source=str(path), expected="a scenario TOML file",
                  problem="not UTF-8 text at line 1 (byte 0xe9)")


def test_nul_in_path():
    err = fail_file(Path("bad\0name.toml"))
    assert err.problem == "bad file name (NUL character)"


def test_errors_in_a_file_name_the_file(tmp_path):
    path = tmp_path / "typo.toml"
    path.write_text(LAYER_TYPO)
    err = fail_file(path)
    assert_fields(err, source=str(path), line=6, key="model.layers[0].activaton",
                  hint="did you mean 'activation'?", problem="unknown key")
    assert str(err) == f"{path}:6: model.layers[0].activaton: unknown key (did you mean 'activation'?)"


def csv_scenario(tmp_path: Path, csv_text: str | None, extra: str = "") -> Path:
    scenario = tmp_path / "own.toml"
    scenario.write_text(textwrap.dedent("""\
        title = "my data"

        [data]
        csv = "points.csv"
        """) + textwrap.dedent(extra) + "\n[[model.layers]]\nwidth = 2\n")
    if csv_text is not None:
        (tmp_path / "points.csv").write_text(textwrap.dedent(csv_text))
    return scenario


def test_missing_csv_names_the_scenario_and_key(tmp_path):
    scenario = csv_scenario(tmp_path, None)
    err = fail_file(scenario)
    assert_fields(err, source=str(scenario), line=4, key="data.csv", value="points.csv",
                  expected="a readable CSV file", problem="file not found")
    assert str(err) == f"{scenario}:4: data.csv = 'points.csv': file not found; expected a readable CSV file"


def test_csv_that_is_a_directory(tmp_path):
    scenario = csv_scenario(tmp_path, None)
    (tmp_path / "points.csv").mkdir()
    err = fail_file(scenario)
    assert (err.source, err.line, err.key) == (str(scenario), 4, "data.csv")
    assert err.problem == "is a directory"


def test_csv_nul_in_name(tmp_path):
    err = fail('[data]\ncsv = "a\\u0000b.csv"\n\n[[model.layers]]\nwidth = 1\n', source=str(tmp_path / "s.toml"))
    assert (err.line, err.key, err.value, err.problem) == (2, "data.csv", "a\0b.csv", "has control characters")


def test_csv_non_numeric_cell_names_csv_line_and_column(tmp_path):
    scenario = csv_scenario(tmp_path, """\
        height,weight,label
        1.0,2.0,0
        1.5,2.5,1

        2.0,heavy,0
        2.5,3.5,1
        """)
    err = fail_file(scenario)
    csv_path = tmp_path / "points.csv"
    assert_fields(err, source=str(csv_path), line=5, key="column 'weight'", value="heavy",
                  expected="a finite number", hint=f"read for {scenario}: data.csv", problem="non-numeric cell")
    assert str(err) == (f"{csv_path}:5: column 'weight' = 'heavy': non-numeric cell; expected a finite number "
                        f"(read for {scenario}: data.csv)")


def test_csv_infinite_cell_is_not_numeric(tmp_path):
    scenario = csv_scenario(tmp_path, "1,2,0\n1,inf,1\n2,2,0\n3,3,1\n")
    err = fail_file(scenario)
    assert (err.source, err.line, err.key, err.value) == (str(tmp_path / "points.csv"), 2, "column 'x2'", "inf")


def test_csv_ragged_row(tmp_path):
    scenario = csv_scenario(tmp_path, """\
        a,b,y
        1,2,0
        3,4,1
        5,6
        7,8,0
        """)
    err = fail_file(scenario)
    csv_path = tmp_path / "points.csv"
    assert_fields(err, source=str(csv_path), line=4, expected="3 cells like the first row",
                  hint=f"read for {scenario}: data.csv", problem="row has 2 cells")
    assert str(err) == (f"{csv_path}:4: row has 2 cells; expected 3 cells like the first row "
                        f"(read for {scenario}: data.csv)")


def test_csv_too_few_rows(tmp_path):
    err = fail_file(csv_scenario(tmp_path, "a,b,y\n1,2,0\n3,4,1\n"))
    assert (err.source, err.problem, err.expected) == (str(tmp_path / "points.csv"), "too few rows",
                                                       "at least 4 data rows")


def test_csv_unknown_label_column(tmp_path):
    err = fail_file(csv_scenario(tmp_path, "a,b,y\n1,2,0\n3,4,1\n1,1,0\n2,2,1\n", 'label_column = "z"\n'))
    assert (err.key, err.value, err.problem) == ("data.label_column", "z", "no such column")
    assert err.expected == "one of 'a', 'b', 'y'"


def test_csv_with_generator_keys(tmp_path):
    scenario = csv_scenario(tmp_path, "a,b,y\n1,2,0\n3,4,1\n1,1,0\n2,2,1\n", "n_samples = 10\n")
    err = fail_file(scenario)
    assert_fields(err, source=str(scenario), line=5, key="data.n_samples", value=10,
                  expected="either data.csv or data.generator, not both", problem="has no effect with data.csv")


def test_csv_real_labels_forced_classification(tmp_path):
    err = fail_file(csv_scenario(tmp_path, "a,y\n1,0.5\n2,1.5\n3,2.5\n4,0.25\n", 'task = "classification"\n'))
    assert (err.line, err.key, err.value) == (5, "data.task", "classification")
    assert err.problem == "labels do not form 2 to 64 integer classes"


# --------------------------------------------------------------------------- variants

BASE = textwrap.dedent("""\
    [data]
    generator = "xor"

    [[model.layers]]
    width = 4
    activation = "relu"
    """)


@pytest.mark.parametrize("name", ["base", "bad name", "caf\u00e9"])
def test_bad_variant_name(name):
    quoted = f'"{name}"' if name != "base" else name
    text = BASE + f"\n[variants.{quoted}]\nmodel.layers.0.width = 2\n"
    err = fail(text)
    assert_fields(err, line=8, key=f"variants.{name}",
                  expected="1 to 64 letters, digits, '_' or '-', and not 'base'", problem="bad variant name")
    assert str(err) == (f"case.toml:8: variants.{name}: bad variant name; "
                        "expected 1 to 64 letters, digits, '_' or '-', and not 'base'")


def test_variant_header_opening_an_unknown_table():
    """``[variants.dots.are.nested]`` is variant 'dots' with a table 'are': unknown, and inside the variant."""
    text = BASE + "\n[variants.dots.are.nested]\nmodel.layers.0.width = 2\n"
    err = fail(text)
    assert_fields(err, line=8, key="variants.dots.are", problem="unknown key (in variant 'dots')")
    assert str(err) == "case.toml:8: variants.dots.are: unknown key (in variant 'dots')"


def test_variant_overriding_a_misspelled_key():
    text = BASE + textwrap.dedent("""\

        [variants.wide]
        summary = "wider"
        model.layers.0.widht = 16
        """)
    err = fail(text)
    header = line_with(text, "[variants.wide]")
    assert (header, line_with(text, "widht")) == (8, 10)
    assert err.key.startswith("variants.wide")
    assert err.key == "variants.wide.model.layers.0.widht"
    assert err.line == 10 and err.line > header
    assert err.hint == "did you mean 'width'?"
    assert err.problem == "unknown key (in variant 'wide')"
    assert str(err) == ("case.toml:10: variants.wide.model.layers.0.widht: unknown key (in variant 'wide') "
                        "(did you mean 'width'?)")


def test_variant_bad_value_points_into_variant():
    text = BASE + '\n[variants.narrow]\nmodel.layers.0.width = 0\n'
    err = fail(text)
    assert_fields(err, line=9, key="variants.narrow.model.layers.0.width", value=0,
                  expected="an integer in [1, 4096]", problem="bad value (in variant 'narrow')")


def test_variant_nested_table_typo_points_into_variant():
    text = BASE + textwrap.dedent("""\

        [variants.fast.training]
        optimizer = "adam"
        lerning_rate = 0.5
        """)
    err = fail(text)
    assert err.key == "variants.fast.training.lerning_rate"
    assert err.line == line_with(text, "lerning_rate") == 10
    assert err.hint == "did you mean 'learning_rate'?"


def test_variant_breaking_a_base_key_points_at_the_base():
    """The base's own negative_slope becomes wrong when the variant switches to relu: blame the base line."""
    text = textwrap.dedent("""\
        [data]
        generator = "xor"

        [[model.layers]]
        width = 4
        activation = "leaky_relu"
        negative_slope = 0.1

        [variants.plain]
        model.layers.0.activation = "relu"
        """)
    err = fail(text)
    assert_fields(err, line=7, key="model.layers[0].negative_slope", value=0.1,
                  problem="only used with activation 'leaky_relu' or 'prelu' (in variant 'plain')")


@pytest.mark.parametrize(("index", "expected"), [("1", "an index from 0 to 0"), ("7", "an index from 0 to 0"),
                                                 ("first", "an index from 0 to 0")])
def test_variant_indexing_a_missing_layer(index, expected):
    text = BASE + f"\n[variants.deep]\nmodel.layers.{index}.width = 8\n"
    err = fail(text)
    assert_fields(err, line=9, key=f"variants.deep.model.layers.{index}", expected=expected,
                  problem="no such array element")
    assert str(err) == f"case.toml:9: variants.deep.model.layers.{index}: no such array element; expected {expected}"


def test_variant_index_with_a_non_ascii_digit():
    err = fail(BASE + '\n[variants.deep]\nmodel.layers."\u00b2".width = 8\n')
    assert (err.key, err.line, err.problem) == ("variants.deep.model.layers.\u00b2", 9, "no such array element")


def test_variant_not_a_table():
    err = fail(BASE + "\n[variants]\nfast = 3\n")
    assert_fields(err, line=9, key="variants.fast", value=3, expected="a table of keys", problem="not a table")


def test_variant_bad_summary():
    err = fail(BASE + "\n[variants.fast]\nsummary = 3\n")
    assert_fields(err, line=9, key="variants.fast.summary", value=3, expected="a string", problem="bad value")


def test_unknown_variant_requested():
    scenario = loads_scenario(BASE + "\n[variants.wide]\nmodel.layers.0.width = 8\n", source=SOURCE)
    with pytest.raises(ScenarioError) as info:
        scenario.with_variant("wdie")
    err = checked(info.value)
    assert_fields(err, key="variants", value="wdie", expected="one of base, wide", hint="did you mean 'wide'?",
                  problem="no such variant")


# --------------------------------------------------------------------------- messages stay on one line


def test_key_with_line_breaks_stays_on_one_line():
    err = fail('"bad\\nkey\\u2028here" = 1\n' + BASE)
    assert err.key == "bad\nkey\u2028here"
    assert str(err) == "case.toml:1: bad\\nkey\\u2028here: unknown key"


def test_multiline_value_stays_on_one_line():
    text = textwrap.dedent('''\
        description = """
        seed = 1
        """
        seed = """
        two
        lines"""
        ''') + BASE
    err = fail(text)
    assert_fields(err, line=4, key="seed", value="two\nlines", expected="an integer in [0, 4.29497e+09]",
                  problem="bad value")
    assert str(err) == "case.toml:4: seed = 'two\\nlines': bad value; expected an integer in [0, 4.29497e+09]"


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 2\n[variants.v]\nseed = 3\n', "variants.v.seed",
         "a variant cannot change the seed"),
        ('[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 2\n[training]\noptimizer = "adam"\nmomentum = 0.5\n',
         "training.momentum", "not used by optimizer 'adam'"),
        ('[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 2\nbias_init = { kind = "zeros", value = 2 }\n',
         "model.layers[0].bias_init.value", "unknown key"),
        ('[data]\ngenerator = "xor"\n[model]\n', "model.layers", "missing key"),
    ],
)
def test_rules_added_after_review(text, key, problem):
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text, source="case.toml")
    assert info.value.key == key and info.value.problem == problem and info.value.source == "case.toml"


def test_he_gain_auto_may_be_written_out():
    text = '[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 2\nweight_init = { kind = "he_normal", gain = "auto" }\n'
    assert loads_scenario(text).model.layers[0].weight_init.params["gain"] == "auto"


def test_a_bias_kind_hint_never_repeats_the_rejected_alias():
    text = '[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 2\nbias_init = "glorot_uniform"\n'
    with pytest.raises(ScenarioError) as info:
        loads_scenario(text)
    assert "glorot_uniform'?" not in str(info.value) and "'glorot_uniform'," not in str(info.value)


def test_a_missing_label_column_points_at_the_scenario(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,0\n2,3,1\n3,4,0\n4,5,1\n")
    scenario = tmp_path / "s.toml"
    scenario.write_text('[data]\ncsv = "d.csv"\nlabel_column = "lable"\n[[model.layers]]\nwidth = 2\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(scenario)
    assert (info.value.source, info.value.line, info.value.key) == (str(scenario), 3, "data.label_column")
