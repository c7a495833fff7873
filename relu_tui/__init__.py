"""relu-tui: watch ReLU neurons live, die and recover while a real PyTorch network trains.

The domain API has no UI imports and works from plain scripts::

    from relu_tui import Trainer, load_scenario
    trainer = Trainer(load_scenario("scenarios/negative_init.toml"))

Names load lazily, so ``import relu_tui`` does not pull in PyTorch.
"""

from __future__ import annotations

from relu_tui.lazy import lazy_exports

__version__ = "0.1.0"

_EXPORTS = {
    "InputError": "errors",
    "ScenarioError": "errors",
    "Scenario": "spec.scenario",
    "load_scenario": "spec.scenario",
    "loads_scenario": "spec.scenario",
    "STATES": "engine.records",
    "EpochRecord": "engine.records",
    "LayerRecord": "engine.records",
    "Trainer": "engine.trainer",
    "explain": "engine.explanations",
    "cause_text": "engine.explanations",
    "find_scenario": "spec.bundled",
    "Monitor": "monitor",
    "RunLog": "monitor",
    "RunLogTail": "monitor",
    "read_run": "monitor",
    "RunLogError": "monitor",
    "NoRunError": "monitor",
}
__all__ = sorted(_EXPORTS)

__getattr__ = lazy_exports(__name__, _EXPORTS)
