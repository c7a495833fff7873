"""The activation registry is the one place an activation is declared: every entry agrees with the module it
builds and with PyTorch's gains, and a new entry alone reaches the parser, the model, the diagnosis and the Monitor."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from relu_tui import Trainer, loads_scenario
from relu_tui.engine.records import DEAD, NEGATIVE
from relu_tui.errors import ScenarioError
from relu_tui.monitor import Monitor
from relu_tui.spec import activations
from relu_tui.spec.activations import REGISTRY, Activation, ActivationKind, scenario_kinds, watching
from relu_tui.spec.validate import Number

# PyTorch's name (and parameter) for the entries calculate_gain knows; it raises for every other entry.
TORCH_GAINS = {
    "relu": lambda p: ("relu", None),
    "leaky_relu": lambda p: ("leaky_relu", p["negative_slope"]),
    "prelu": lambda p: ("leaky_relu", p["negative_slope"]),  # at its initial slope
    "selu": lambda p: ("selu", None),
    "tanh": lambda p: ("tanh", None),
    "sigmoid": lambda p: ("sigmoid", None),
    "identity": lambda p: ("linear", None),
}


def settings(kind: ActivationKind) -> list[dict[str, float]]:
    """The entry's defaults, and every parameter at its lowest, then at its highest, allowed value."""
    out = [{name: default for name, (_, default) in kind.params.items()}]
    for end, is_open in (("low", "low_open"), ("high", "high_open")):
        edge = {}
        for name, (check, default) in kind.params.items():
            bound = getattr(check, end, None)
            edge[name] = default if bound is None or getattr(check, is_open) else float(bound)
        out.append(edge)
    return list({tuple(s.items()): s for s in out}.values())


CASES = [(name, params) for name, kind in REGISTRY.items() for params in settings(kind)]


def _id(case) -> str:
    name, params = case
    return name + "".join(f"-{v:g}" for v in params.values())


def dies_numerically(module: nn.Module) -> bool:
    """Gradient exactly 0, for the input and for the module's own parameters, on inputs from -4 to 0."""
    x = torch.linspace(-4.0, 0.0, 81)[:, None].repeat(1, 4).requires_grad_(True)
    module(x).sum().backward()
    grads = [x.grad, *(p.grad for p in module.parameters())]
    return all(bool((g == 0).all()) for g in grads)


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_can_die_agrees_with_the_module(case):
    name, params = case
    kind = REGISTRY[name]
    module = kind.build(params, 4)
    assert kind.can_die(params) is dies_numerically(module)
    if kind.watched:  # the Monitor sees the same entry and reads the same parameters off the module
        assert isinstance(module, tuple(getattr(nn, c) for c in kind.watched))
        assert watching(module) is kind
        assert kind.can_die(kind.read(module)) is kind.can_die(params)
    assert sum(p.numel() for p in module.parameters()) == kind.learnable * 4


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_gain_is_pytorchs_where_it_has_one(case):
    name, params = case
    if name not in TORCH_GAINS:
        with pytest.raises(ValueError):
            nn.init.calculate_gain(name)
        return
    assert REGISTRY[name].gain(params) == nn.init.calculate_gain(*TORCH_GAINS[name](params))


def test_the_monitor_watches_exactly_the_relu_family():
    watched = [nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.CELU, nn.SELU, nn.GELU, nn.SiLU,
               nn.Mish, nn.Hardswish, nn.Softplus]
    assert activations.watched_classes() == tuple(c.__name__ for c in watched)
    assert all(watching(c()) is not None for c in watched)
    assert all(watching(c()) is None for c in (nn.Tanh, nn.Sigmoid, nn.Identity, nn.Hardtanh, nn.Softsign))
    assert [REGISTRY[k].label(m) for k, m in (("leaky_relu", nn.LeakyReLU(0.2)), ("relu6", nn.ReLU6()))] == [
        "LeakyReLU(0.2)", "ReLU6"]


# --------------------------------------------------------------------------- a new activation: one entry

HARDTANH = ActivationKind(
    lambda p, width: nn.Hardtanh(p["min_val"], p["max_val"]),
    {"min_val": (Number(-1, 0), -1.0), "max_val": (Number(low=0, low_open=True), 1.0)},
    can_die=lambda p: p["min_val"] == 0,  # flat zero below 0 only when it clips there
    gain=lambda p: 1.0, aliases=("clip",), watched=("Hardtanh",),
)

TOY = """\
[data]
generator = "xor"
n_samples = 40

[[model.layers]]
width = 3
activation = "{activation}"
{line}
bias_init = -100.0

[training]
epochs = 1
"""


@pytest.fixture
def hardtanh(monkeypatch):
    monkeypatch.setitem(REGISTRY, "hardtanh", HARDTANH)


@pytest.mark.parametrize(("activation", "line", "state", "text"), [
    ("hardtanh", "min_val = 0", DEAD, "hardtanh(0, 1)"),
    ("clip", "max_val = 2", NEGATIVE, "hardtanh(-1, 2)"),
])
def test_a_registered_activation_loads_builds_and_is_diagnosed(hardtanh, activation, line, state, text):
    scenario = loads_scenario(TOY.format(activation=activation, line=line))
    layer = scenario.model.layers[0]
    assert layer.activation == Activation("hardtanh", {"min_val": -1.0 if state == NEGATIVE else 0.0,
                                                       "max_val": 2.0 if state == NEGATIVE else 1.0})
    trainer = Trainer(scenario)
    assert isinstance(trainer.model.activations[0], nn.Hardtanh)
    record = trainer.step_epochs(1).layers[0]
    assert record.activation == text  # what the network panel and the inspector print
    assert record.count(state) == 3


def test_a_registered_activation_s_parameters_are_checked_like_any_other(hardtanh):
    with pytest.raises(ScenarioError) as err:
        loads_scenario(TOY.format(activation="relu", line="min_val = 0"))
    assert (err.value.key, err.value.problem) == ("model.layers[0].min_val", "only used with activation 'hardtanh'")
    with pytest.raises(ScenarioError) as err:
        loads_scenario(TOY.format(activation="hardtanh", line="min_val = 0.5"))
    assert (err.value.key, err.value.expected) == ("model.layers[0].min_val", "a finite number in [-1, 0]")
    with pytest.raises(ScenarioError) as err:
        loads_scenario(TOY.format(activation="tanhh", line=""))
    assert "'hardtanh'" in err.value.expected
    assert "hardtanh" in scenario_kinds()


def test_the_monitor_watches_a_registered_activation(hardtanh, tmp_path):
    model = nn.Sequential(nn.Linear(2, 3), nn.Hardtanh(0.0, 1.0), nn.Linear(3, 3), nn.Hardtanh(-1.0, 1.0))
    with torch.no_grad():
        for linear in model[::2]:
            linear.weight.fill_(-1.0)
            linear.bias.fill_(-1.0)
    with Monitor(model, tmp_path / "run") as monitor:
        model(torch.rand(8, 2)).sum().backward()
        record = monitor.step()
    assert [(i.activation, i.can_die) for i in monitor.layers] == [("Hardtanh", True), ("Hardtanh", False)]
    assert [record.layers[i.name].state.tolist() for i in monitor.layers] == [[DEAD] * 3, [NEGATIVE] * 3]


def test_settings_cover_the_bounds():
    """The probe reaches the parameter values at which an activation starts or stops dying."""
    assert {"negative_slope": 0.0} in settings(REGISTRY["leaky_relu"])
    assert {"lower": 0.0, "upper": 0.0} in settings(REGISTRY["rrelu"])
