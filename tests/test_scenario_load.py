"""Scenarios that are right load into the values they say, variants included."""

from __future__ import annotations

import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import Activation, scenario_kinds
from relu_tui.spec.bundled import bundled, find_scenario, scenarios_dir
from relu_tui.spec.generators import GENERATORS
from relu_tui.spec.inits import InitSpec
from relu_tui.spec.locate import KeyLocator
from relu_tui.spec.scenario import Event, load_scenario, loads_scenario

HEAD = textwrap.dedent("""\
    [data]
    generator = "xor"

    """)


def load(text: str, source: str | Path | None = None):
    return loads_scenario(textwrap.dedent(text), source=source)


def one_layer(layer_lines: str, n_features_head: str = HEAD):
    """The single hidden layer of a scenario whose layer table holds ``layer_lines``."""
    scenario = loads_scenario(n_features_head + "[[model.layers]]\n" + textwrap.dedent(layer_lines))
    assert len(scenario.model.layers) == 1
    return scenario.model.layers[0]


# --------------------------------------------------------------------------- the bundled scenario


@pytest.fixture(scope="module")
def negative_init():
    return load_scenario(find_scenario("negative_init"))


def test_negative_init_base(negative_init):
    s = negative_init
    assert s.name == "negative_init"
    assert s.title == "Born dead: negative weights on positive inputs"
    assert s.description.startswith("Two always-positive inputs feed one ReLU unit")
    assert s.description == s.description.strip()
    assert s.seed == 0
    assert s.variant == "base" and s.summary == ""
    assert s.source == scenarios_dir() / "negative_init.toml"


def test_negative_init_data(negative_init):
    d = negative_init.data
    assert d.generator == "positive_line"
    assert d.n_samples == 200
    assert d.params == {"low": 0.5, "high": 5.0, "slope": 1.0, "intercept": 0.0}
    assert d.noise == 0.0 and d.test_fraction == 0.2
    assert d.transform == "none" and d.shift == 0.0
    assert (d.n_features, d.n_classes) == (2, 2)
    assert d.csv is None and d.table is None
    assert d.describe() == "positive_line, 200 samples"


def test_negative_init_model(negative_init):
    (layer,) = negative_init.model.layers
    assert layer.name == "hidden1"
    assert layer.width == 1
    assert layer.activation.kind == "relu" and layer.activation.can_die
    assert layer.weight_init == InitSpec("uniform", {"low": -0.05, "high": 0.0})
    assert layer.bias_init == InitSpec("constant", {"value": 0.0})
    assert negative_init.model.output.weight_init == InitSpec("uniform", {"low": -0.05, "high": 0.05})
    assert negative_init.model.output.bias_init == InitSpec("constant", {"value": 0.0})
    assert layer.weight_init.describe() == "uniform(low=-0.05, high=0)"


def test_negative_init_training(negative_init):
    t = negative_init.training
    assert t.optimizer == "adam"
    assert t.learning_rate == 0.02
    assert t.epochs == 200
    assert t.momentum == 0.0 and t.weight_decay == 0.0
    assert t.batch_size is None
    assert t.events == ()
    assert negative_init.diagnosis.sparse_threshold == 0.1


def test_negative_init_variants(negative_init):
    assert negative_init.variant_names == ("base", "leaky", "standardized")
    assert negative_init.with_variant("base") is negative_init

    leaky = negative_init.with_variant("leaky")
    assert leaky.variant == "leaky"
    assert leaky.summary.startswith("Leaky ReLU (slope 0.01)")
    assert leaky.model.layers[0].activation == Activation("leaky_relu", {"negative_slope": 0.01})
    assert not leaky.model.layers[0].activation.can_die
    assert leaky.data == negative_init.data
    assert leaky.model.layers[0].weight_init == negative_init.model.layers[0].weight_init

    standardized = negative_init.with_variant("standardized")
    assert standardized.data.transform == "standardize"
    assert standardized.data.describe() == "positive_line, 200 samples, standardized"
    assert standardized.model == negative_init.model
    assert standardized.training == negative_init.training
    # the base is untouched by its variants
    assert negative_init.data.transform == "none"
    assert negative_init.model.layers[0].activation.kind == "relu"


