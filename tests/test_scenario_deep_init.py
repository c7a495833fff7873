"""deep_init: after one forward pass the spread shrinks (sigma 0.10, Xavier), holds (sigma 0.14,
He) or explodes (sigma 0.28) layer by layer, by about sigma * sqrt(fan_in / 2) per layer; the blog
post's network (a linear layer, then five ReLU layers) gives the maxima its plot shows."""

from __future__ import annotations

import dataclasses
import math

import pytest

from relu_tui import Trainer, load_scenario

from .conftest import SCENARIOS


@pytest.fixture(scope="module")
def forward():
    """Per variant: each hidden layer's activations after one forward pass on the training set."""
    scenario = load_scenario(SCENARIOS / "deep_init.toml")
    out = {}
    for name in scenario.variant_names:
        trainer = Trainer(scenario.with_variant(name))
        assert (trainer.dataset.x_train >= 0).all() and (trainer.dataset.x_train <= 1).all()
        assert trainer.dataset.n_features == 784
        out[name] = trainer.activations()
    return out


@pytest.fixture(scope="module")
def spreads(forward):
    return {name: [float(a.std()) for a in acts] for name, acts in forward.items()}


def ratios(values):
    return [b / a for a, b in zip(values, values[1:])]


@pytest.mark.parametrize("name", ["base", "xavier"])  # sigma 0.10; Xavier is 0.10 for 100-wide layers
def test_small_scale_shrinks_every_layer(spreads, name):
    assert all(r < 0.85 for r in ratios(spreads[name]))
    assert spreads[name][-1] / spreads[name][0] < 0.25


@pytest.mark.parametrize("name", ["sigma_014", "he"])
def test_he_scale_holds_steady(spreads, name):
    assert all(0.7 < r < 1.3 for r in ratios(spreads[name]))
    assert 0.6 < spreads[name][-1] / spreads[name][0] < 1.4


def test_large_scale_explodes(spreads):
    assert all(r > 1.5 for r in ratios(spreads["sigma_028"]))
    assert spreads["sigma_028"][-1] / spreads["sigma_028"][0] > 8


@pytest.mark.parametrize(("name", "sigma"), [("base", 0.10), ("sigma_014", 0.14), ("sigma_028", 0.28)])
def test_each_layer_scales_the_spread_by_sigma_sqrt_half_fan_in(spreads, name, sigma):
    """The description's factors: 0.71, 0.99 and 1.98 (the std, not the variance), within 25% per layer
    and 10% on average over the four 100-to-100 layers."""
    factor = sigma * math.sqrt(100 / 2)
    steps = ratios(spreads[name])
    assert all(0.75 * factor < r < 1.25 * factor for r in steps), (steps, factor)
    assert (spreads[name][-1] / spreads[name][0]) ** (1 / 4) == pytest.approx(factor, rel=0.1)
    if name == "base":
        assert 0.15 < spreads[name][-1] / spreads[name][0] < 0.35  # "about a quarter", not choked off


def blog_at(sigma):
    """The blog variant with its weights drawn at ``sigma`` (the post plots 0.10 and 0.28)."""
    blog = load_scenario(SCENARIOS / "deep_init.toml").with_variant("blog")
    spec = dataclasses.replace(blog.model.layers[0].weight_init, params={"mean": 0.0, "std": sigma})
    layers = tuple(dataclasses.replace(layer, weight_init=spec) for layer in blog.model.layers)
    return dataclasses.replace(blog, model=dataclasses.replace(blog.model, layers=layers))


def test_the_blog_network_is_a_linear_layer_then_five_relu_layers():
    layers = load_scenario(SCENARIOS / "deep_init.toml").with_variant("blog").model.layers
    assert [(layer.width, layer.activation.kind) for layer in layers] == [(100, "identity")] + [(100, "relu")] * 5
    assert all(layer.weight_init.params == {"mean": 0.0, "std": 0.10} and layer.bias_init.params == {"value": 0.0}
               for layer in layers)


def test_the_blog_network_maxima_match_the_posts_plot(forward):
    """The post plots the largest activation of each ReLU layer: about 30 in layer 1 to 330 in layer 5 at
    sigma 0.28, about 4.2 to 0.6 at sigma 0.10. One draw on uniform inputs gives 40 to 577 and 5.1 to
    1.2 (the variant's summary): the same order of magnitude, and the same factor per layer as the theory."""
    low = [float(a.max()) for a in forward["blog"]]
    high = [float(a.max()) for a in Trainer(blog_at(0.28)).activations()]
    assert low == pytest.approx([5.8, 5.1, 4.2, 2.5, 1.8, 1.2], rel=0.03)  # as the summary says
    assert high == pytest.approx([16, 40, 92, 152, 311, 577], rel=0.03)
    assert 20 < high[1] < 60 and 200 < high[-1] < 800 and 3 < low[1] < 7 and 0.4 < low[-1] < 1.6
