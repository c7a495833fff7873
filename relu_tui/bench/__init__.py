"""``relu-tui bench``: the speed a user feels, measured side by side in one run, against targets.

1. engine overhead against a plain PyTorch loop (:mod:`.engine`);
2. keypress to refreshed screen and 5. bytes per step, on the real app in a pty (:mod:`.interactive`);
3. play-mode epochs per second against headless training; 4. start-up against importing torch and textual;
6. how time and memory grow with the data, the width and a long history (:mod:`.scale`);
and what a :class:`relu_tui.Monitor` costs a user's own training loop (:mod:`.monitoring`).
"""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from relu_tui.bench.engine import CASE_B, cases, overhead, plain_loop

SECTIONS = ("engine", "keys", "play", "startup", "scale", "monitor")
LONG_RUN = "deep_init"  # the largest bundled scenario

__all__ = ["SECTIONS", "plain_loop", "run_bench"]


def machine() -> str:
    """CPU, cores, memory, load and library versions, for the table's caption."""
    import textual
    import torch

    cpu = platform.processor() or platform.machine()
    memory = ""
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next((line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")), cpu)
        total_kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                            if line.startswith("MemTotal")))
        memory = f", {total_kb / 2**20:.0f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"{cpu}, {os.cpu_count()} cores{memory}, load {load:.2f}; torch {torch.__version__} "
            f"({torch.get_num_threads()} threads by default, one for small networks), "
            f"textual {textual.__version__}, Python {platform.python_version()}")


