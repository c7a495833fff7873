"""How many threads PyTorch's operations get: small networks run fastest on one.

Splitting a small matrix product across cores costs more than it saves, and when the machine is
busy (another job, or the app's own UI thread) waiting for a second core costs far more: on a
loaded 2-core machine a 5-layer net stepped 10x slower on two threads than on one.
"""

from __future__ import annotations

import os

import torch

from relu_tui.spec.scenario import Scenario

SMALL_WORK = 20_000_000  # parameters x training samples per epoch below which one thread is fastest


def epoch_work(scenario: Scenario) -> int:
    """Parameters times training samples: the size of one full-batch epoch, read off the scenario."""
    data = scenario.data
    sizes = [data.n_features, *(layer.width for layer in scenario.model.layers),
             data.n_outputs]
    parameters = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(sizes, sizes[1:]))
    return parameters * round(data.n_samples * (1 - data.test_fraction))


def suit_threads(scenario: Scenario, *, beside_ui: bool = False) -> int:
    """Set the calling thread's PyTorch intra-op threads for ``scenario``: one for a small network,
    else every core (all but one when a UI shares the machine). Returns the count."""
    cores = os.cpu_count() or 1
    threads = 1 if epoch_work(scenario) < SMALL_WORK else max(1, cores - 1 if beside_ui else cores)
    torch.set_num_threads(threads)
    return threads
