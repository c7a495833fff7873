"""Scenario files: TOML in, a validated, immutable :class:`Scenario` out.

Every mistake raises :class:`~relu_tui.errors.ScenarioError` naming the file,
line, dotted key, bad value and what was expected. Nothing in a scenario is
executed: it is data read with :mod:`tomllib` and checked by :mod:`relu_tui.spec.parse`.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from relu_tui.errors import ScenarioError
from relu_tui.files import SCENARIO_LIMIT, read_text
from relu_tui.spec.activations import Activation
from relu_tui.spec.csvdata import CsvTable
from relu_tui.spec.inits import InitSpec
from relu_tui.spec.locate import KeyLocator
from relu_tui.spec.validate import did_you_mean, dotted

OPTIMIZERS = ("sgd", "momentum", "adam", "rmsprop")
TRANSFORMS = ("none", "standardize", "shift")


def output_width(n_classes: int) -> int:
    """The network's outputs: a logit per class, one logit for two classes, one value for a regression."""
    return n_classes if n_classes > 2 else 1


@dataclass(frozen=True)
class DataSpec:
    """Where samples come from and how they are split and transformed."""

    generator: str | None
    n_samples: int
    noise: float
    params: dict[str, Any]
    test_fraction: float
    transform: str
    shift: float
    n_features: int
    n_classes: int  # 0: regression
    csv: Path | None = None
    table: CsvTable | None = field(default=None, repr=False, compare=False)
    features: tuple[str, ...] = ()  # Playground's input features of two-coordinate data; () for the data's own

    @property
    def n_outputs(self) -> int:
        return output_width(self.n_classes)

    @property
    def n_test(self) -> int:
        """Samples in the test split: ``round(n × test_fraction)``."""
        return int(round(self.n_samples * self.test_fraction))

    def describe(self) -> str:
        origin = f"csv {self.csv}" if self.csv else f"{self.generator}, {self.n_samples} samples"
        extra = {"none": "", "standardize": ", standardized", "shift": f", shifted by {self.shift:g}"}
        features = f", features {' '.join(self.features)}" if self.features else ""
        return origin + features + extra[self.transform]


@dataclass(frozen=True)
class LayerSpec:
    """One hidden layer: width, activation and how its weights and bias start."""

    name: str
    width: int
    activation: Activation
    weight_init: InitSpec
    bias_init: InitSpec


@dataclass(frozen=True)
class OutputSpec:
    weight_init: InitSpec
    bias_init: InitSpec


@dataclass(frozen=True)
class ModelSpec:
    layers: tuple[LayerSpec, ...]
    output: OutputSpec


EVENT_KINDS = ("learning_rate", "set", "activation", "revive", "shuffle_targets")


@dataclass(frozen=True)
class Event:
    """One intervention, made before the update of ``epoch`` (so the diagnosis of ``epoch`` shows it).

    Of exactly one kind: ``learning_rate`` from then on; ``set``: hidden ``layer``'s ``unit`` gets a new
    ``bias`` and/or incoming ``weights``; ``activation``: ``layer`` swaps to it from then on; ``revive``:
    dead and dormant units re-initialised (ReDo), every layer's, ``layer``'s only, or just ``unit`` (dead
    or not); ``shuffle_targets``: the training targets move to other samples (a seeded permutation)."""

    epoch: int
    learning_rate: float | None = None
    layer: int | None = None
    unit: int | None = None
    bias: float | None = None
    weights: tuple[float, ...] | None = None
    activation: Activation | None = None
    revive: bool = False
    shuffle_targets: bool = False

    @property
    def kind(self) -> str:
        if self.shuffle_targets:
            return "shuffle_targets"
        if self.revive:
            return "revive"
        if self.activation is not None:
            return "activation"
        if self.bias is not None or self.weights is not None:
            return "set"
        return "learning_rate"

    def describe(self, layer_names: tuple[str, ...] = ()) -> str:
        """What it does, e.g. ``bias of hidden1[0] set to 1``, without its epoch."""
        where = layer_names[self.layer] if self.layer is not None and self.layer < len(layer_names) else \
            f"layer {self.layer}"
        if self.kind == "learning_rate":
            return f"learning rate set to {self.learning_rate:g}"
        if self.kind == "activation":
            return f"{where} swapped to {self.activation.describe()}"
        if self.kind == "revive":
            if self.unit is not None:
                return f"{where}[{self.unit}] re-initialised"
            return f"dead and dormant units of {where} revived" if self.layer is not None else \
                "every dead and dormant unit revived"
        if self.kind == "shuffle_targets":
            return "training targets shuffled"
        parts = ([f"bias set to {self.bias:g}"] if self.bias is not None else []) + (
            ["weights set to [" + ", ".join(f"{w:g}" for w in self.weights) + "]"] if self.weights is not None else [])
        return f"{where}[{self.unit}]: " + " and ".join(parts)


@dataclass(frozen=True)
class TrainingSpec:
    optimizer: str
    learning_rate: float
    momentum: float
    batch_size: int | None  # None: full batch
    weight_decay: float
    epochs: int
    events: tuple[Event, ...] = ()  # by epoch; those of one epoch in the file's order
    l1: float = 0.0  # l1 * sign(w) joins each weight's gradient before every update (not the biases')

    def learning_rate_at(self, epoch: int) -> float:
        """The rate used by the update of ``epoch`` (epochs count from 1)."""
        rate = self.learning_rate
        for event in self.events:
            if event.epoch <= epoch and event.learning_rate is not None:
                rate = event.learning_rate
        return rate

    def interventions_at(self, epoch: int) -> tuple[Event, ...]:
        """The events other than learning rates that act before the update of ``epoch``, in order."""
        return tuple(e for e in self.events if e.epoch == epoch and e.kind != "learning_rate")

    def targets_shuffled(self, epoch: int) -> int | None:
        """The epoch of the last target shuffle in effect at ``epoch`` (None: the data's own targets)."""
        return max((e.epoch for e in self.events if e.shuffle_targets and e.epoch <= epoch), default=None)


