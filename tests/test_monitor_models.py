"""The Monitor on today's models: transformers' BERT (GELU), ViT and a Llama-style model (SiLU) built from
small configs with random weights (nothing downloaded), the activation classes of transformers, activations
called as functions, a class of one's own registered, and the dormant score.

Counts are checked against the test's own hooks or the model's own record of its inputs.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F

from relu_tui.monitor import Monitor
from relu_tui.spec import activations


def shares(zs: list[torch.Tensor], dim: int = -1) -> np.ndarray:
    """Active share per unit (dimension ``dim``) over the inputs of every call, as the test counts it."""
    flat = [z.movedim(dim, -1).reshape(-1, z.shape[dim]) for z in zs]
    return ((sum((f > 0).double().sum(0) for f in flat) / sum(len(f) for f in flat)).numpy().astype(np.float32))


def dormant(zs: list[torch.Tensor], act, dim: int = -1) -> np.ndarray:
    """Sokar et al.'s score, as the test computes it: mean |act(z)| per unit over its layer's mean of that."""
    flat = torch.cat([act(z).movedim(dim, -1).reshape(-1, z.shape[dim]) for z in zs]).double()
    per_unit = flat.abs().mean(0)
    return (per_unit / per_unit.mean()).numpy()


def recorder(modules):
    """Pre-hooks keeping each module's inputs of counted (training, autograd) calls."""
    seen = {m: [] for m in modules}
    for m in modules:
        m.register_forward_pre_hook(lambda mod, args: seen[mod].append(args[0].detach().clone())
                                    if mod.training and torch.is_grad_enabled() else None)
    return seen


def train(model, monitor, make_inputs, steps=2, output=lambda out: out):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    record = None
    for _ in range(steps):
        loss = output(model(**make_inputs())).float().square().mean()
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        record = monitor.step(loss)
    return record


# --------------------------------------------------------------------------- transformers

try:
    import transformers
except ImportError:  # in the test extra; without it, only its tests are skipped
    transformers = None
needs_transformers = pytest.mark.skipif(transformers is None, reason="transformers is not installed (.[test] has it)")

SMALL = dict(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32)


def bert():
    return transformers.BertModel(transformers.BertConfig(vocab_size=40, max_position_embeddings=16, **SMALL))


def vit():
    return transformers.ViTModel(transformers.ViTConfig(image_size=8, patch_size=4, num_channels=3, **SMALL))


def llama():
    return transformers.LlamaForCausalLM(transformers.LlamaConfig(vocab_size=40, max_position_embeddings=16,
                                                                  num_key_value_heads=2, **SMALL))


CASES = {
    "bert": (bert, lambda: {"input_ids": torch.randint(0, 40, (3, 8))}, lambda o: o.last_hidden_state,
             "GELUActivation", "intermediate_act_fn", "intermediate.dense", F.gelu),
    "vit": (vit, lambda: {"pixel_values": torch.randn(3, 3, 8, 8)}, lambda o: o.last_hidden_state,
            "GELUActivation", "activation_fn", "fc1", F.gelu),
    "llama": (llama, lambda: {"input_ids": torch.randint(0, 40, (3, 8))}, lambda o: o.logits,
              "SiLUActivation", "act_fn", "gate_proj", F.silu),
}


@needs_transformers
@pytest.mark.parametrize("name", CASES)
def test_transformers_models_every_activation_counted_exactly(tmp_path, name):
    build, inputs, output, label, act_name, producer, function = CASES[name]
    torch.manual_seed(0)
    model = build().train()
    acts = [m for n, m in model.named_modules() if n.endswith(act_name)]
    seen = recorder(acts)
    with Monitor(model, tmp_path / "run", every=2) as monitor:
        record = train(model, monitor, inputs, output=output)
    assert len(monitor.layers) == len(acts) == 2
    for info, module in zip(monitor.layers, acts):
        assert info.name.endswith(act_name) and info.activation == label and not info.can_die
        assert info.fed_by.endswith(producer) and info.width == 32 and info.kind == "unit"
        stats = record.layers[info.name]
        assert stats.inputs == 2 * 24 if name != "vit" else stats.inputs == 2 * 3 * 5  # tokens (ViT: 4 + CLS)
        assert stats.active_share.tobytes() == shares(seen[module]).tobytes()
        np.testing.assert_allclose(stats.dormant, dormant(seen[module], function), rtol=1e-4)
        assert np.isfinite(stats.grad_norm).all() and (stats.grad_norm > 0).all()


@needs_transformers
def test_bert_under_gradient_checkpointing_counts_each_forward_once(tmp_path):
    counts = {}
    for checkpointing in (False, True):
        torch.manual_seed(1)
        model = bert().train()
        if checkpointing:
            model.gradient_checkpointing_enable()
        torch.manual_seed(2)
        with Monitor(model, tmp_path / str(checkpointing)) as monitor:
            record = train(model, monitor, CASES["bert"][1], steps=1, output=CASES["bert"][2])
        counts[checkpointing] = {n: (s.inputs, s.active_share.tobytes()) for n, s in record.layers.items()}
    assert counts[True] == counts[False] and {n for n, _ in counts[True].values()} == {24}


