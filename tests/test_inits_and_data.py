"""Initializers draw what they promise, activations compute what they say, generators make sound data."""

from __future__ import annotations

import math
import textwrap

import pytest
import torch

from relu_tui.engine.data import make_dataset, task_of
from relu_tui.engine.inits import draw
from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import Activation, scenario_kinds
from relu_tui.spec.generators import GENERATORS
from relu_tui.spec.inits import BIAS_KINDS, WEIGHT_KINDS, InitSpec, parse_init
from relu_tui.spec.scenario import loads_scenario
from relu_tui.spec.validate import Context


def spec(value) -> InitSpec:
    """An InitSpec as a scenario would write it (string, number or table)."""
    return parse_init(value, ("weight_init",), Context(), tuple(WEIGHT_KINDS))


def rng(seed: int = 0) -> torch.Generator:
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


def drawn(value, shape=(64, 32), seed=0, he_gain=math.sqrt(2.0)) -> torch.Tensor:
    """Draw a weight of ``shape`` = (fan_out, fan_in) as the model does."""
    fan_out, fan_in = shape if len(shape) == 2 else (shape[0], 16)
    return draw(spec(value), shape, rng(seed), fan_in, fan_out, he_gain)


ALL_SPECS = [
    "default", {"kind": "uniform", "low": -0.3, "high": 0.1}, {"kind": "normal", "mean": 0.5, "std": 0.2},
    0.25, "zeros", "he_normal", "he_uniform", "xavier_normal", "xavier_uniform", "orthogonal",
    {"kind": "he_normal", "mode": "fan_out", "gain": 1.0}, {"kind": "orthogonal", "gain": 2.0},
]
SPEC_IDS = ["default", "uniform", "normal", "number", "zeros", "he_normal", "he_uniform", "xavier_normal",
            "xavier_uniform", "orthogonal", "he_fan_out", "orthogonal_gain"]


# --------------------------------------------------------------------------- shapes and determinism


@pytest.mark.parametrize("value", ALL_SPECS, ids=SPEC_IDS)
@pytest.mark.parametrize("shape", [(5, 3), (3, 5), (4, 4), (1, 7), (7, 1)], ids=str)
def test_draw_shape_dtype_and_determinism(value, shape):
    first = drawn(value, shape, seed=11)
    again = drawn(value, shape, seed=11)
    assert first.shape == shape
    assert first.dtype == torch.float32
    assert torch.isfinite(first).all()
    assert torch.equal(first, again)


@pytest.mark.parametrize("value", [v for v in ALL_SPECS if v not in (0.25, "zeros")],
                         ids=[i for v, i in zip(ALL_SPECS, SPEC_IDS) if v not in (0.25, "zeros")])
def test_draw_differs_between_seeds(value):
    assert not torch.equal(drawn(value, (16, 8), seed=1), drawn(value, (16, 8), seed=2))


@pytest.mark.parametrize("kind", BIAS_KINDS)
def test_bias_vectors(kind):
    value = {"default": "default", "uniform": {"kind": "uniform", "low": 0.0, "high": 1.0},
             "normal": {"kind": "normal", "std": 1.0}, "constant": 0.5, "he_normal": "he_normal",
             "he_uniform": "he_uniform"}[kind]
    bias = draw(spec(value), (9,), rng(3), 16, 9, 1.0)
    assert bias.shape == (9,)
    assert torch.equal(bias, draw(spec(value), (9,), rng(3), 16, 9, 1.0))
    if kind == "default":
        assert bias.abs().max() <= 1 / math.sqrt(16)
    if kind == "constant":
        assert torch.equal(bias, torch.full((9,), 0.5))
    if kind == "he_normal":  # symmetric He for biases: std = gain / sqrt(fan_in)
        big = draw(spec(value), (200_000,), rng(3), 16, 9, math.sqrt(2.0))
        assert big.std().item() == pytest.approx(math.sqrt(2.0 / 16), rel=0.02)


