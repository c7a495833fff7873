"""Shared fixtures: small scenarios written inline."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import pytest_textual_snapshot

from relu_tui import EpochRecord, Scenario, Trainer, loads_scenario

from .snapshot_figures import CpuTolerantSVG

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"


@pytest.fixture(autouse=True, scope="session")
def _crash_logs_in_a_temporary_directory(tmp_path_factory):
    """An app that crashes under test writes its log here, not into ~/.local/state."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_STATE_HOME", str(tmp_path_factory.mktemp("state")))
        yield


@pytest.fixture
def _figures_may_round_differently(monkeypatch):
    """The plugin's ``snap_compare`` takes its SVG extension from its module when it is set up."""
    monkeypatch.setattr(pytest_textual_snapshot, "SVGImageExtension", CpuTolerantSVG)


@pytest.fixture
def snap_compare(_figures_may_round_differently, snap_compare):
    """The plugin's ``snap_compare``, but a figure's last digit may differ by one (another CPU rounds
    differently; see ``snapshot_figures``). The patch comes first in the arguments, so it is in
    place when the plugin's fixture is set up."""
    return snap_compare


def scenario(text: str, name: str = "inline.toml") -> Scenario:
    """A scenario from dedented TOML text."""
    return loads_scenario(textwrap.dedent(text), source=name)


def recorded_runs(scenario: Scenario):
    """``get(variant)``: every epoch record (index = epoch) over the budget, each variant trained once."""
    cache: dict[str, list[EpochRecord]] = {}

    def get(variant: str) -> list[EpochRecord]:
        if variant not in cache:
            spec = scenario.with_variant(variant)
            trainer = Trainer(spec)
            records = [trainer.record, *trainer.iter_epochs(spec.training.epochs)]
            assert len(records) == spec.training.epochs + 1 and not trainer.diverged
            cache[variant] = records
        return cache[variant]

    return get


@pytest.fixture
def moons_minibatch() -> Scenario:
    return scenario(
        """
        seed = 3
        [data]
        generator = "moons"
        n_samples = 80
        [[model.layers]]
        width = 8
        [[model.layers]]
        width = 6
        activation = "leaky_relu"
        [training]
        optimizer = "momentum"
        learning_rate = 0.1
        batch_size = 16
        epochs = 10
        """
    )


@pytest.fixture
def moons_fullbatch() -> Scenario:
    return scenario(
        """
        seed = 5
        [data]
        generator = "moons"
        n_samples = 60
        [[model.layers]]
        width = 5
        [training]
        optimizer = "adam"
        learning_rate = 0.05
        weight_decay = 0.001
        """
    )