@needs_transformers
def test_transformers_activation_classes_are_recognised_by_what_they_compute():
    from relu_tui.monitor.recognise import recognise

    expected = {"gelu": "gelu", "gelu_new": "gelu_tanh", "gelu_pytorch_tanh": "gelu_tanh", "gelu_fast": "gelu_tanh",
                "quick_gelu": "quick_gelu", "silu": "silu", "mish": "mish", "relu2": "relu_squared",
                "relu6": "relu6", "relu": "relu", "leaky_relu": "leaky_relu"}
    for key, kind in expected.items():
        made = transformers.activations.ACT2CLS[key]
        module = made[0](**made[1]) if isinstance(made, tuple) else made()
        found = recognise(module)
        assert found is not None and found.kind is activations.REGISTRY[kind], key
    assert recognise(transformers.activations.ACT2CLS["relu2"]()).can_die
    for module in (nn.Identity(), nn.Dropout(0.0), nn.Flatten(), nn.Tanh(), nn.Softmax(-1), nn.Hardtanh(0, 1)):
        assert recognise(module) is None, module


# --------------------------------------------------------------------------- functions inside forward

class Functional(nn.Module):
    """Activations called as functions, each on one layer's output; it keeps the inputs it gave them."""

    def __init__(self) -> None:
        super().__init__()
        self.conv, self.bn = nn.Conv2d(2, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4)  # GoogLeNet's BasicConv2d
        self.fc = nn.ModuleList(nn.Linear(4 if i == 0 else 6, 6) for i in range(6))
        self.seen: list[torch.Tensor] = []

    def keep(self, z):
        if self.training and torch.is_grad_enabled():
            self.seen.append(z.detach().clone())
        return z

    def forward(self, x):
        h = F.relu(self.keep(self.bn(self.conv(x))), inplace=True).mean((2, 3))
        for i, act in enumerate((torch.relu, lambda z: z.relu(), lambda z: z.clamp(min=0), F.silu,
                                 lambda z: F.gelu(z, approximate="tanh"), lambda z: F.leaky_relu(z, 0.2))):
            h = act(self.keep(self.fc[i](h)))
        return h


def test_activation_functions_inside_forward_are_counted(tmp_path):
    torch.manual_seed(3)
    model = Functional()
    with Monitor(model, tmp_path / "run", every=2) as monitor:
        record = train(model, monitor, lambda: {"x": torch.randn(5, 2, 4, 4)})
    assert [(i.name, i.activation, i.fed_by, i.call, i.can_die) for i in monitor.layers] == [
        ("Functional:relu", "F.relu", "conv", "function", True),
        ("Functional:relu#2", "F.relu", "fc.0", "function", True),
        ("Functional:relu#3", "F.relu", "fc.1", "function", True),
        ("Functional:relu#4", "F.relu", "fc.2", "function", True),
        ("Functional:silu", "F.silu", "fc.3", "function", False),
        ("Functional:gelu_tanh", "F.gelu_tanh", "fc.4", "function", False),
        ("Functional:leaky_relu", "F.leaky_relu(0.2)", "fc.5", "function", False)]
    for index, info in enumerate(monitor.layers):
        zs = model.seen[index::7]
        assert record.layers[info.name].active_share.tobytes() == shares(zs, 1).tobytes(), info.name


def test_a_transformer_encoder_layer_s_functional_relu(tmp_path):
    torch.manual_seed(4)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2)
    linears = [layer.linear1 for layer in encoder.layers]
    outputs = {m: [] for m in linears}
    for m in linears:
        m.register_forward_hook(lambda mod, args, out: outputs[mod].append(out.detach().clone()))
    with Monitor(encoder, tmp_path / "run", every=2) as monitor:
        record = train(encoder, monitor, lambda: {"src": torch.randn(3, 5, 8)})
    assert [(i.name, i.fed_by) for i in monitor.layers] == [("layers.0:relu", "layers.0.linear1"),
                                                           ("layers.1:relu", "layers.1.linear1")]
    for info, linear in zip(monitor.layers, linears):
        assert record.layers[info.name].active_share.tobytes() == shares(outputs[linear]).tobytes()


def test_a_class_of_ones_own_is_registered(tmp_path):
    class Gated(nn.Module):
        """A ReLU with a buffer: not recognised by probing (it has state), so registered."""

        def __init__(self) -> None:
            super().__init__()
            self.register_buffer("zero", torch.zeros(()))

        def forward(self, x):
            return torch.maximum(x, self.zero)

    model = nn.Sequential(nn.Linear(3, 4), Gated(), nn.Linear(4, 1))
    unknown = pytest.raises(ValueError, match=r"activations\.register\(cls, kind\)")
    with unknown, Monitor(model, tmp_path / "a") as monitor:
        model(torch.randn(2, 3)).sum().backward()
        monitor.step()
    activations.register(Gated, "relu")
    try:
        with Monitor(model, tmp_path / "b") as monitor:
            model(torch.randn(2, 3)).sum().backward()
            record = monitor.step()
        assert [(i.name, i.activation, i.can_die, i.fed_by) for i in monitor.layers] == [("1", "Gated", True, "0")]
        assert record.layers["1"].inputs == 2
    finally:
        activations._REGISTERED.pop(Gated)
    with pytest.raises(ValueError, match="unknown activation"):
        activations.register(Gated, "nonsense")
