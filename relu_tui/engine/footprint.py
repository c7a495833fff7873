"""How much memory a scenario needs, estimated from its spec before anything is built.

A width of 4096 over 50 layers, or 10^6 samples of 4096 features, fit the documented ranges but not
in any ordinary machine: building them swaps the machine to a halt or dies with a traceback. The
commands compare this estimate with the memory available and refuse up front
(``--no-memory-check`` skips the comparison). The figures follow what the code allocates:

- data: the generator's float64 arrays and their copies while splitting and transforming (CSV
  tables are already read), then the float32 tensors kept;
- parameters: the weights, their gradients, the optimizer's state and the copy kept at the start
  of every epoch;
- history: checkpoints (parameters and optimizer state) and per-unit records, thinned to the
  history budget but never below the epochs it always keeps;
- activations: the full-training-set forward pass the diagnosis makes after every epoch keeps every
  layer's pre-activations and activations, plus the gradients flowing back through the widest layer.

The estimate stays within a factor of two of the measured peak (a test checks one mid-size scenario).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from relu_tui.engine.history import DEFAULT_BUDGET_MB
from relu_tui.errors import ScenarioError
from relu_tui.spec.scenario import Scenario, SweepSpec

GB = 2**30
BASELINE = 300 * 2**20  # the interpreter with PyTorch and the app loaded
RECORD_BYTES_PER_UNIT = 48  # the per-unit arrays of a LayerRecord
ALWAYS_KEPT = 17  # epoch 0 and the 16 most recent: history keeps them whatever its budget
_OPTIMIZER_STATES = {"adam": 2, "rmsprop": 1}  # tensors per parameter beside the gradient
FLAG = "--no-memory-check"


@dataclass(frozen=True)
class Footprint:
    """Bytes one trainer needs: ``resident`` for as long as it lives, ``transient`` at its peak."""

    data: int
    parameters: int
    history: int
    activations: int

    @property
    def resident(self) -> int:
        return self.parameters + self.history

    @property
    def total(self) -> int:
        return self.data + self.parameters + self.history + self.activations


def footprint(scenario: Scenario) -> Footprint:
    """The memory one trainer of ``scenario`` (a single variant) needs, from its spec alone."""
    data, model, training = scenario.data, scenario.model, scenario.training
    n, d = data.n_samples, data.n_features
    n_train, n_test = n - data.n_test, data.n_test
    if data.table is not None:  # read already; split copies in float64, then float32 tensors
        data_bytes = 8 * n * d + 4 * n * d
    else:  # at the peak: x, the noise and their sum in float64 (the split copies come after)
        data_bytes = 3 * 8 * n * d
    widths = [layer.width for layer in model.layers]
    out = data.n_classes if data.n_classes > 2 else 1
    fans = [d, *widths]
    n_params = sum((fan + 1) * width for fan, width in zip(fans, [*widths, out]))
    n_params += sum(layer.activation.learnable * layer.width for layer in model.layers)
    states = _OPTIMIZER_STATES.get(training.optimizer, 0) + (training.momentum > 0)
    parameters = 4 * n_params * (3 + states)  # weights, gradients, epoch-start copy, optimizer state
    checkpoint = 4 * n_params * (1 + states)
    record = RECORD_BYTES_PER_UNIT * sum(widths)
    budget = int(DEFAULT_BUDGET_MB * 2**20 / 2)  # each of the two stores
    epochs = training.epochs + 1
    history = sum(min(epochs * size, max(budget, ALWAYS_KEPT * size)) for size in (checkpoint, record))
    widest = max(widths)
    one_pass = 4 * n_train * (2 * sum(widths) + 2 * widest + out) + 4 * n_test * 2 * widest
    # The heap keeps part of each freed pass until it is trimmed (every 16 epochs): measured peaks
    # sit between one pass and two.
    activations = one_pass * 3 // 2
    return Footprint(data_bytes, parameters, history, activations)


def sweep_bytes(spec: SweepSpec, trials: int | None = None, workers: int | None = None) -> int:
    """Peak bytes of a born-dead sweep: each worker holds a batch of ``trials`` nets' activations on
    every point (input, pre-activation and output of a layer) and one layer's weights, in float64."""
    trials = trials or spec.trials
    workers = min(workers or os.cpu_count() or 1, spec.size)
    width = max(spec.widths)
    per_worker = 8 * trials * (3 * spec.points * width + width * (width + 1))
    if spec.kind == "small_targets":  # training keeps every layer's activations for the backward pass
        per_worker *= 2 * max(spec.depths)
    return workers * per_worker


def available_memory() -> int | None:
    """Bytes this process can still allocate: MemAvailable, or less under a cgroup's limit."""
    found = []
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError):
        try:
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (OSError, ValueError, AttributeError):
            pass
    cgroup = Path("/sys/fs/cgroup")
    try:
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return max(min(found), 0) if found else None


def check_memory(scenario: Scenario, *, variants: tuple[str, ...] | None = None, together: bool = False,
                 sweep: SweepSpec | None = None, trials: int | None = None, workers: int | None = None,
                 available: int | None = None) -> int:
    """Raise ScenarioError when the run would need more memory than is available; the estimate otherwise.

    ``variants`` are the ones to train (default: all); ``together``: all alive at once (the app
    keeps one trainer per variant), else one after another. With ``sweep`` only the sweep counts.
    """
    if sweep is not None:
        need, key, parts = BASELINE + sweep_bytes(sweep, trials, workers), "sweep", ""
    else:
        prints = [footprint(scenario.with_variant(name)) for name in variants or scenario.variant_names]
        if together:
            peak = max(prints, key=lambda f: f.total - f.resident)
            need = BASELINE + sum(f.resident for f in prints) + peak.total - peak.resident
        else:
            peak = max(prints, key=lambda f: f.total)
            need = BASELINE + peak.total
        key = "data" if peak.data >= max(peak.parameters, peak.history, peak.activations) else "model.layers"
        parts = (f" (data {_gb(peak.data)}, parameters and optimizer {_gb(peak.parameters)}, "
                 f"history {_gb(peak.history)}, activations {_gb(peak.activations)})")
    free = available_memory() if available is None else available
    if free is not None and need > free:
        raise ScenarioError(f"needs about {_gb(need)} of memory{parts}, more than the {_gb(free)} available",
                            source=scenario.source, key=key,
                            expected=f"a smaller scenario (fewer samples, fewer or narrower layers), or {FLAG}")
    return need


def _gb(n: int) -> str:
    return f"{n / GB:.1f} GB" if n >= GB / 10 else f"{n / 2**20:.0f} MB"