def test_every_bundled_scenario_loads_with_every_variant():
    paths = bundled()
    assert scenarios_dir() / "negative_init.toml" in paths
    for path in paths:
        scenario = load_scenario(path)
        for name in scenario.variant_names:
            assert scenario.with_variant(name).variant == name


# --------------------------------------------------------------------------- variants merge


def test_dotted_variant_keys_index_layers():
    s = load("""\
        [data]
        generator = "xor"

        [[model.layers]]
        width = 4

        [[model.layers]]
        width = 3
        activation = "tanh"

        [variants.mixed]
        model.layers.0.activation = "elu"
        model.layers.0.alpha = 0.5
        model.layers.1.width = 7
        training.learning_rate = 0.3
        """)
    v = s.with_variant("mixed")
    assert [layer.width for layer in v.model.layers] == [4, 7]
    assert v.model.layers[0].activation == Activation("elu", {"alpha": 0.5})
    assert v.model.layers[1].activation.kind == "tanh"
    assert v.training.learning_rate == 0.3
    assert [layer.width for layer in s.model.layers] == [4, 3]
    assert s.training.learning_rate == 0.1


def test_variant_as_nested_tables_merges_like_dotted_keys():
    dotted = load(HEAD + '[[model.layers]]\nwidth = 2\n\n[variants.v]\ndata.noise = 0.3\ndata.n_samples = 50\n')
    nested = load(HEAD + '[[model.layers]]\nwidth = 2\n\n[variants.v.data]\nnoise = 0.3\nn_samples = 50\n')
    inline = load(HEAD + '[[model.layers]]\nwidth = 2\n\n[variants.v]\ndata = { noise = 0.3, n_samples = 50 }\n')
    for s in (dotted, nested, inline):
        data = s.with_variant("v").data
        assert (data.generator, data.noise, data.n_samples) == ("xor", 0.3, 50)


def test_init_table_with_kind_replaces_instead_of_merging():
    s = load(HEAD + textwrap.dedent("""\
        [[model.layers]]
        width = 2
        weight_init = { kind = "uniform", low = -1.0, high = 1.0 }

        [variants.normal]
        model.layers.0.weight_init = { kind = "normal", std = 0.1 }

        [variants.narrower]
        model.layers.0.weight_init = { high = 0.5 }

        [variants.narrowest]
        model.layers.0.weight_init.low = -0.25
        """))
    assert s.model.layers[0].weight_init == InitSpec("uniform", {"low": -1.0, "high": 1.0})
    # with a kind: replaced (a merge would keep low/high and fail as unknown keys of 'normal')
    assert s.with_variant("normal").model.layers[0].weight_init == InitSpec("normal", {"mean": 0.0, "std": 0.1})
    # without a kind: merged into the base table
    assert s.with_variant("narrower").model.layers[0].weight_init == InitSpec("uniform", {"low": -1.0, "high": 0.5})
    assert s.with_variant("narrowest").model.layers[0].weight_init == InitSpec("uniform", {"low": -0.25, "high": 1.0})


def test_variant_weight_init_drops_base_weights_and_vice_versa():
    s = load(HEAD + textwrap.dedent("""\
        [[model.layers]]
        width = 2
        weights = [[1.0, 2.0], [3.0, 4.0]]
        bias_init = "default"
        """) + textwrap.dedent("""\

        [variants.drawn]
        model.layers.0.weight_init = "he_normal"

        [variants.explicit_bias]
        model.layers.0.bias = [0.5, -0.5]

        [variants.both]
        model.layers.0.weight_init = 0.25
        model.layers.0.bias = [1, 2]
        """))
    base = s.model.layers[0]
    assert base.weight_init == InitSpec("explicit", values=((1.0, 2.0), (3.0, 4.0)))
    assert base.bias_init == InitSpec("default")
    drawn = s.with_variant("drawn").model.layers[0]
    assert drawn.weight_init == InitSpec("he_normal", {"gain": "auto", "mode": "fan_in"})
    explicit_bias = s.with_variant("explicit_bias").model.layers[0]
    assert explicit_bias.bias_init == InitSpec("explicit", values=(0.5, -0.5))
    assert explicit_bias.weight_init == base.weight_init
    both = s.with_variant("both").model.layers[0]
    assert both.weight_init == InitSpec("constant", {"value": 0.25})
    assert both.bias_init == InitSpec("explicit", values=(1.0, 2.0))


