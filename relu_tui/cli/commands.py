"""What each ``relu-tui`` command does, given its parsed arguments (declared in :mod:`relu_tui.cli`).

PyTorch and Textual are imported inside the commands that need them, so ``--help``, ``check``'s
parsing and ``list`` start fast.
"""

from __future__ import annotations

import collections
import itertools
import os
import stat
import sys
from argparse import Namespace
from pathlib import Path

from relu_tui.cli.parsing import UsageError
from relu_tui.errors import ScenarioError
from relu_tui.spec.bundled import bundled, find_scenario
from relu_tui.visible import visible


def fail(message: str) -> int:
    """Report ``message`` as one line on stderr; the exit status of bad input."""
    print(f"relu-tui: error: {visible(message)}", file=sys.stderr)
    return 2


def open_app(ns: Namespace) -> int:
    from relu_tui.spec.scenario import load_scenario

    scenario = None
    if ns.scenario is not None:
        scenario = load_scenario(find_scenario(ns.scenario))
        scenario.with_variant(ns.variant)  # a bad name fails here, before any screen opens
        if ns.memory_check:  # the app keeps a trainer for every variant it shows, and can run the sweep
            from relu_tui.engine.footprint import check_memory

            check_memory(scenario, together=True)
            if scenario.sweep is not None:
                check_memory(scenario, sweep=scenario.sweep)
    from relu_tui.app import run_app

    return run_app(scenario, variant=ns.variant)


def run(ns: Namespace) -> int:
    from relu_tui.spec.scenario import load_scenario

    scenario = load_scenario(find_scenario(ns.scenario))
    if ns.seed is not None:
        scenario = scenario.with_seed(ns.seed)
    names = scenario.variant_names if ns.all_variants else (ns.variant,)
    variants = [scenario.with_variant(name) for name in names]  # validate every name first
    if ns.memory_check:  # before PyTorch is even imported
        from relu_tui.engine.footprint import check_memory

        check_memory(scenario, variants=names)

    from relu_tui.engine.report import CsvWriter, TableWriter, write_jsonl
    from relu_tui.engine.threads import suit_threads
    from relu_tui.engine.trainer import Trainer
    from relu_tui.plots.runs import RunHistory

    out = sys.stdout
    form = _format(ns)
    csv_writer = CsvWriter(out) if form == "csv" else None
    histories = []
    for variant in variants:
        epochs = variant.training.epochs if ns.epochs is None else ns.epochs
        suit_threads(variant)
        trainer = Trainer(variant)
        records = itertools.chain([trainer.record], trainer.iter_epochs(epochs))
        if ns.plot:
            histories.append(RunHistory(variant.variant, variant.data.n_classes > 0))
            records = histories[-1].passing(records)
        if csv_writer:
            csv_writer.write(records, scenario.name, variant.variant)
        elif form == "table":
            TableWriter(out).write(records, scenario.name, variant.variant, variant.title, epochs, trainer.n_train)
        elif form == "jsonl":
            write_jsonl(records, scenario.name, variant.variant, out)
        else:
            collections.deque(records, maxlen=0)  # only the charts: train, keeping nothing but the scalars
        del trainer, records  # before the next variant's trainer is built, not after
    if ns.plot:
        from relu_tui.plots.printing import print_charts
        from relu_tui.plots.runs import run_charts

        if form:
            out.write("\n")
        print_charts(run_charts(histories), out, ns.width)
    return 0


def _format(ns: Namespace) -> str | None:
    """The records' format: the one asked for; else JSONL, or none at all when charts are asked for."""
    return ns.format or (None if ns.plot else "jsonl")


def check(ns: Namespace) -> int:
    from relu_tui.engine.data import make_dataset
    from relu_tui.engine.footprint import check_memory
    from relu_tui.engine.model import Network
    from relu_tui.spec.scenario import load_scenario

    failed = 0
    for name in ns.scenarios:
        try:
            scenario = load_scenario(find_scenario(name))
            if ns.memory_check:  # what `run` would need, and before building the data and networks
                check_memory(scenario)
            for variant in map(scenario.with_variant, scenario.variant_names):
                data = make_dataset(variant.data, variant.seed, variant.source)
                Network(variant.model, data.n_features, data.n_classes, variant.seed)
        except ScenarioError as exc:
            failed += 1
            fail(str(exc))
            continue
        print(f"ok  {visible(name)}: {scenario.title} ({len(scenario.variant_names)} variant(s))")
    return 2 if failed else 0