def test_draw_uses_only_the_generator_it_is_given():
    torch.manual_seed(0)
    a = drawn("he_normal", seed=5)
    torch.manual_seed(1)
    torch.rand(10)
    b = drawn("he_normal", seed=5)
    assert torch.equal(a, b)


# --------------------------------------------------------------------------- statistics

BIG = (400, 500)  # (fan_out, fan_in): 200k draws


def test_uniform_within_bounds():
    w = drawn({"kind": "uniform", "low": -0.05, "high": 0.0}, BIG)
    assert w.min() >= -0.05 and w.max() <= 0.0
    assert w.min() < -0.0499 and w.max() > -0.0001
    assert abs(w.mean().item() + 0.025) < 5e-4


def test_uniform_degenerate_interval():
    w = drawn({"kind": "uniform", "low": 0.3, "high": 0.3}, (4, 4))
    assert torch.allclose(w, torch.full((4, 4), 0.3))


@pytest.mark.parametrize(("mean", "std"), [(0.0, 1.0), (0.3, 2.0), (-1.0, 0.05)])
def test_normal_mean_and_std(mean, std):
    w = drawn({"kind": "normal", "mean": mean, "std": std}, BIG)
    assert abs(w.mean().item() - mean) < 0.01 * std + 1e-3
    assert abs(w.std().item() - std) < 0.01 * std


def test_normal_zero_std_is_constant():
    assert torch.equal(drawn({"kind": "normal", "mean": 0.7, "std": 0.0}, (3, 3)), torch.full((3, 3), 0.7))


def test_default_matches_pytorch_linear_bound():
    w = drawn("default", BIG)
    bound = 1 / math.sqrt(BIG[1])
    assert w.abs().max() <= bound
    assert w.abs().max() > 0.999 * bound


@pytest.mark.parametrize(("he_gain", "fan_in"), [(math.sqrt(2.0), 500), (1.0, 50),
                                                (Activation("leaky_relu", {"negative_slope": 0.2}).gain, 200)])
def test_he_normal_std(he_gain, fan_in):
    w = drawn("he_normal", (400, fan_in), he_gain=he_gain)
    expected = he_gain / math.sqrt(fan_in)
    assert abs(w.std().item() - expected) < 0.02 * expected
    assert abs(w.mean().item()) < 0.02 * expected


def test_he_normal_relu_std_is_sqrt_two_over_fan_in():
    w = drawn("he_normal", BIG, he_gain=Activation("relu").gain)
    assert abs(w.std().item() - math.sqrt(2 / BIG[1])) < 0.01 * math.sqrt(2 / BIG[1])


def test_he_fan_out_and_explicit_gain():
    w = drawn({"kind": "he_normal", "mode": "fan_out", "gain": 3.0}, (100, 2000), he_gain=99.0)
    expected = 3.0 / math.sqrt(100)
    assert abs(w.std().item() - expected) < 0.02 * expected


def test_he_uniform_bound():
    w = drawn("he_uniform", BIG, he_gain=math.sqrt(2.0))
    bound = math.sqrt(6 / BIG[1])
    assert w.abs().max() <= bound * (1 + 1e-6)
    assert w.abs().max() > 0.999 * bound
    assert abs(w.std().item() - math.sqrt(2 / BIG[1])) < 0.01 * math.sqrt(2 / BIG[1])


@pytest.mark.parametrize("gain", [1.0, 0.5])
def test_xavier_uniform_bound(gain):
    fan_out, fan_in = BIG
    w = drawn({"kind": "xavier_uniform", "gain": gain}, BIG)
    bound = gain * math.sqrt(6 / (fan_in + fan_out))
    assert w.abs().max() <= bound * (1 + 1e-6)
    assert w.abs().max() > 0.999 * bound
    assert abs(w.mean().item()) < 0.01 * bound


def test_xavier_normal_std():
    fan_out, fan_in = BIG
    w = drawn("xavier_normal", BIG)
    expected = math.sqrt(2 / (fan_in + fan_out))
    assert abs(w.std().item() - expected) < 0.01 * expected