def test_variant_weights_drop_base_weight_init():
    s = load(HEAD + '[[model.layers]]\nwidth = 1\nweight_init = "orthogonal"\n\n'
                    '[variants.fixed]\nmodel.layers.0.weights = [[-1, -2]]\n')
    assert s.with_variant("fixed").model.layers[0].weight_init == InitSpec("explicit", values=((-1.0, -2.0),))
    assert s.model.layers[0].weight_init == InitSpec("orthogonal", {"gain": 1.0})


def test_variant_summary_and_inherited_fields():
    s = load("""\
        name = "demo"
        title = "Demo"
        seed = 42

        [data]
        generator = "moons"

        [[model.layers]]
        width = 8

        [variants.a]
        summary = "first"
        training.epochs = 7

        [variants.b-2]
        """)
    assert s.variant_names == ("base", "a", "b-2")
    a, b = s.with_variant("a"), s.with_variant("b-2")
    assert (a.summary, a.seed, a.name, a.title, a.training.epochs) == ("first", 42, "demo", "Demo", 7)
    assert (b.summary, b.seed, b.data, b.model, b.training) == ("", 42, s.data, s.model, s.training)
    assert a.variants == {} and b.variant == "b-2"


def test_variant_events_replace_the_array():
    s = load(HEAD + textwrap.dedent("""\
        [[model.layers]]
        width = 2

        [[training.events]]
        epoch = 10
        learning_rate = 0.01

        [variants.late]
        training.events = [{ epoch = 50, learning_rate = 0.5 }, { epoch = 20, learning_rate = 0.05 }]
        """))
    assert s.training.events == (Event(10, 0.01),)
    late = s.with_variant("late").training
    assert late.events == (Event(20, 0.05), Event(50, 0.5))
    assert [late.learning_rate_at(e) for e in (1, 19, 20, 49, 50, 99)] == [0.1, 0.1, 0.05, 0.05, 0.5, 0.5]


# --------------------------------------------------------------------------- inits

STRING_INITS = [
    ("default", InitSpec("default")),
    ("he_normal", InitSpec("he_normal", {"gain": "auto", "mode": "fan_in"})),
    ("he_uniform", InitSpec("he_uniform", {"gain": "auto", "mode": "fan_in"})),
    ("xavier_normal", InitSpec("xavier_normal", {"gain": 1.0})),
    ("xavier_uniform", InitSpec("xavier_uniform", {"gain": 1.0})),
    ("orthogonal", InitSpec("orthogonal", {"gain": 1.0})),
    ("kaiming_normal", InitSpec("he_normal", {"gain": "auto", "mode": "fan_in"})),
    ("kaiming_uniform", InitSpec("he_uniform", {"gain": "auto", "mode": "fan_in"})),
    ("glorot_normal", InitSpec("xavier_normal", {"gain": 1.0})),
    ("glorot_uniform", InitSpec("xavier_uniform", {"gain": 1.0})),
    ("zeros", InitSpec("constant", {"value": 0.0})),
]


@pytest.mark.parametrize(("text", "spec"), STRING_INITS, ids=[t for t, _ in STRING_INITS])
def test_init_string_form(text, spec):
    assert one_layer(f'width = 3\nweight_init = "{text}"\n').weight_init == spec


@pytest.mark.parametrize(("text", "value"), [("0", 0.0), ("0.1", 0.1), ("-2", -2.0), ("1e-3", 0.001)])
def test_init_number_form_is_a_constant(text, value):
    layer = one_layer(f"width = 3\nweight_init = {text}\nbias_init = {text}\n")
    assert layer.weight_init == InitSpec("constant", {"value": value})
    assert layer.bias_init == InitSpec("constant", {"value": value})
    assert isinstance(layer.weight_init.params["value"], float)