class Report:
    """Prints each section as it finishes and collects the summary rows."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.rows: list[tuple[str, str, str, str, bool | None]] = []

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def target(self, measure: str, case: str, value: str, target: str, met: bool | None) -> None:
        self.rows.append((measure, case, value, target, met))

    def summary(self) -> None:
        self.line("\n## Summary\n")
        self.line("| measure | case | value | target | met |")
        self.line("|---|---|---|---|---|")
        for measure, case, value, target, met in self.rows:
            verdict = "–" if met is None else "yes" if met else "**no**"
            self.line(f"| {measure} | {case} | {value} | {target} | {verdict} |")


def run_bench(repeats: int, quick: bool, out: IO[str], only: Sequence[str] = SECTIONS) -> list[tuple]:
    """Run the chosen sections (``quick``: small sizes and few repeats, a smoke test) and print
    Markdown tables, then the summary against the targets; returns the summary rows."""
    report = Report(out)
    report.line(f"# relu-tui bench\n\n{machine()}\n")
    with tempfile.TemporaryDirectory() as tmp:
        case_b = Path(tmp) / "bench_b.toml"
        case_b.write_text(CASE_B)
        if "engine" in only:
            _engine(report, repeats, quick)
        if "keys" in only:
            _keys(report, quick, case_b)
        if "play" in only:
            _play(report, quick, case_b)
        if "startup" in only:
            _startup(report, 2 if quick else repeats)
        if "scale" in only:
            _scale(report, quick)
        if "monitor" in only:
            _monitor(report, repeats, quick)
    report.summary()
    return report.rows


def _engine(report: Report, repeats: int, quick: bool) -> None:
    report.line("## 1. Engine overhead: training + per-unit diagnosis + history vs a plain PyTorch loop\n")
    report.line("| case | epochs | engine ms/epoch | plain ms/epoch | ratio | same weights |")
    report.line("|---|---|---|---|---|---|")
    for case in cases(quick):
        row = overhead(case, repeats)
        report.line(f"| {row.label} | {row.epochs} | {row.engine_ms:.2f} | {row.plain_ms:.2f} | {row.ratio:.2f}x | "
                    f"{'yes' if row.same_weights else 'NO'} |")
        limit = 1.5 if row.label.startswith("(c)") else 3.0
        report.target("1. engine overhead", row.label, f"{row.ratio:.2f}x", f"<= {limit}x",
                      row.ratio <= limit and row.same_weights)
    report.line(f"\nmedians of {repeats} runs each, alternating\n")


def _app_cases(case_b: Path) -> list[tuple[str, list[str], int]]:
    """(label, app arguments, parameters x training samples) for every bundled scenario and case (b)."""
    from relu_tui.engine.data import make_dataset
    from relu_tui.engine.model import Network
    from relu_tui.spec.bundled import bundled
    from relu_tui.spec.scenario import load_scenario

    found = []
    for path in [*bundled(), case_b]:
        scenario = load_scenario(path)
        data = make_dataset(scenario.data, scenario.seed, scenario.source)
        model = Network(scenario.model, data.n_features, data.n_classes, scenario.seed)
        work = sum(p.numel() for p in model.parameters()) * len(data.y_train)
        label = "(b) 2-64x3-1, 1k" if path == case_b else scenario.name
        found.append((label, [str(path)], work))
    return found


def _keys(report: Report, quick: bool, case_b: Path) -> None:
    from relu_tui.bench.interactive import stepping

    presses = 10 if quick else 50
    report.line(f"## 2. Keypress to refreshed screen, and 5. bytes per step (120x40, {presses} presses of space)\n")
    report.line("| scenario | params x samples | median ms | p95 ms | median KB/step | max KB/step |")
    report.line("|---|---|---|---|---|---|")
    app_cases = _app_cases(case_b)
    size_b = next(work for label, _, work in app_cases if label.startswith("(b)"))
    for label, args, work in app_cases:
        row = stepping(label, args, presses)
        report.line(f"| {label} | {work:,} | {row.median_ms:.1f} | {row.p95_ms:.1f} | {row.median_bytes / 1024:.1f} | "
                    f"{row.max_bytes / 1024:.1f} |")
        within_b = work <= size_b
        report.target("2. keypress p95", label, f"{row.p95_ms:.0f} ms", "<= 50 ms" if within_b else "(larger than b)",
                      row.p95_ms <= 50 if within_b else None)
        if label == "negative_init" or label.startswith("(b)"):
            limit = 20 if label == "negative_init" else 40
            report.target("5. bytes per step", label, f"{row.median_bytes / 1024:.1f} KB (max {row.max_bytes / 1024:.1f})",
                          f"<= {limit} KB", row.max_bytes <= limit * 1024)
    report.line("\nlatency: space sent to the last byte of the frame showing the next epoch (then 100 ms of quiet)\n")


def _play(report: Report, quick: bool, case_b: Path) -> None:
    from relu_tui.bench.interactive import playing
    from relu_tui.spec.bundled import find_scenario
    from relu_tui.spec.scenario import load_scenario

    seconds = 2.0 if quick else 5.0
    report.line(f"## 3. Play mode at full speed: epochs per second with the app open vs headless ({seconds:g} s)\n")
    report.line("| scenario | app ep/s | headless ep/s | ratio |")
    report.line("|---|---|---|---|")
    for label, path in (("negative_init", find_scenario("negative_init")), ("(b) 2-64x3-1, 1k", case_b)):
        row = playing(label, [str(path)], load_scenario(path), seconds)
        report.line(f"| {label} | {row.app_rate:.0f} | {row.headless_rate:.0f} | {row.ratio:.2f} |")
        report.target("3. play speed", label, f"{row.ratio:.2f} of headless", ">= 0.8", row.ratio >= 0.8)
    report.line("\napp: the epoch counter on screen; headless: the same trainer stepping in this process, half of the "
                "time just before the app runs and half just after\n")


def _startup(report: Report, repeats: int) -> None:
    from relu_tui.bench.interactive import start_up
    from relu_tui.spec.bundled import find_scenario
    from relu_tui.spec.scenario import load_scenario

    report.line("## 4. Start-up of `relu-tui negative_init` (120x40)\n")
    row = start_up(["negative_init"], load_scenario(find_scenario("negative_init")), repeats)
    report.line("| first complete frame | engine ready (epoch 0 diagnosed) | `python -c \"import torch, textual\"` | ratio |")
    report.line("|---|---|---|---|")
    report.line(f"| {row.first_frame_s:.2f} s | {row.ready_s:.2f} s | {row.imports_s:.2f} s | {row.ratio:.2f} |")
    report.line(f"\nmedians of {repeats} launches; first frame: the scenario, every panel and the key bar\n")
    report.target("4. start-up", "negative_init", f"{row.ratio:.2f} of the imports", "<= 1.0", row.ratio <= 1.0)


def _scale(report: Report, quick: bool) -> None:
    from relu_tui.bench.scale import long_run, scale_points

    report.line("## 6. Scale: full-batch epoch (training + diagnosis + history), snapshot, memory\n")
    report.line("| case | samples | width | epoch ms | snapshot ms | peak RSS MB | history MB |")
    report.line("|---|---|---|---|---|---|---|")
    for p in scale_points(quick):
        report.line(f"| {p.label} | {p.n_samples:,} | {p.width} | {p.epoch_ms:.1f} | {p.snapshot_ms:.1f} | "
                    f"{p.rss_mb:.0f} | {p.history_mb:.1f} |")
    epochs = 500 if quick else 10_000
    seconds, history_mb, start_mb, peak_mb = long_run(LONG_RUN, epochs)
    growth = peak_mb - start_mb
    report.line(f"\n{epochs:,} epochs of {LONG_RUN}: {seconds:.0f} s; the history holds {history_mb:.0f} MB; the "
                f"process grew from {start_mb:.0f} MB (PyTorch, data, model) to a peak of {peak_mb:.0f} MB\n")
    report.target("6. history memory", f"{LONG_RUN}, {epochs:,} epochs",
                  f"{history_mb:.0f} MB held, process +{growth:.0f} MB", "<= 500 MB", max(history_mb, growth) <= 500)


def _monitor(report: Report, repeats: int, quick: bool) -> None:
    from relu_tui.bench.monitoring import SETTINGS, monitor_costs, record_costs

    report.line("## Monitor: one record of a layer of N units (taking the counts, the states, writing the log)\n")
    report.line("| units | ms per record | bytes per unit |")
    report.line("|---|---|---|")
    for cost in record_costs():
        report.line(f"| {cost.units:,} | {cost.ms:.2f} | {cost.bytes_per_unit:.1f} |")
        if cost.units >= 100_000:
            report.target("monitor record", f"{cost.units:,} units", f"{cost.ms:.1f} ms", "<= 50 ms", cost.ms <= 50)
    report.line("\nper record: the median of 5 rounds of 32 records and the flush that writes them, after a round "
                "of warm-up\n")

    rows = monitor_costs(repeats, quick)
    shown = [s for s in SETTINGS[1:] if s in rows[0].ms]
    report.line("## Monitor: a user's training loop with `relu_tui.Monitor`, a naive monitor, TensorBoard histograms\n")
    report.line("| model | ms/step without | " + " | ".join(shown) + " |")
    report.line("|---|---|" + "---|" * len(shown))
    for row in rows:
        cells = [f"{row.ms[s]:.2f} (x{row.ratio(s):.2f})" for s in shown]
        report.line(f"| {row.label} | {row.plain_ms:.2f} | " + " | ".join(cells) + " |")
        for setting, limit in (("monitor every 10", 1.05), ("monitor every 1", 1.25)):
            report.target(f"monitor overhead, {setting.split(' ', 1)[1]}", row.label, f"x{row.ratio(setting):.2f}",
                          f"<= {limit}x", row.ratio(setting) <= limit)
        others = [s for s in shown if not s.startswith("monitor") and s.endswith("every 1")]
        cheapest = min(others, key=row.ratio)
        report.target("monitor vs the alternatives", row.label,
                      f"x{row.ratio('monitor every 1'):.2f} vs {cheapest} x{row.ratio(cheapest):.2f}",
                      "cheaper than each", all(row.ms["monitor every 1"] < row.ms[s] for s in others))
    report.line(f"\nmedians of {repeats} rounds, the settings taking turns 10 steps at a time (TensorBoard beside a "
                "plain loop of its own: its writer's thread slows what runs after it); ratios to the plain loop "
                "measured beside each; PyTorch's default threads, as in a user's own script; the naive monitor "
                "reads each layer's dead count back to the host every step\n")
