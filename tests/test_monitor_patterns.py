"""The Monitor on the patterns of real architectures, written here as fixtures (torchvision's DenseNet and
ResNet blocks, an LSTM, a ConvTranspose decoder, a model run through methods, checkpointing, loop orders).

Every number is checked against an independent count made in the test: its own forward hooks, the
gradients read off the parameters, never the Monitor's code.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.checkpoint import checkpoint

from relu_tui.monitor import Monitor


class Probe:
    """Independent counts: per watched module call (in call order within a step), the inputs > 0 per unit."""

    def __init__(self, modules: dict[str, nn.Module], unit_dim: dict[str, int]) -> None:
        self.calls: list[tuple[str, torch.Tensor]] = []
        self.handles = [m.register_forward_pre_hook(lambda mod, args, n=name: self._seen(n, args[0]))
                        for name, m in modules.items()]
        self.unit_dim = unit_dim

    def _seen(self, name: str, z: torch.Tensor) -> None:
        if torch.is_grad_enabled() and torch._C._current_graph_task_id() == -1:
            self.calls.append((name, z.detach().clone()))

    def share(self, name: str, call: int = 0, calls_per_pass: int = 1) -> np.ndarray:
        """Active share over every pass of the call-th call of ``name``."""
        zs = [z for n, z in self.calls if n == name][call::calls_per_pass]
        dim = self.unit_dim.get(name, 1)
        positive = sum((z > 0).movedim(dim, -1).reshape(-1, z.shape[dim]).double().sum(0) for z in zs)
        inputs = sum(z.numel() // z.shape[dim] for z in zs)
        return (positive / inputs).numpy().astype(np.float32)


def rows_norm(*grads: torch.Tensor) -> np.ndarray:
    """Per unit (first dimension of each), the L2 norm of all the rows together."""
    return torch.stack([g.reshape(g.shape[0], -1).double().square().sum(1) for g in grads]).sum(0).sqrt().numpy()


def sgd_steps(model, monitor, batches, loss_of=lambda out: out.square().mean(), forward=None, order="usual"):
    """One SGD step per batch; ``order``: 'usual' (monitor.step before zero_grad) or 'zero_grad_first'."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    records, grads = [], []
    for x in batches:
        loss = loss_of((forward or model)(x))
        loss.backward()
        grads.append({name: p.grad.clone() for name, p in model.named_parameters() if p.grad is not None})
        optimizer.step()
        if order == "zero_grad_first":
            optimizer.zero_grad()
            records.append(monitor.step(loss))
        else:
            records.append(monitor.step(loss))
            optimizer.zero_grad()
    return records, grads


# --------------------------------------------------------------------------- DenseNet

class DenseLayer(nn.Module):
    """torchvision's _DenseLayer: BN-ReLU-conv1x1-BN-ReLU-conv3x3 on the concatenation of all earlier features."""

    def __init__(self, channels: int, growth: int, bottleneck: int) -> None:
        super().__init__()
        self.norm1, self.relu1 = nn.BatchNorm2d(channels), nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(channels, bottleneck, 1, bias=False)
        self.norm2, self.relu2 = nn.BatchNorm2d(bottleneck), nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bottleneck, growth, 3, padding=1, bias=False)

    def forward(self, features: list[torch.Tensor]) -> torch.Tensor:
        out = self.conv1(self.relu1(self.norm1(torch.cat(features, 1))))
        return self.conv2(self.relu2(self.norm2(out)))