TABLE_INITS = [
    ('{ kind = "default" }', InitSpec("default")),
    ('{ kind = "uniform", low = -0.5, high = 0.5 }', InitSpec("uniform", {"low": -0.5, "high": 0.5})),
    ('{ kind = "uniform", low = 0.2, high = 0.2 }', InitSpec("uniform", {"low": 0.2, "high": 0.2})),
    ('{ kind = "normal", std = 0.3 }', InitSpec("normal", {"mean": 0.0, "std": 0.3})),
    ('{ kind = "normal", mean = -1, std = 0 }', InitSpec("normal", {"mean": -1.0, "std": 0.0})),
    ('{ kind = "constant", value = 0.7 }', InitSpec("constant", {"value": 0.7})),
    ('{ kind = "zeros" }', InitSpec("constant", {"value": 0.0})),
    ('{ kind = "he_normal", gain = 1.5, mode = "fan_out" }', InitSpec("he_normal", {"gain": 1.5, "mode": "fan_out"})),
    ('{ kind = "he_uniform", mode = "fan_out" }', InitSpec("he_uniform", {"gain": "auto", "mode": "fan_out"})),
    ('{ kind = "kaiming_uniform", gain = 2 }', InitSpec("he_uniform", {"gain": 2.0, "mode": "fan_in"})),
    ('{ kind = "xavier_normal", gain = 0.5 }', InitSpec("xavier_normal", {"gain": 0.5})),
    ('{ kind = "glorot_uniform", gain = 3 }', InitSpec("xavier_uniform", {"gain": 3.0})),
    ('{ kind = "orthogonal", gain = 1.41 }', InitSpec("orthogonal", {"gain": 1.41})),
]


@pytest.mark.parametrize(("text", "spec"), TABLE_INITS, ids=[s.kind + str(i) for i, (_, s) in enumerate(TABLE_INITS)])
def test_init_table_form(text, spec):
    assert one_layer(f"width = 3\nweight_init = {text}\n").weight_init == spec


def test_init_as_its_own_table():
    layer = one_layer('width = 3\n\n[model.layers.weight_init]\nkind = "normal"\nmean = 0.5\nstd = 0.25\n')
    assert layer.weight_init == InitSpec("normal", {"mean": 0.5, "std": 0.25})


@pytest.mark.parametrize("kind", ["default", "uniform", "normal", "constant"])
def test_bias_kinds(kind):
    params = {"default": "", "uniform": ", low = -1, high = 2", "normal": ", std = 1", "constant": ", value = 3"}
    layer = one_layer(f'width = 2\nbias_init = {{ kind = "{kind}"{params[kind]} }}\n')
    assert layer.bias_init.kind == kind


def test_default_inits_and_explicit_values():
    layer = one_layer("width = 2\n")
    assert (layer.weight_init, layer.bias_init) == (InitSpec("default"), InitSpec("default"))
    layer = one_layer("width = 2\nweights = [[1, -1], [0.5, 2]]\nbias = [0, 0.25]\n")
    assert layer.weight_init == InitSpec("explicit", values=((1.0, -1.0), (0.5, 2.0)))
    assert layer.bias_init == InitSpec("explicit", values=(0.0, 0.25))
    assert layer.weight_init.describe() == "explicit values"


def test_output_explicit_weights_for_multiclass():
    s = load("""\
        [data]
        generator = "blobs"
        n_classes = 3

        [[model.layers]]
        width = 2

        [model.output]
        weights = [[1, 0], [0, 1], [1, 1]]
        bias = [0, 0, 0]
        """)
    assert s.model.output.weight_init.values == ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0))
    assert s.model.output.bias_init.values == (0.0, 0.0, 0.0)


# --------------------------------------------------------------------------- activations