@pytest.mark.parametrize("shape", [(3, 8), (8, 3), (6, 6), (1, 5), (5, 1), (64, 256)], ids=str)
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal_rows_or_columns_orthonormal(shape, gain):
    w = drawn({"kind": "orthogonal", "gain": gain}, shape).double()
    rows, cols = shape
    small = min(rows, cols)
    gram = w @ w.T if rows <= cols else w.T @ w
    assert gram.shape == (small, small)
    assert torch.allclose(gram, gain**2 * torch.eye(small, dtype=torch.float64), atol=1e-5)


def test_orthogonal_is_not_a_signed_identity():
    w = drawn("orthogonal", (6, 6))
    assert not torch.allclose(w.abs(), torch.eye(6))
    assert w.is_contiguous()


@pytest.mark.parametrize("value", [0.0, -1.5, 3])
def test_constant(value):
    assert torch.equal(drawn(value, (3, 4)), torch.full((3, 4), float(value)))
    assert torch.equal(drawn({"kind": "constant", "value": value}, (3, 4)), torch.full((3, 4), float(value)))


def test_zeros():
    assert torch.equal(drawn("zeros", (2, 5)), torch.zeros(2, 5))


def test_explicit_values():
    explicit = InitSpec("explicit", values=((1.0, -2.0, 3.0), (0.5, 0.25, -0.125)))
    w = draw(explicit, (2, 3), rng(0), 3, 2, 1.0)
    assert torch.equal(w, torch.tensor([[1.0, -2.0, 3.0], [0.5, 0.25, -0.125]]))
    assert w.dtype == torch.float32
    b = draw(InitSpec("explicit", values=(4.0, 5.0)), (2,), rng(0), 3, 2, 1.0)
    assert torch.equal(b, torch.tensor([4.0, 5.0]))