@dataclass(frozen=True)
class DiagnosisSpec:
    sparse_threshold: float = 0.1
    dormant_threshold: float = 0.025  # tau: a unit is dormant when its score is at most this


SWEEP_INITS = ("he", "he_zero_bias", "rai")
SWEEP_KINDS = ("born_dead", "stably_unactivated", "small_targets")


@dataclass(frozen=True)
class SweepSpec:
    """A Monte Carlo grid: how often is a deep, narrow ReLU net on one input born dead (kind born_dead),
    a second-layer unit dead on all of R^n0 (stably_unactivated), or a unit dead after training on
    small targets (small_targets)?"""

    widths: tuple[int, ...]
    depths: tuple[int, ...]
    inits: tuple[str, ...]
    trials: int
    points: int  # inputs on the grid over [low, high] (per input dimension: about points^(1/n0))
    low: float
    high: float
    kind: str = "born_dead"
    inputs: tuple[int, ...] = ()  # n0 of a stably_unactivated sweep
    scales: tuple[float, ...] = ()  # a small_targets sweep: the targets' sizes ...
    momenta: tuple[float, ...] = ()  # ... the SGD momenta ...
    learning_rate: float = 0.0  # ... and how the nets train
    steps: int = 0

    @property
    def size(self) -> int:
        if self.kind == "stably_unactivated":
            return len(self.widths) * len(self.inputs)
        if self.kind == "small_targets":
            return len(self.scales) * len(self.momenta) * len(self.widths) * len(self.depths)
        return len(self.widths) * len(self.depths) * len(self.inits)


@dataclass(frozen=True)
class Scenario:
    """A validated scenario; ``variants`` maps each named variant to its own Scenario."""

    name: str
    title: str
    description: str
    seed: int
    data: DataSpec
    model: ModelSpec
    training: TrainingSpec
    diagnosis: DiagnosisSpec
    showcase_epoch: int = 10  # the epoch at which screenshots show this scenario
    sweep: SweepSpec | None = None
    source: Path | None = None
    variant: str = "base"
    summary: str = ""
    variants: dict[str, Scenario] = field(default_factory=dict, repr=False, compare=False)

    @property
    def variant_names(self) -> tuple[str, ...]:
        return ("base", *self.variants)

    def with_variant(self, name: str) -> Scenario:
        """The scenario as variant ``name`` (``"base"`` is the scenario itself)."""
        if name == "base":
            return self
        if name in self.variants:
            return self.variants[name]
        hint = did_you_mean(name, self.variant_names)
        raise ScenarioError("no such variant", source=self.source, key="variants", value=name,
                            expected="one of " + ", ".join(self.variant_names), hint=hint)

    def activations_at(self, epoch: int) -> tuple[Activation, ...]:
        """Each hidden layer's activation in the update of ``epoch`` (and the diagnosis after it)."""
        current = [layer.activation for layer in self.model.layers]
        for event in self.training.events:
            if event.epoch <= epoch and event.activation is not None:
                current[event.layer] = event.activation
        return tuple(current)

    def with_seed(self, seed: int) -> Scenario:
        """The same scenario and variants drawn from another seed."""
        variants = {k: replace(v, seed=seed) for k, v in self.variants.items()}
        return replace(self, seed=seed, variants=variants)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file (``ScenarioError`` on any problem)."""
    path = Path(path)
    try:
        text = read_text(path, SCENARIO_LIMIT, "a scenario TOML file")
    except ScenarioError as exc:
        raise exc.located(path) from None
    return loads_scenario(text, source=path)


def loads_scenario(text: str, source: str | Path | None = None) -> Scenario:
    """Validate scenario TOML ``text``; ``source`` names it in errors and anchors relative CSV paths."""
    label = str(source) if source is not None else "<scenario>"
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        problem = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        raise ScenarioError(f"TOML syntax error: {problem}", source=label,
                            line=int(match.group(1)) if match else None) from None
    except RecursionError:  # tomllib recurses once per level of nested arrays / inline tables
        raise ScenarioError("TOML syntax error: arrays or inline tables nested too deeply", source=label) from None
    except ValueError:  # int() refuses a decimal literal of more than sys.get_int_max_str_digits() digits
        raise _long_literal(text, label) from None
    from relu_tui.spec.parse import parse_scenario  # the parser builds this module's dataclasses

    return parse_scenario(doc, source=source, locator=KeyLocator(text))


def _long_literal(text: str, label: str) -> ScenarioError:
    """The error for an integer literal too long to read, at its line and key."""
    limit = sys.get_int_max_str_digits()
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(rf"\d[\d_]{{{limit},}}", line)
        if match:
            path = KeyLocator(text).key_at(number)
            digits = sum(c.isdigit() for c in match.group())
            return ScenarioError(f"integer literal too long ({digits} digits)", source=label, line=number,
                                 key=dotted(path) if path else None, expected=f"an integer of at most {limit} digits")
    return ScenarioError("TOML syntax error: a literal too long to read", source=label)