ACTIVATION_CASES = [
    ('activation = "relu"', Activation("relu")),
    ('activation = "leaky_relu"', Activation("leaky_relu", {"negative_slope": 0.01})),
    ('activation = "leaky_relu"\nnegative_slope = 0', Activation("leaky_relu", {"negative_slope": 0.0})),
    ('activation = "prelu"', Activation("prelu", {"negative_slope": 0.25})),
    ('activation = "prelu"\nnegative_slope = 0.1', Activation("prelu", {"negative_slope": 0.1})),
    ('activation = "elu"', Activation("elu", {"alpha": 1.0})),
    ('activation = "elu"\nalpha = 0.5', Activation("elu", {"alpha": 0.5})),
    ('activation = "gelu"', Activation("gelu")),
    ('activation = "tanh"', Activation("tanh")),
    ('activation = "sigmoid"', Activation("sigmoid")),
    ('activation = "identity"', Activation("identity")),
    ('activation = "linear"', Activation("identity")),
    ('activation = "leaky"', Activation("leaky_relu", {"negative_slope": 0.01})),
    ('activation = "leakyrelu"\nnegative_slope = 0.2', Activation("leaky_relu", {"negative_slope": 0.2})),
    ("", Activation("relu")),
]


@pytest.mark.parametrize(("lines", "activation"), ACTIVATION_CASES, ids=[f"{a.kind}{i}" for i, (_, a) in
                                                                           enumerate(ACTIVATION_CASES)])
def test_activation(lines, activation):
    """The kind and every parameter, defaults included (an activation holds its own parameters only)."""
    layer = one_layer(f"width = 2\n{lines}\n")
    assert layer.activation == activation


def test_every_activation_is_covered():
    assert {a.kind for _, a in ACTIVATION_CASES} == set(scenario_kinds())


# --------------------------------------------------------------------------- generators

