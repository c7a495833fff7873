"""relu-tui: watch ReLU neurons live, die and recover while a real PyTorch network trains.

The domain API has no UI imports and works from plain scripts::

    from relu_tui import Trainer, load_scenario
    trainer = Trainer(load_scenario("scenarios/negative_init.toml"))

Names load lazily, so ``import relu_tui`` does not pull in PyTorch.
"""

from __future__ import annotations

from .lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "InputError": "errors",
    "ScenarioError": "errors",
    "Scenario": "scenario",
    "load_scenario": "scenario",
    "loads_scenario": "scenario",
    "STATES": "records",
    "EpochRecord": "records",
    "LayerRecord": "records",
    "Trainer": "trainer",
    "explain": "explanations",
    "cause_text": "explanations",
    "find_scenario": "bundled",
    "Monitor": "monitor",
    "RunLog": "monitor",
    "RunLogTail": "monitor",
    "read_run": "monitor",
    "RunLogError": "monitor",
    "NoRunError": "monitor",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