class DenseNet(nn.Module):
    """Channel counts where the old width match went wrong: denselayer3's input (4 + 2 * 2 = 8 channels)
    has as many channels as denselayer2.conv1 produces; denselayer1.relu1 has conv0's width."""

    def __init__(self) -> None:
        super().__init__()
        self.conv0, self.norm0, self.relu0 = nn.Conv2d(3, 4, 3, padding=1, bias=False), nn.BatchNorm2d(4), nn.ReLU()
        self.pool0 = nn.MaxPool2d(2)
        self.block = nn.ModuleDict({f"denselayer{i + 1}": DenseLayer(4 + 2 * i, 2, 8) for i in range(3)})
        self.norm5 = nn.BatchNorm2d(10)
        self.classifier = nn.Linear(10, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        features = [self.pool0(self.relu0(self.norm0(self.conv0(x))))]
        for layer in self.block.values():
            features.append(layer(features))
        out = F.relu(self.norm5(torch.cat(features, 1)), inplace=True)  # torchvision's last ReLU, a function
        return self.classifier(F.adaptive_avg_pool2d(out, 1).flatten(1))


def test_densenet_producers_come_from_the_data_flow(tmp_path):
    torch.manual_seed(0)
    model = DenseNet()
    batches = [torch.randn(4, 3, 8, 8) for _ in range(2)]
    with Monitor(model, tmp_path / "run") as monitor, pytest.warns(UserWarning, match="no single layer"):
        records, grads = sgd_steps(model, monitor, batches)
    fed = {i.name: (i.fed_by, i.kind, i.width, i.call) for i in monitor.layers}
    assert fed["relu0"] == ("conv0", "channel", 4, "module")
    assert fed["block.denselayer1.relu1"][0] == ""  # max-pooled activations: no layer produces them
    assert fed["block.denselayer3.relu1"][:3] == ("", "channel", 8)  # a concatenation, not denselayer2.conv1
    assert fed["block.denselayer2.relu2"] == ("block.denselayer2.conv1", "channel", 8, "module")
    assert fed["DenseNet:relu"] == ("", "channel", 10, "function")
    notes = {i.name: i.note for i in monitor.layers}
    assert "cat of 3 inputs" in notes["block.denselayer3.relu1"] and "maxpool" in notes["block.denselayer1.relu1"]
    last = records[-1].layers
    assert np.isnan(last["block.denselayer3.relu1"].grad_norm).all()
    np.testing.assert_allclose(last["block.denselayer2.relu2"].grad_norm,
                               rows_norm(grads[-1]["block.denselayer2.conv1.weight"]), rtol=1e-5)


def test_densenet_counts_match_independent_hooks(tmp_path):
    torch.manual_seed(1)
    model = DenseNet()
    watched = {"relu0": model.relu0, **{f"{n}.relu{k}": getattr(layer, f"relu{k}")
                                        for n, layer in model.block.items() for k in (1, 2)}}
    probe = Probe(watched, {})
    with Monitor(model, tmp_path / "run", every=3) as monitor, pytest.warns(UserWarning):
        records, _ = sgd_steps(model, monitor, [torch.randn(4, 3, 8, 8) for _ in range(3)])
    for name in watched:
        site = "relu0" if name == "relu0" else f"block.{name}"
        assert records[-1].layers[site].active_share.tobytes() == probe.share(name).tobytes(), name


# --------------------------------------------------------------------------- LSTM and ConvTranspose

class Recurrent(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = nn.Linear(3, 6)  # as wide as the LSTM: the old width match took it for the producer
        self.lstm = nn.LSTM(6, 6, batch_first=True)
        self.relu = nn.ReLU()
        self.head = nn.Linear(6, 1)

    def forward(self, x):
        out, _ = self.lstm(self.embed(x))
        return self.head(self.relu(out[:, -1]))


def test_a_relu_after_an_lstm_is_fed_by_the_lstm_with_its_gates_rows(tmp_path):
    torch.manual_seed(2)
    model = Recurrent()
    with Monitor(model, tmp_path / "run") as monitor:
        records, grads = sgd_steps(model, monitor, [torch.randn(5, 4, 3)])
    (info,) = monitor.layers
    assert (info.fed_by, info.kind, info.width) == ("lstm", "unit", 6)
    g = grads[0]
    per_unit = [g[f"lstm.{n}_l0"].reshape(4, 6, -1).transpose(0, 1).reshape(6, -1)
                for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    np.testing.assert_allclose(records[0].layers["relu"].grad_norm, rows_norm(*per_unit), rtol=1e-5)


class Decoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Conv2d(2, 4, 3, stride=2, padding=1)
        self.enc_relu = nn.ReLU()
        self.dec = nn.ConvTranspose2d(4, 4, 2, stride=2, groups=2)  # as wide as enc: the old match took enc
        self.dec_relu = nn.ReLU()
        self.out = nn.Conv2d(4, 1, 1)

    def forward(self, x):
        return self.out(self.dec_relu(self.dec(self.enc_relu(self.enc(x)))))


def test_a_conv_transpose_decoder_is_its_relus_producer(tmp_path):
    torch.manual_seed(3)
    model = Decoder()
    probe = Probe({"dec_relu": model.dec_relu}, {})
    with Monitor(model, tmp_path / "run") as monitor:
        records, grads = sgd_steps(model, monitor, [torch.randn(3, 2, 8, 8)])
    assert [(i.name, i.fed_by) for i in monitor.layers] == [("enc_relu", "enc"), ("dec_relu", "dec")]
    weight, bias = grads[0]["dec.weight"], grads[0]["dec.bias"]  # (in, out / groups, k, k)
    rows = torch.cat([weight[2 * group:2 * group + 2].transpose(0, 1) for group in range(2)])  # out channel o
    np.testing.assert_allclose(records[0].layers["dec_relu"].grad_norm, rows_norm(rows, bias[:, None]), rtol=1e-5)
    assert records[0].layers["dec_relu"].active_share.tobytes() == probe.share("dec_relu").tobytes()


# --------------------------------------------------------------------------- residual sums

class BasicBlock(nn.Module):
    """torchvision's BasicBlock: one ReLU module used after bn1 and after the residual sum."""

    def __init__(self, cin: int, cout: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1, self.bn1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout)
        self.conv2, self.bn2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = None if stride == 1 and cin == cout else nn.Sequential(
            nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        out += identity
        return self.relu(out)


def test_a_relu_after_a_residual_sum_names_every_branch(tmp_path):
    torch.manual_seed(4)
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU(), BasicBlock(4, 4), BasicBlock(4, 6, stride=2),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 1))
    with Monitor(model, tmp_path / "run") as monitor:
        records, grads = sgd_steps(model, monitor, [torch.randn(4, 3, 8, 8)])
    fed = {i.name: (i.fed_by, i.feeders) for i in monitor.layers}
    assert fed == {"1": ("0", ("0",)),
                   "2.relu": ("2.conv1", ("2.conv1",)), "2.relu#2": ("2.conv2 + shortcut", ("2.conv2",)),
                   "3.relu": ("3.conv1", ("3.conv1",)),
                   "3.relu#2": ("3.conv2 + 3.downsample.0", ("3.conv2", "3.downsample.0"))}
    g, last = grads[0], records[0].layers
    np.testing.assert_allclose(last["2.relu#2"].grad_norm, rows_norm(g["2.conv2.weight"]), rtol=1e-5)
    np.testing.assert_allclose(last["3.relu#2"].grad_norm,
                               rows_norm(g["3.conv2.weight"], g["3.downsample.0.weight"]), rtol=1e-5)


# --------------------------------------------------------------------------- a model run through methods

class AutoEncoder(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1, self.fc2, self.fc3, self.fc4 = nn.Linear(6, 5), nn.Linear(5, 4), nn.Linear(4, 5), nn.Linear(5, 6)
        self.act = nn.ReLU()  # one module at three call sites

    def encode(self, x):
        return self.act(self.fc2(self.act(self.fc1(x))))

    def decode(self, h):
        return self.fc4(self.act(self.fc3(h)))


def test_a_shared_activation_used_through_methods_keeps_its_sites(tmp_path):
    torch.manual_seed(5)
    model = AutoEncoder()
    probe = Probe({"act": model.act}, {})
    with Monitor(model, tmp_path / "run") as monitor:
        records, _ = sgd_steps(model, monitor, [torch.randn(7, 6) for _ in range(3)],
                               forward=lambda x: model.decode(model.encode(x)))
    assert [(i.name, i.fed_by) for i in monitor.layers] == [("act", "fc1"), ("act#2", "fc2"), ("act#3", "fc3")]
    for step, record in enumerate(records):
        assert {name: s.inputs for name, s in record.layers.items()} == {"act": 7, "act#2": 7, "act#3": 7}
        for call, name in enumerate(("act", "act#2", "act#3")):
            z = probe.calls[3 * step + call][1]
            assert record.layers[name].active_share.tobytes() == \
                ((z > 0).double().sum(0) / 7).numpy().astype(np.float32).tobytes()


# --------------------------------------------------------------------------- activation checkpointing

class Checkpointed(nn.Module):
    def __init__(self, mode: str | None) -> None:
        super().__init__()
        self.mode = mode
        self.fc1, self.fc2, self.head = nn.Linear(4, 6), nn.Linear(6, 6), nn.Linear(6, 1)
        self.act = nn.ReLU()

    def block(self, x):
        return self.act(self.fc2(self.act(self.fc1(x))))  # a shared module inside the checkpointed part

    def forward(self, x):
        if self.mode is None:
            return self.head(self.block(x))
        return self.head(checkpoint(self.block, x, use_reentrant=self.mode == "reentrant"))


@pytest.mark.parametrize("mode", [None, "reentrant", "non-reentrant"])
def test_checkpointing_counts_each_forward_once(tmp_path, mode):
    torch.manual_seed(6)
    model = Checkpointed(mode)
    x = [torch.randn(8, 4, requires_grad=mode == "reentrant") for _ in range(2)]
    with Monitor(model, tmp_path / "run", every=2) as monitor:
        records, grads = sgd_steps(model, monitor, x)
    assert [(i.name, i.fed_by) for i in monitor.layers] == [("act", "fc1"), ("act#2", "fc2")]
    record = records[-1]
    assert {name: s.inputs for name, s in record.layers.items()} == {"act": 16, "act#2": 16}
    np.testing.assert_allclose(record.layers["act#2"].grad_norm,
                               rows_norm(grads[-1]["fc2.weight"], grads[-1]["fc2.bias"][:, None]), rtol=1e-5)


def test_checkpointed_counts_are_those_of_the_plain_model(tmp_path):
    shares = {}
    for mode in (None, "reentrant", "non-reentrant"):
        torch.manual_seed(7)
        model = Checkpointed(mode)
        x = [torch.randn(8, 4, requires_grad=True) for _ in range(2)]
        with Monitor(model, tmp_path / str(mode), every=2) as monitor:
            records, _ = sgd_steps(model, monitor, x)
        shares[mode] = {name: s.active_share.tobytes() for name, s in records[-1].layers.items()}
    assert shares["reentrant"] == shares[None] == shares["non-reentrant"]


# --------------------------------------------------------------------------- loop orders

@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad_before_step_keeps_the_gradient_norms(tmp_path, set_to_none):
    from tests.test_monitor import mlp, positive_inputs

    norms = {}
    for order in ("usual", "zero_grad_first"):
        torch.manual_seed(8)
        model = mlp()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        with Monitor(model, tmp_path / order) as monitor:
            for _ in range(2):
                loss = (model(positive_inputs()) - 1).square().mean()
                loss.backward()
                expected = rows_norm(model[0].weight.grad, model[0].bias.grad[:, None])
                optimizer.step()
                if order == "zero_grad_first":
                    optimizer.zero_grad(set_to_none=set_to_none)
                record = monitor.step(loss)
                optimizer.zero_grad(set_to_none=set_to_none)
                np.testing.assert_allclose(record.layers["1"].grad_norm, expected, rtol=1e-6)
        norms[order] = record.layers["1"].grad_norm.tobytes()
    assert norms["usual"] == norms["zero_grad_first"]


def test_gradient_accumulation_takes_the_accumulated_gradient(tmp_path):
    from tests.test_monitor import mlp, positive_inputs

    model = mlp()
    with Monitor(model, tmp_path / "run") as monitor:
        for half in (positive_inputs()[:10], positive_inputs()[10:]):
            (model(half) - 1).square().mean().backward()
        expected = rows_norm(model[0].weight.grad, model[0].bias.grad[:, None])
        model.zero_grad()
        record = monitor.step()
    assert record.layers["1"].inputs == 20
    np.testing.assert_allclose(record.layers["1"].grad_norm, expected, rtol=1e-6)