def list_scenarios(ns: Namespace) -> int:
    from relu_tui.spec.scenario import load_scenario

    for path in bundled():
        scenario = load_scenario(path)
        variants = ", ".join(scenario.variants) or "-"
        print(f"{scenario.name:<20} {scenario.title}\n{'':<20} variants: {variants}")
    return 0


def sweep(ns: Namespace) -> int:
    from relu_tui.spec.scenario import load_scenario

    scenario = load_scenario(find_scenario(ns.scenario))
    if scenario.sweep is None:
        raise UsageError(f"relu-tui sweep: {scenario.source} has no [sweep] table (see scenarios/README.md)")
    if ns.memory_check:
        from relu_tui.engine.footprint import check_memory

        check_memory(scenario, sweep=scenario.sweep, trials=ns.trials, workers=ns.workers)
    from relu_tui.engine.report import ProgressBar, write_sweep
    from relu_tui.engine.sweep import run_sweep

    bar = ProgressBar(sys.stderr, "sweep")
    points = run_sweep(scenario, trials=ns.trials, workers=ns.workers, progress=bar.update)
    form = _format(ns)
    if form:
        kept: list = []
        write_sweep((kept.append(p) or p for p in points), scenario, form, sys.stdout)  # streamed as they finish
        points = kept
    else:
        points = list(points)
    bar.close()
    if ns.plot:
        from relu_tui.plots.printing import print_charts
        from relu_tui.plots.sweep import kind_chart

        if form:
            sys.stdout.write("\n")
        print_charts([kind_chart(points, scenario.sweep)], sys.stdout, ns.width)
    return 0


def bench(ns: Namespace) -> int:
    from relu_tui.bench import SECTIONS, run_bench

    only = [name.strip() for name in ns.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        raise UsageError(f"relu-tui bench: unknown section {unknown[0]!r}; expected some of {', '.join(SECTIONS)}")
    run_bench(repeats=ns.repeats, quick=ns.quick, out=sys.stdout, only=only)
    return 0


def screenshot(ns: Namespace) -> int:
    if (ns.all is None) == (ns.scenario is None) or (ns.scenario is not None and ns.output is None):
        raise UsageError("relu-tui screenshot: give SCENARIO -o FILE.svg, or --all DIR")
    from relu_tui.app import driving
    from relu_tui.files import WriteFailed
    from relu_tui.spec.scenario import load_scenario

    try:
        if ns.all is not None:
            for path in driving.showcase(Path(ns.all), size=ns.size):
                print(path)
            return 0
        scenario = load_scenario(find_scenario(ns.scenario))
        scenario.with_variant(ns.variant)
        if ns.memory_check:
            from relu_tui.engine.footprint import check_memory

            check_memory(scenario, together=True)
        print(driving.screenshot(scenario, Path(ns.output), variant=ns.variant, epochs=ns.epochs, size=ns.size,
                                 keys=tuple(ns.keys.split())))
    except WriteFailed as exc:
        raise UsageError(f"relu-tui screenshot: {exc}") from None
    return 0


def watch(ns: Namespace) -> int:
    run_dir = Path(ns.run_dir)
    shown = visible(str(run_dir))
    try:
        mode = os.stat(run_dir).st_mode
    except FileNotFoundError:  # not made yet: watch waits for the run to make it
        mode = None
    except OSError as exc:  # a symlink loop, a path through a file, no permission
        raise UsageError(f"relu-tui watch: {shown}: {exc.strerror or exc}") from None
    if mode is not None and not stat.S_ISDIR(mode):
        kind = "a file" if stat.S_ISREG(mode) else "not a directory"
        raise UsageError(f"relu-tui watch: {shown} is {kind}; expected the run directory given to Monitor")
    from relu_tui.app.watch import run_watch

    return run_watch(run_dir)


def report(ns: Namespace) -> int:
    from relu_tui.monitor.summary import WRITERS, summarise

    WRITERS[ns.format](summarise(ns.run_dir), sys.stdout)
    return 0


def serve(ns: Namespace) -> int:
    from relu_tui.app import serving

    command = [sys.executable, "-m", "relu_tui"]
    if ns.scenario is not None:
        from relu_tui.spec.scenario import load_scenario

        path = find_scenario(ns.scenario)
        load_scenario(path).with_variant(ns.variant)  # a mistake fails here, not in the browser
        command += [str(path.resolve()), "--variant", ns.variant]
    try:
        return serving.serve(command, ns.host, ns.port, ns.max_sessions)
    except serving.ServeUnavailable as exc:
        raise UsageError(str(exc)) from None