def test_explicit_values_from_a_scenario():
    s = loads_scenario('[data]\ngenerator = "xor"\n\n[[model.layers]]\nwidth = 3\n'
                       "weights = [[1, 2], [3, 4], [5, 6]]\nbias = [-1, 0, 1]\n")
    layer = s.model.layers[0]
    w = draw(layer.weight_init, (3, 2), rng(0), 2, 3, 1.0)
    assert torch.equal(w, torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    assert torch.equal(draw(layer.bias_init, (3,), rng(0), 2, 3, 1.0), torch.tensor([-1.0, 0.0, 1.0]))


@pytest.mark.parametrize(("activation", "gain"), [
    (Activation("relu"), math.sqrt(2)), (Activation("leaky_relu", {"negative_slope": 0.0}), math.sqrt(2)),
    (Activation("leaky_relu", {"negative_slope": 1.0}), 1.0),
    (Activation("prelu", {"negative_slope": 0.5}), math.sqrt(2 / 1.25)), (Activation("elu"), math.sqrt(2)),
    (Activation("gelu"), math.sqrt(2)), (Activation("tanh"), 5 / 3), (Activation("sigmoid"), 1.0),
    (Activation("identity"), 1.0),
], ids=lambda a: a.describe() if isinstance(a, Activation) else None)
def test_activation_gain(activation, gain):
    assert activation.gain == pytest.approx(gain)


# --------------------------------------------------------------------------- activations

X = torch.tensor([[-2.0, -0.5, 0.0, 1.5], [3.0, -1.0, 0.25, -0.01]])


def _phi(v: float) -> float:
    return 0.5 * (1 + math.erf(v / math.sqrt(2)))


EXPECTED = {
    "relu": lambda v: max(v, 0.0),
    "leaky_relu": lambda v: v if v > 0 else 0.1 * v,
    "prelu": lambda v: v if v > 0 else 0.1 * v,
    "elu": lambda v: v if v > 0 else 0.5 * (math.exp(v) - 1),
    "gelu": lambda v: v * _phi(v),
    "tanh": math.tanh,
    "sigmoid": lambda v: 1 / (1 + math.exp(-v)),
    "identity": lambda v: v,
}


@pytest.mark.parametrize("kind", scenario_kinds())
def test_activation_module_outputs(kind):
    settings = {"negative_slope": 0.1, "alpha": 0.5}
    activation = Activation(kind, {k: v for k, v in settings.items() if k in Activation(kind).params})
    module = activation.module(width=4)
    with torch.no_grad():
        out = module(X)
    expected = torch.tensor([[EXPECTED[kind](v) for v in row] for row in X.tolist()])
    assert out.shape == X.shape
    assert torch.allclose(out, expected, atol=1e-6)


def test_prelu_has_one_learnable_slope_per_unit():
    module = Activation("prelu", {"negative_slope": 0.2}).module(width=4)
    (weight,) = list(module.parameters())
    assert weight.shape == (4,)
    assert torch.allclose(weight, torch.full((4,), 0.2))


@pytest.mark.parametrize(("activation", "dies"), [
    (Activation("relu"), True),
    (Activation("leaky_relu", {"negative_slope": 0.0}), True),
    (Activation("leaky_relu", {"negative_slope": 0.01}), False),
    (Activation("prelu", {"negative_slope": 0.0}), False),
    (Activation("prelu", {"negative_slope": 0.25}), False),
    (Activation("elu"), False),
    (Activation("gelu"), False),
    (Activation("tanh"), False),
    (Activation("sigmoid"), False),
    (Activation("identity"), False),
], ids=lambda a: a if isinstance(a, bool) else a.describe())
def test_can_die(activation, dies):
    assert activation.can_die is dies


def test_an_activation_holds_only_its_own_parameters():
    """A relu has no slope to ignore: giving one is refused (the parser reports it as a scenario error)."""
    with pytest.raises(TypeError, match="'relu' has no parameter 'negative_slope'"):
        Activation("relu", {"negative_slope": 0.25})


def test_dead_relu_passes_no_gradient_and_leaky_does():
    for activation, grad_below_zero in ((Activation("relu"), 0.0),
                                        (Activation("leaky_relu", {"negative_slope": 0.01}), 0.01),
                                        (Activation("leaky_relu", {"negative_slope": 0.0}), 0.0)):
        x = torch.tensor([-1.0, -3.0], requires_grad=True)
        activation.module(2)(x).sum().backward()
        assert torch.allclose(x.grad, torch.full((2,), grad_below_zero))
        assert activation.can_die is (grad_below_zero == 0.0)


def test_activation_describe():
    assert Activation("leaky_relu", {"negative_slope": 0.05}).describe() == "leaky_relu(0.05)"
    assert Activation("prelu", {"negative_slope": 0.25}).describe() == "prelu(0.25)"
    assert Activation("elu", {"alpha": 2.0}).describe() == "elu(2)"
    assert Activation("relu").describe() == "relu"


# --------------------------------------------------------------------------- generators through make_dataset


def data_spec(generator: str, extra: str = ""):
    text = f'[data]\ngenerator = "{generator}"\n{textwrap.dedent(extra)}\n[[model.layers]]\nwidth = 2\n'
    return loads_scenario(text).data


SMALL = {"random_teacher": "n_features = 20\n"}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_shapes_and_labels(name):
    spec_ = data_spec(name, SMALL.get(name, ""))
    data = make_dataset(spec_, seed=0)
    n_test = round(spec_.n_samples * spec_.test_fraction)
    assert data.x_train.shape == (spec_.n_samples - n_test, spec_.n_features)
    assert data.x_test.shape == (n_test, spec_.n_features)
    assert data.y_train.shape == (spec_.n_samples - n_test,)
    assert data.y_test.shape == (n_test,)
    assert data.x_train.dtype == torch.float32
    assert data.n_classes == spec_.n_classes and data.n_features == spec_.n_features
    assert data.feature_names == tuple(f"x{i + 1}" for i in range(spec_.n_features))
    assert torch.isfinite(data.x_train).all() and torch.isfinite(data.x_test).all()
    labels = torch.cat([data.y_train, data.y_test])
    if spec_.n_classes:
        assert data.y_train.dtype == torch.int64
        assert labels.min() >= 0 and labels.max() < spec_.n_classes
        assert set(data.y_train.tolist()) >= {0, 1}
        assert data.task == ("binary" if spec_.n_classes == 2 else "multiclass")
    else:
        assert data.y_train.dtype == torch.float32
        assert data.task == "regression"
        assert labels.abs().max() < 1.5  # sin(.) plus small noise


@pytest.mark.parametrize(("name", "extra"), [("blobs", ""), ("blobs", "n_classes = 5\nn_features = 6\n"),
                                             ("spiral", "n_classes = 4\n")])
def test_multiclass_generators_use_every_class(name, extra):
    """blobs and spiral deal labels round-robin, so every class appears."""
    spec_ = data_spec(name, extra)
    data = make_dataset(spec_, seed=3)
    labels = torch.cat([data.y_train, data.y_test])
    assert set(labels.tolist()) == set(range(spec_.n_classes))
    n, k = spec_.n_samples, spec_.n_classes
    assert torch.bincount(labels).tolist() == [n // k + (i < n % k) for i in range(k)]


def test_random_teacher_labels_are_the_teacher_argmax_classes():
    """A random linear teacher need not make every class win somewhere (with 5 features and 10 classes
    some never do), but its labels are valid classes and more than one of them."""
    for extra in ("n_features = 5\n", "n_features = 40\nn_classes = 4\nlow = -1\nhigh = 1\n"):
        spec_ = data_spec("random_teacher", extra)
        data = make_dataset(spec_, seed=3)
        labels = torch.cat([data.y_train, data.y_test])
        assert labels.min() >= 0 and labels.max() < spec_.n_classes
        assert len(set(labels.tolist())) >= 2
        x = torch.cat([data.x_train, data.x_test])
        assert x.min() >= spec_.params["low"] and x.max() <= spec_.params["high"]


@pytest.mark.parametrize("name", ["xor", "circles", "moons", "positive_line"])
def test_binary_generators_are_balanced_enough(name):
    data = make_dataset(data_spec(name, "n_samples = 400\n"), seed=0)
    labels = torch.cat([data.y_train, data.y_test]).float()
    assert 0.2 < labels.mean().item() < 0.8


def test_positive_line_features_are_positive_and_labels_follow_the_line():
    spec_ = data_spec("positive_line", "low = 0.5\nhigh = 5.0\nslope = 1.0\nintercept = 0.0\n")
    data = make_dataset(spec_, seed=0)
    x = torch.cat([data.x_train, data.x_test])
    y = torch.cat([data.y_train, data.y_test])
    assert (x > 0).all()
    assert x.min() >= 0.5 and x.max() <= 5.0
    assert torch.equal(y, (x[:, 1] > x[:, 0]).long())  # noise 0: labels exactly by the line


def test_positive_line_noise_blurs_labels_not_features():
    data = make_dataset(data_spec("positive_line", "noise = 0.5\n"), seed=0)
    x = torch.cat([data.x_train, data.x_test])
    y = torch.cat([data.y_train, data.y_test])
    assert (x >= 0.5).all() and (x <= 5.0).all()
    assert not torch.equal(y, (x[:, 1] > x[:, 0]).long())


def test_circles_radii():
    data = make_dataset(data_spec("circles", "noise = 0\nfactor = 0.3\n"), seed=0)
    x = torch.cat([data.x_train, data.x_test]).double()
    y = torch.cat([data.y_train, data.y_test])
    radius = x.norm(dim=1)
    assert torch.allclose(radius[y == 1], torch.full_like(radius[y == 1], 0.3), atol=1e-5)
    assert torch.allclose(radius[y == 0], torch.ones_like(radius[y == 0]), atol=1e-5)


def test_xor_labels_by_quadrant_without_noise():
    data = make_dataset(data_spec("xor", "noise = 0\n"), seed=4)
    x, y = data.x_train, data.y_train
    assert torch.equal(y, (x[:, 0] * x[:, 1] > 0).long())


def test_sine_targets_without_noise():
    data = make_dataset(data_spec("sine", "noise = 0\nfrequency = 2.0\n"), seed=0)
    assert torch.allclose(data.y_train, torch.sin(2.0 * data.x_train[:, 0]), atol=1e-5)
    assert data.x_train.min() >= -3.0 and data.x_train.max() <= 3.0


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_generator_determinism(name):
    spec_ = data_spec(name, SMALL.get(name, ""))
    a, b, c = make_dataset(spec_, seed=7), make_dataset(spec_, seed=7), make_dataset(spec_, seed=8)
    for field in ("x_train", "y_train", "x_test", "y_test"):
        assert torch.equal(getattr(a, field), getattr(b, field))
    assert not torch.equal(a.x_train, c.x_train)


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_standardize(name):
    spec_ = data_spec(name, SMALL.get(name, "") + 'transform = "standardize"\n')
    data = make_dataset(spec_, seed=0)
    mean = data.x_train.double().mean(dim=0)
    std = data.x_train.double().std(dim=0, unbiased=False)
    assert torch.allclose(mean, torch.zeros_like(mean), atol=1e-5)
    assert torch.allclose(std, torch.ones_like(std), atol=1e-4)
    # the test split uses the training statistics, so it is close to, not exactly, standard
    raw = make_dataset(data_spec(name, SMALL.get(name, "")), seed=0)
    train_mean = raw.x_train.double().mean(dim=0)
    train_std = raw.x_train.double().std(dim=0, unbiased=False)
    assert torch.allclose(data.x_test.double(), (raw.x_test.double() - train_mean) / train_std, atol=1e-4)
    assert torch.equal(data.y_train, raw.y_train)


def test_standardize_keeps_constant_features_finite(tmp_path):
    (tmp_path / "c.csv").write_text("a,b,y\n1,5,0\n2,5,1\n3,5,0\n4,5,1\n5,5,0\n")
    s = loads_scenario('[data]\ncsv = "c.csv"\ntransform = "standardize"\ntest_fraction = 0\n\n'
                       "[[model.layers]]\nwidth = 1\n", source=tmp_path / "s.toml")
    data = make_dataset(s.data, seed=0)
    assert torch.isfinite(data.x_train).all()
    assert torch.equal(data.x_train[:, 1], torch.zeros(5))


@pytest.mark.parametrize("shift", [3.0, -1.25])
def test_shift_adds_the_constant(shift):
    plain = make_dataset(data_spec("moons"), seed=2)
    shifted = make_dataset(data_spec("moons", f'transform = "shift"\nshift = {shift}\n'), seed=2)
    assert torch.allclose(shifted.x_train, plain.x_train + shift)
    assert torch.allclose(shifted.x_test, plain.x_test + shift)
    assert torch.equal(shifted.y_train, plain.y_train)


@pytest.mark.parametrize(("n", "fraction", "n_test"), [(200, 0.2, 40), (200, 0.0, 0), (200, 0.9, 180),
                                                       (200, 0.33, 66), (10, 0.1, 1), (101, 0.5, 50)])
def test_test_fraction_split_sizes(n, fraction, n_test):
    data = make_dataset(data_spec("xor", f"n_samples = {n}\ntest_fraction = {fraction}\n"), seed=0)
    assert len(data.x_test) == len(data.y_test) == n_test
    assert len(data.x_train) == len(data.y_train) == n - n_test


def test_split_is_a_permutation_of_the_samples():
    spec_ = data_spec("xor", "test_fraction = 0.5\n")
    split = make_dataset(spec_, seed=9)
    whole = make_dataset(data_spec("xor", "test_fraction = 0\n"), seed=9)
    rows = lambda t: sorted(map(tuple, t.tolist()))  # noqa: E731
    assert rows(torch.cat([split.x_train, split.x_test])) == rows(whole.x_train)


def test_split_does_not_depend_on_the_transform():
    a = make_dataset(data_spec("circles"), seed=1)
    b = make_dataset(data_spec("circles", 'transform = "shift"\nshift = 1\n'), seed=1)
    assert torch.equal(a.y_test, b.y_test) and torch.equal(a.y_train, b.y_train)


def test_csv_dataset_remaps_labels(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(f"{i},{-i},{(3, 7, 9)[i % 3]}\n" for i in range(12)))
    s = loads_scenario('[data]\ncsv = "d.csv"\ntest_fraction = 0.25\n\n[[model.layers]]\nwidth = 1\n',
                       source=tmp_path / "s.toml")
    data = make_dataset(s.data, seed=0)
    assert data.n_classes == 3
    assert data.feature_names == ("a", "b")
    assert (len(data.x_train), len(data.x_test)) == (9, 3)
    labels = torch.cat([data.y_train, data.y_test])
    assert set(labels.tolist()) == {0, 1, 2}
    x = torch.cat([data.x_train, data.x_test])
    assert torch.equal(labels, (x[:, 0].long() % 3))  # 3 -> 0, 7 -> 1, 9 -> 2
    assert torch.equal(x[:, 1], -x[:, 0])


def test_csv_regression_dataset(tmp_path):
    (tmp_path / "r.csv").write_text("".join(f"{i},{i * 0.5}\n" for i in range(8)))
    s = loads_scenario('[data]\ncsv = "r.csv"\n\n[[model.layers]]\nwidth = 1\n', source=tmp_path / "s.toml")
    data = make_dataset(s.data, seed=0)
    assert data.task == "regression" and data.y_train.dtype == torch.float32
    assert torch.allclose(data.y_train, data.x_train[:, 0] * 0.5)


def test_single_class_training_split_is_an_error(tmp_path):
    (tmp_path / "one.csv").write_text("a,y\n1,0\n2,0\n3,0\n4,0\n5,1\n")
    s = loads_scenario('[data]\ncsv = "one.csv"\ntest_fraction = 0.2\n\n[[model.layers]]\nwidth = 1\n',
                       source=tmp_path / "s.toml")
    outcomes = set()
    for seed in range(12):
        try:
            data = make_dataset(s.data, seed)
            outcomes.add("ok")
            assert set(data.y_train.tolist()) == {0, 1}
        except ScenarioError as err:
            outcomes.add("error")
            assert (err.key, err.problem) == ("data", "every training sample has the same label")
    assert outcomes == {"ok", "error"}


def test_task_of():
    assert [task_of(k) for k in (0, 2, 3, 10)] == ["regression", "binary", "multiclass", "multiclass"]


def test_numpy_arrays_are_not_shared():
    """make_dataset returns tensors that own their memory: editing one run never changes the next."""
    spec_ = data_spec("xor")
    a = make_dataset(spec_, seed=0)
    a.x_train.add_(100.0)
    b = make_dataset(spec_, seed=0)
    assert b.x_train.abs().max() < 10


def test_rai_gives_each_row_one_positive_beta_entry_and_the_published_scale():
    from relu_tui.engine.inits import rai

    rows = rai((50_000, 6), rng(0))  # fan_in 5, plus the bias
    top = rows.max(dim=1).values
    assert (top > 0).all()  # the Beta(2, 1) entry is positive in every row
    # E|row|^2 = E[Beta(2,1)^2] + fan_in (0.6007 / sqrt(fan_in))^2 = 0.5 + 0.6007^2
    assert (rows ** 2).sum(dim=1).mean().item() == pytest.approx(0.5 + 0.6007 ** 2, rel=0.02)
    assert torch.equal(rows, rai((50_000, 6), rng(0)))


def test_rai_layers_draw_weights_and_bias_together():
    from relu_tui import loads_scenario
    from relu_tui.engine.model import Network

    sc = loads_scenario('[data]\ngenerator = "sine"\n[[model.layers]]\nwidth = 4\nweight_init = "rai"\n')
    net = Network(sc.model, 1, 0, sc.seed)
    rows = torch.cat([net.hidden[0].weight, net.hidden[0].bias[:, None]], dim=1)
    assert (rows.max(dim=1).values > 0).all()
    with pytest.raises(Exception, match="draws the bias too"):
        loads_scenario('[data]\ngenerator = "sine"\n[[model.layers]]\nwidth = 4\nweight_init = "rai"\nbias_init = 0.0\n')