GENERATOR_SHAPES = {
    "positive_line": (2, 2, 0.0), "blobs": (2, 3, 0.5), "xor": (2, 2, 0.05), "circles": (2, 2, 0.05),
    "moons": (2, 2, 0.1), "spiral": (2, 2, 0.02), "random_teacher": (784, 10, 0.0), "sine": (1, 0, 0.05),
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_every_generator_loads_with_defaults(name):
    s = loads_scenario(f'[data]\ngenerator = "{name}"\n\n[[model.layers]]\nwidth = 2\n')
    n_features, n_classes, noise = GENERATOR_SHAPES[name]
    assert s.data.generator == name
    assert (s.data.n_features, s.data.n_classes, s.data.noise) == (n_features, n_classes, noise)
    assert s.data.n_samples == 200 and s.data.test_fraction == 0.2
    assert s.data.params == {key: default for key, (_, default) in GENERATORS[name].params.items()}


def test_generator_table_is_complete():
    assert set(GENERATOR_SHAPES) == set(GENERATORS)


def test_generator_parameters_shape_the_data():
    s = load("""\
        [data]
        generator = "blobs"
        n_classes = 5
        n_features = 7
        radius = 1.5
        noise = 0
        n_samples = 4

        [[model.layers]]
        width = 2
        weights = [[1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 0]]
        """)
    assert (s.data.n_features, s.data.n_classes, s.data.noise, s.data.n_samples) == (7, 5, 0.0, 4)
    assert s.data.params == {"n_classes": 5, "n_features": 7, "radius": 1.5}
    assert len(s.model.layers[0].weight_init.values[0]) == 7


def test_data_transform_and_training_defaults():
    s = load(HEAD + '[[model.layers]]\nwidth = 2\n')
    assert (s.data.transform, s.data.shift) == ("none", 0.0)
    t = s.training
    assert (t.optimizer, t.learning_rate, t.momentum, t.batch_size, t.weight_decay, t.epochs) == \
        ("sgd", 0.1, 0.0, None, 0.0, 100)
    assert s.name == "scenario" and s.title == "scenario" and s.description == ""
    shifted = load('[data]\ngenerator = "xor"\ntransform = "shift"\nshift = -2\n\n[[model.layers]]\nwidth = 2\n')
    assert (shifted.data.transform, shifted.data.shift) == ("shift", -2.0)
    assert shifted.data.describe() == "xor, 200 samples, shifted by -2"
    momentum = load(HEAD + '[[model.layers]]\nwidth = 2\n\n[training]\noptimizer = "momentum"\nbatch_size = 16\n')
    assert (momentum.training.momentum, momentum.training.batch_size) == (0.9, 16)
    full = load(HEAD + '[[model.layers]]\nwidth = 2\n\n[training]\nbatch_size = "full"\n')
    assert full.training.batch_size is None


def test_events_are_sorted_and_rate_follows_them():
    s = load(HEAD + textwrap.dedent("""\
        [[model.layers]]
        width = 2

        [training]
        learning_rate = 0.5

        [[training.events]]
        epoch = 30
        learning_rate = 0.01

        [[training.events]]
        epoch = 10
        learning_rate = 0.1
        """))
    assert s.training.events == (Event(10, 0.1), Event(30, 0.01))
    assert [s.training.learning_rate_at(e) for e in (1, 9, 10, 29, 30, 1000)] == [0.5, 0.5, 0.1, 0.1, 0.01, 0.01]


def test_name_defaults_to_file_stem(tmp_path):
    path = tmp_path / "my_experiment.toml"
    path.write_text(HEAD + "[[model.layers]]\nwidth = 2\n")
    s = load_scenario(path)
    assert (s.name, s.title, s.source) == ("my_experiment", "my_experiment", path)


# --------------------------------------------------------------------------- CSV data


def csv_scenario(tmp_path: Path, rows: str, data_extra: str = "", name: str = "points.csv"):
    (tmp_path / name).write_text(textwrap.dedent(rows))
    path = tmp_path / "own.toml"
    path.write_text(f'[data]\ncsv = "{name}"\n{textwrap.dedent(data_extra)}\n[[model.layers]]\nwidth = 2\n')
    return load_scenario(path)


def test_csv_with_header(tmp_path):
    s = csv_scenario(tmp_path, """\
        height, weight ,class
        1.0,2.0,0
        1.5,2.5,1

        2.0,3.0,0
        2.5,3.5,1
        3.0,4.0,1
        """)
    d = s.data
    assert d.csv == tmp_path / "points.csv"
    assert d.generator is None
    assert (d.n_samples, d.n_features, d.n_classes) == (5, 2, 2)
    assert d.table.feature_names == ("height", "weight")
    assert d.table.label_name == "class"
    assert d.table.features.tolist() == [[1.0, 2.0], [1.5, 2.5], [2.0, 3.0], [2.5, 3.5], [3.0, 4.0]]
    assert d.table.labels.tolist() == [0, 1, 0, 1, 1]
    assert d.describe() == f"csv {tmp_path / 'points.csv'}"


def test_csv_without_header(tmp_path):
    s = csv_scenario(tmp_path, "1,2,3,0\n4,5,6,1\n7,8,9,2\n1,1,1,0\n")
    t = s.data.table
    assert t.feature_names == ("x1", "x2", "x3")
    assert t.label_name == "x4"
    assert t.features.shape == (4, 3)
    assert (s.data.n_features, s.data.n_classes) == (3, 3)


@pytest.mark.parametrize(("label", "label_name", "features"), [
    ('"a"', "a", ("b", "y")), ("0", "a", ("b", "y")), ("1", "b", ("a", "y")), ("-1", "y", ("a", "b")),
    ("-3", "a", ("b", "y")), ('"y"', "y", ("a", "b")),
])
def test_csv_label_column(tmp_path, label, label_name, features):
    s = csv_scenario(tmp_path, "a,b,y\n0,10,0.5\n1,20,1.5\n0,30,2.5\n1,40,3.5\n", f"label_column = {label}\n")
    assert s.data.table.label_name == label_name
    assert s.data.table.feature_names == features
    column = {"a": [0, 1, 0, 1], "b": [10, 20, 30, 40], "y": [0.5, 1.5, 2.5, 3.5]}
    assert s.data.table.labels.tolist() == column[label_name]


def test_csv_auto_task(tmp_path):
    classification = csv_scenario(tmp_path, "x,y\n0.1,3\n0.2,7\n0.3,3\n0.4,7\n0.5,9\n")
    assert classification.data.n_classes == 3
    regression = csv_scenario(tmp_path, "x,y\n0.1,0.5\n0.2,1.25\n0.3,3\n0.4,7\n")
    assert regression.data.n_classes == 0
    integer_but_forced = csv_scenario(tmp_path, "x,y\n0.1,3\n0.2,7\n0.3,3\n0.4,7\n", 'task = "regression"\n')
    assert integer_but_forced.data.n_classes == 0
    too_many = csv_scenario(tmp_path, "x,y\n" + "".join(f"{i},{i}\n" for i in range(70)))
    assert too_many.data.n_classes == 0  # 70 integer values are a regression target, not 70 classes
    floats_integral = csv_scenario(tmp_path, "x,y\n1,1.0\n2,0.0\n3,1.0\n4,0.0\n", 'task = "classification"\n')
    assert floats_integral.data.n_classes == 2


def test_csv_absolute_path_and_transform(tmp_path):
    (tmp_path / "abs.csv").write_text("a,y\n1,0\n2,1\n3,0\n4,1\n")
    s = load(f'[data]\ncsv = "{tmp_path / "abs.csv"}"\ntransform = "standardize"\n\n[[model.layers]]\nwidth = 1\n',
             source="/nowhere/else.toml")
    assert s.data.csv == tmp_path / "abs.csv"
    assert s.data.transform == "standardize"


# --------------------------------------------------------------------------- repeat, with_seed


def test_repeat_expands_layers_with_distinct_names():
    s = load(HEAD + textwrap.dedent("""\
        [[model.layers]]
        width = 5
        repeat = 3
        activation = "leaky_relu"
        weight_init = "he_uniform"

        [[model.layers]]
        name = "block"
        width = 4
        repeat = 2

        [[model.layers]]
        width = 1
        """))
    layers = s.model.layers
    assert [layer.name for layer in layers] == ["hidden1", "hidden2", "hidden3", "block_4", "block_5", "hidden6"]
    assert len({layer.name for layer in layers}) == len(layers)
    assert [layer.width for layer in layers] == [5, 5, 5, 4, 4, 1]
    assert all(layer.activation.kind == "leaky_relu" for layer in layers[:3])
    assert all(layer.weight_init == InitSpec("he_uniform", {"gain": "auto", "mode": "fan_in"}) for layer in layers[:3])


def test_repeat_one_keeps_the_given_name():
    s = load(HEAD + '[[model.layers]]\nname = "only"\nwidth = 2\nrepeat = 1\n')
    assert [layer.name for layer in s.model.layers] == ["only"]


def test_with_seed(negative_init):
    other = negative_init.with_seed(123)
    assert other.seed == 123
    assert negative_init.seed == 0
    assert other.variant_names == negative_init.variant_names
    assert all(other.with_variant(n).seed == 123 for n in other.variant_names)
    assert all(negative_init.with_variant(n).seed == 0 for n in negative_init.variant_names)
    assert replace(other, seed=0) == negative_init
    assert other.with_variant("leaky").model == negative_init.with_variant("leaky").model


# --------------------------------------------------------------------------- find_scenario


@pytest.mark.parametrize("name", ["negative_init", "negative_init.toml"])
def test_find_scenario_bare_name(name):
    assert find_scenario(name) == scenarios_dir() / "negative_init.toml"


def test_find_scenario_existing_path(tmp_path):
    path = tmp_path / "negative_init.toml"
    path.write_text("")
    assert find_scenario(path) == path
    assert find_scenario(str(path)) == path


def test_find_scenario_did_you_mean():
    with pytest.raises(ScenarioError) as info:
        find_scenario("negativ_init")
    err = info.value
    assert err.source == "negativ_init"
    assert err.problem == "file not found"
    assert err.hint == "did you mean 'negative_init'?"
    assert "negative_init" in err.expected
    assert str(err).startswith("negativ_init: file not found; expected a scenario .toml file or a bundled name (")
    assert str(err).endswith("(did you mean 'negative_init'?)")


def test_find_scenario_does_not_search_bundled_for_paths(tmp_path):
    with pytest.raises(ScenarioError) as info:
        find_scenario(tmp_path / "negative_init.toml")
    assert info.value.source == str(tmp_path / "negative_init.toml")


# --------------------------------------------------------------------------- KeyLocator

LOCATOR_TEXT = textwrap.dedent('''\
    title = "t"                       # 1
    description = """                 # 2
    x = 1
    [data]
    """
    seed = 0                          # 6

    [data]                            # 8
    generator = "xor"                 # 9
    noise = [                         # 10
      0.1,
      [0.2, 0.3],
    ]
    y = 2                             # 14

    [[model.layers]]                  # 16
    width = 3                         # 17
    weights = [[1, 2],                # 18
               [3, 4],
               [5, 6]]
    weight_init.kind = "uniform"      # 21

    [[model.layers]]                  # 23
    width = 4                         # 24

    [model.layers.bias_init]          # 26
    kind = "normal"                   # 27

    [model.output]                    # 29
    "quoted key" = 1                  # 30
    'literal' = 2                     # 31

    [variants.leaky]                  # 33
    model.layers.0.activation = "leaky_relu"   # 34
    model . layers . 1 . width = 8    # 35

    [variants.other.model]            # 37
    x = 0                             # 38
    ''')


@pytest.fixture(scope="module")
def locator():
    return KeyLocator(LOCATOR_TEXT)


@pytest.mark.parametrize(("path", "line"), [
    (("title",), 1),
    (("description",), 2),
    (("seed",), 6),
    (("data",), 8),
    (("data", "generator"), 9),
    (("data", "noise"), 10),
    (("data", "y"), 14),
    (("model", "layers", 0), 16),
    (("model", "layers", "0"), 16),
    (("model", "layers", 0, "width"), 17),
    (("model", "layers", 0, "weights"), 18),
    (("model", "layers", 0, "weight_init"), 21),
    (("model", "layers", 0, "weight_init", "kind"), 21),
    (("model", "layers", 1), 23),
    (("model", "layers", 1, "width"), 24),
    (("model", "layers", 1, "bias_init"), 26),
    (("model", "layers", 1, "bias_init", "kind"), 27),
    (("model", "layers"), 16),
    (("model",), 16),
    (("model", "output"), 29),
    (("model", "output", "quoted key"), 30),
    (("model", "output", "literal"), 31),
    (("variants", "leaky"), 33),
    (("variants", "leaky", "model", "layers", "0", "activation"), 34),
    (("variants", "leaky", "model", "layers", "0"), 34),
    (("variants", "leaky", "model", "layers", "1", "width"), 35),
    (("variants", "other", "model", "x"), 38),
    (("variants", "other"), 37),
])
def test_locator_lines(locator, path, line):
    assert locator.line(path) == line


def test_locator_comment_numbers_agree_with_text():
    import tomllib

    assert tomllib.loads(LOCATOR_TEXT)["variants"]["leaky"]["model"]["layers"]["1"]["width"] == 8
    for number, text in enumerate(LOCATOR_TEXT.splitlines(), start=1):
        if "# " in text and text.split("# ")[-1].strip().isdigit():
            assert int(text.split("# ")[-1]) == number


def test_locator_is_not_fooled_by_strings_and_arrays(locator):
    assert ("x",) not in locator.lines  # 'x = 1' inside the multi-line description
    assert locator.line(("x",)) is None
    assert locator.lines[("data",)] == 8  # '[data]' inside the description is not a header
    assert ("data", "noise", "0") not in locator.lines
    assert not any(line in (3, 4, 5, 11, 12, 13, 19, 20) for line in locator.lines.values())


def test_locator_falls_back_to_the_longest_written_prefix(locator):
    assert locator.line(("data", "noise", 1)) == 10
    assert locator.line(("model", "layers", 1, "bias_init", "std")) == 26
    assert locator.line(("training", "epochs")) is None
    assert locator.line(()) is None


def test_locator_literal_multiline_string_and_inline_table():
    text = textwrap.dedent("""\
        a = '''
        b = 2
        '''
        c = { d = 1, e = [
          1, 2] }
        f = 3
        g = \"\"\"one line\"\"\"
        h = 4
        """)
    loc = KeyLocator(text)
    assert loc.lines == {("a",): 1, ("c",): 4, ("f",): 6, ("g",): 7, ("h",): 8}


def test_locator_quoted_key_with_escapes():
    loc = KeyLocator('x = 1\n"tab\\there" = 2\n')
    assert loc.line(("tab\there",)) == 2
