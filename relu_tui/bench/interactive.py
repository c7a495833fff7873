"""What a person at the keyboard feels: keypress latency, bytes per step, play speed and start-up,
each measured on the real app in a pseudo-terminal (see :mod:`relu_tui.bench.terminal`)."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from dataclasses import dataclass

from relu_tui.bench.terminal import Terminal
from relu_tui.engine.threads import suit_threads
from relu_tui.engine.trainer import Trainer
from relu_tui.spec.scenario import Scenario

SIZE = (120, 40)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (``share`` in 0..1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


@dataclass(frozen=True)
class Stepping:
    """Space pressed ``presses`` times: keypress to the last byte of the refreshed screen, and bytes sent."""

    label: str
    presses: int
    median_ms: float
    p95_ms: float
    median_bytes: float
    max_bytes: int


def stepping(label: str, args: list[str], presses: int = 50) -> Stepping:
    """Open the app, wait for its first diagnosis, then press space ``presses`` times; each press
    counts until the status shows the next epoch and the terminal has been quiet for 100 ms."""
    latencies, sizes = [], []
    with Terminal(args, SIZE) as term:
        term.wait_for(Terminal.ready, timeout=300)
        term.pump()
        for _ in range(presses):
            before = term.epoch()
            sent = term.press(" ")
            count, last = term.pump(until=lambda t, before=before: t.epoch() == before + 1)
            latencies.append(1000 * (last - sent))
            sizes.append(count)
    return Stepping(label, presses, statistics.median(latencies), percentile(latencies, 0.95),
                    statistics.median(sizes), max(sizes))


@dataclass(frozen=True)
class Playing:
    label: str
    app_rate: float  # epochs per second shown on screen in play mode at full speed
    headless_rate: float  # epochs per second of the same engine without the app

    @property
    def ratio(self) -> float:
        return self.app_rate / self.headless_rate


def playing(label: str, args: list[str], scenario: Scenario, seconds: float = 5.0, warmup: float = 1.0) -> Playing:
    """Epochs per second in play mode at full speed (read off the screen's epoch counter over
    ``seconds``, after ``warmup``) against the same trainer stepping headless for as long: half of it just
    before the app runs and half just after, so a shared machine's drift falls on both sides alike."""
    suit_threads(scenario)  # as `relu-tui run` does
    trainer = Trainer(scenario)
    trainer.step_epochs(2)
    epochs, spent = _headless(trainer, seconds / 2)
    with Terminal(args, SIZE) as term:
        term.wait_for(Terminal.ready, timeout=300)
        term.pump()
        term.press("+++++++p")  # the fastest speed, then play
        term.wait_for(lambda t: "▶ max speed" in t.status)
        time.sleep(warmup)
        term.pump(quiet=0.0)
        start, first = time.perf_counter(), term.epoch()
        term.wait_for(lambda t: time.perf_counter() - start >= seconds, timeout=seconds + 30)
        end, last = time.perf_counter(), term.epoch()
        term.press("p")
    more, more_spent = _headless(trainer, seconds / 2)
    return Playing(label, (last - first) / (end - start), (epochs + more) / (spent + more_spent))


def _headless(trainer: Trainer, seconds: float) -> tuple[int, float]:
    """Epochs stepped in about ``seconds``, and the seconds they took."""
    begin, epochs = time.perf_counter(), 0
    while time.perf_counter() - begin < seconds:
        trainer.step_epoch()
        epochs += 1
    return epochs, time.perf_counter() - begin


@dataclass(frozen=True)
class StartUp:
    first_frame_s: float  # launch to a complete first frame: the scenario, every panel, the key bar
    ready_s: float  # launch to the engine's first diagnosis on screen
    imports_s: float  # `python -c "import torch, textual"`

    @property
    def ratio(self) -> float:
        return self.first_frame_s / self.imports_s


def start_up(args: list[str], scenario: Scenario, repeats: int = 5) -> StartUp:
    """Medians over ``repeats`` launches, alternating with the import baseline."""
    first, ready, imports = [], [], []

    def complete(term: Terminal) -> bool:
        lines = term.screen.display
        return scenario.title in lines[0] and "Network" in term.text and "Quit" in lines[-1]

    for _ in range(repeats):
        with Terminal(args, SIZE) as term:
            first.append(term.wait_for(complete) - term.started)
            ready.append(term.wait_for(Terminal.ready, timeout=300) - term.started)
        begin = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch, textual"], check=True)
        imports.append(time.perf_counter() - begin)
    return StartUp(statistics.median(first), statistics.median(ready), statistics.median(imports))
