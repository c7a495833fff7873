"""The PyTorch network a scenario describes, with a forward pass that keeps what diagnosis needs."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from relu_tui.engine.inits import draw, rai
from relu_tui.engine.seeding import torch_rng
from relu_tui.spec.scenario import ModelSpec, output_width


class Network(nn.Module):
    """Hidden ``Linear`` + activation layers and an output head (logits or a regression value)."""

    def __init__(self, spec: ModelSpec, n_features: int, n_classes: int, seed: int) -> None:
        super().__init__()
        self.spec = spec
        self.n_classes = n_classes
        self.hidden = nn.ModuleList()
        self.activations = nn.ModuleList()
        fan_in = n_features
        with torch.no_grad():
            for index, layer in enumerate(spec.layers):
                linear = nn.Linear(fan_in, layer.width)
                fill(linear, layer.weight_init, layer.bias_init, seed, index, layer.activation.gain)
                self.hidden.append(linear)
                self.activations.append(layer.activation.module(layer.width))
                fan_in = layer.width
            self.head = nn.Linear(fan_in, output_width(n_classes))
            fill(self.head, spec.output.weight_init, spec.output.bias_init, seed, "output", 1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for linear, act in zip(self.hidden, self.activations):
            x = act(linear(x))
        return self.head(x)

    def forward_traced(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor], list[torch.Tensor]]:
        """Like ``forward`` (same operations, same numbers), also returning each hidden layer's
        pre-activations and activations."""
        pre, post = [], []
        for linear, act in zip(self.hidden, self.activations):
            z = linear(x)
            x = act(z)
            pre.append(z)
            post.append(x)
        return self.head(x), pre, post

    def loss(self, output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        """BCE on logits for two classes, cross-entropy for more, MSE for regression."""
        if self.n_classes == 2:
            return F.binary_cross_entropy_with_logits(output.squeeze(1), target.to(output.dtype))
        if self.n_classes > 2:
            return F.cross_entropy(output, target)
        return F.mse_loss(output.squeeze(1), target)

    def predict(self, output: torch.Tensor) -> torch.Tensor:
        """Class indices (classification) or values (regression) from the head's output."""
        if self.n_classes == 2:
            return (output.squeeze(1) > 0).long()
        if self.n_classes > 2:
            return output.argmax(dim=1)
        return output.squeeze(1)

    def accuracy(self, output: torch.Tensor, target: torch.Tensor) -> float | None:
        if self.n_classes == 0 or len(target) == 0:
            return None
        return int((self.predict(output) == target).sum()) / len(target)


def fill(linear: nn.Linear, weight_init, bias_init, seed: int, layer: int | str, gain: float,
          stream: tuple[str | int, ...] = ("init",)) -> None:
    """Draw ``linear``'s weights and bias as its specs say, from the seed's ``stream`` for this layer."""
    fan_out, fan_in = linear.weight.shape
    generator = torch_rng(seed, *stream, layer, "weight")
    if weight_init.kind == "rai":  # weights and bias are drawn together, one row per unit
        rows = rai((fan_out, fan_in + 1), generator)
        linear.weight.copy_(rows[:, :fan_in])
        linear.bias.copy_(rows[:, fan_in])
        return
    linear.weight.copy_(draw(weight_init, (fan_out, fan_in), generator, fan_in, fan_out, gain))
    linear.bias.copy_(draw(bias_init, (fan_out,), torch_rng(seed, *stream, layer, "bias"), fan_in, fan_out, gain))
