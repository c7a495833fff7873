"""How cost grows: epoch time, snapshot time and memory as the data and the width grow, and the
history's memory over a long run. Every point runs in a fresh process, so memory figures are its own."""

from __future__ import annotations

import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from relu_tui.bench.engine import mlp_toml
from relu_tui.spec.bundled import find_scenario
from relu_tui.spec.scenario import load_scenario, loads_scenario


@dataclass(frozen=True)
class ScalePoint:
    label: str
    n_samples: int
    width: int
    epoch_ms: float  # one full-batch epoch: training, per-unit diagnosis on the whole training set, history
    snapshot_ms: float  # what the app draws from: sampled heatmap, plane, traces
    rss_mb: float  # peak resident memory of the process, PyTorch included
    history_mb: float


def _rss_mb() -> float:
    """Peak resident memory of this process so far: VmHWM (ru_maxrss would include the parent's
    memory at the fork before this process's exec)."""
    try:
        status = Path("/proc/self/status").read_text()
        return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(label: str, n_samples: int, width: int, depth: int, epochs: int) -> ScalePoint:
    from relu_tui.engine.session import Session  # the app's own engine side: trainer plus snapshots

    scenario = loads_scenario(mlp_toml("scale", "moons", n_samples, width, depth, '"full"'), source=f"<bench {label}>")
    session = Session(scenario)
    trainer = session.trainer("base")
    session.snapshot("base")
    steps, snaps = [], []
    for _ in range(epochs):
        begin = time.perf_counter()
        trainer.step_epoch()
        steps.append(time.perf_counter() - begin)
        begin = time.perf_counter()
        session.snapshot("base")
        snaps.append(time.perf_counter() - begin)
    return ScalePoint(label, n_samples, width, 1000 * statistics.median(steps), 1000 * statistics.median(snaps),
                      _rss_mb(), trainer.history.nbytes / 2**20)


def _long_run(name: str, epochs: int) -> tuple[float, float, float, float]:
    """Seconds, history megabytes, and resident megabytes at the start and at the peak, for
    ``epochs`` epochs of a bundled scenario."""
    from relu_tui.engine.threads import suit_threads
    from relu_tui.engine.trainer import Trainer

    scenario = load_scenario(find_scenario(name))
    suit_threads(scenario)
    trainer = Trainer(scenario)
    start_mb = _rss_mb()
    begin = time.perf_counter()
    trainer.step_epochs(epochs)
    return time.perf_counter() - begin, trainer.history.nbytes / 2**20, start_mb, _rss_mb()


def _fresh_process() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"))


def scale_points(quick: bool) -> list[ScalePoint]:
    """Samples 1k to 100k (2-64x3-1), then width 8 to 1,024 (2-Wx2-1 on 1k samples)."""
    epochs = 3 if quick else 10
    grid = [(f"{n // 1000}k samples, width 64", n, 64, 3) for n in (1000, 10_000, 100_000)]
    grid += [(f"width {w}, 1k samples", 1000, w, 2) for w in (8, 64, 256, 1024)]
    points = []
    for label, n, width, depth in grid:
        with _fresh_process() as pool:
            points.append(pool.submit(_measure, label, n, width, depth, epochs).result())
    return points


def long_run(name: str, epochs: int) -> tuple[float, float, float, float]:
    with _fresh_process() as pool:
        return pool.submit(_long_run, name, epochs).result()
