"""The ``relu-tui`` command: open the app on a scenario, or run, check, list and benchmark headlessly."""

from __future__ import annotations

import argparse
import itertools
import os
import stat
import sys
from collections.abc import Sequence
from pathlib import Path

from relu_tui.spec.bundled import bundled, find_scenario
from relu_tui.errors import InputError, ScenarioError
from relu_tui.visible import visible

COMMANDS = ("run", "check", "list", "sweep", "bench", "screenshot", "watch", "serve")
USAGE = """\
usage: relu-tui [SCENARIO] [--variant NAME]     open the app (no SCENARIO: pick a bundled one)
       relu-tui run SCENARIO [--variant NAME | --all-variants] [--epochs N] [--seed N]
                             [--format jsonl|csv|table]
       relu-tui check SCENARIO...               validate scenario files (exit 2 on any error)
       relu-tui list                            the bundled scenarios
       relu-tui sweep SCENARIO [--trials N] [--workers N] [--format jsonl|csv|table]
                                                the scenario's [sweep]: Monte Carlo at initialization
       relu-tui bench [--repeats N] [--quick] [--only engine,keys,play,startup,scale,monitor]
                                                the speed a user feels, measured against targets
       relu-tui screenshot SCENARIO -o FILE.svg [--variant NAME] [--epochs N] [--size 120x40]
                                   [--keys "v c"]  an SVG of the app after N epochs and the keys
       relu-tui screenshot --all DIR            every bundled scenario at its showcase epoch
       relu-tui watch RUNDIR                    follow a run log written by relu_tui.Monitor, live
       relu-tui serve [SCENARIO] [--host H] [--port N] [--max-sessions N]
                                                the app in a browser tab (textual-serve)

SCENARIO is a path to a .toml file or a bundled scenario's name, e.g. negative_init.
The app, run, check, sweep and screenshot first estimate the memory a scenario needs and refuse
one that does not fit in the memory available; --no-memory-check skips that.
"""


class UsageError(Exception):
    """A mistake on the command line (reported in one line, exit 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


def _fail(message: str) -> int:
    print(f"relu-tui: error: {visible(message)}", file=sys.stderr)
    return 2


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in ("-h", "--help"):
        print(USAGE, end="")
        return 0
    if args and args[0] in ("-V", "--version"):
        from relu_tui import __version__

        print(f"relu-tui {__version__}")
        return 0
    try:
        if args and args[0] in COMMANDS:
            return _COMMANDS[args[0]](args[1:])
        return _open_app(args)
    except (InputError, UsageError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit under `| head`
        return 0


def _open_app(args: list[str]) -> int:
    parser = _Parser(prog="relu-tui", usage=USAGE)
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("--variant", default="base")
    _memory_flag(parser)
    ns = parser.parse_args(args)
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


def _run(args: list[str]) -> int:
    parser = _Parser(prog="relu-tui run", description="Train headlessly and print one record per epoch.")
    parser.add_argument("scenario")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--variant", default="base", help="variant to run (default: base)")
    which.add_argument("--all-variants", action="store_true", help="run base, then every variant")
    parser.add_argument("--epochs", type=_non_negative, help="epochs to train (default: the scenario's budget)")
    parser.add_argument("--seed", type=_non_negative, help="override the scenario's seed")
    parser.add_argument("--format", choices=("jsonl", "csv", "table"), default="jsonl")
    _memory_flag(parser)
    ns = parser.parse_args(args)
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

    out = sys.stdout
    csv_writer = CsvWriter(out) if ns.format == "csv" else None
    for variant in variants:
        epochs = variant.training.epochs if ns.epochs is None else ns.epochs
        suit_threads(variant)
        trainer = Trainer(variant)
        records = itertools.chain([trainer.record], trainer.iter_epochs(epochs))
        if csv_writer:
            csv_writer.write(records, scenario.name, variant.variant)
        elif ns.format == "table":
            TableWriter(out).write(records, scenario.name, variant.variant, variant.title, epochs, trainer.n_train)
        else:
            write_jsonl(records, scenario.name, variant.variant, out)
        del trainer, records  # before the next variant's trainer is built, not after
    return 0


def _check(args: list[str]) -> int:
    parser = _Parser(prog="relu-tui check", description="Validate scenario files and build every variant.")
    parser.add_argument("scenarios", nargs="+")
    _memory_flag(parser)
    ns = parser.parse_args(args)
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
            _fail(str(exc))
            continue
        print(f"ok  {visible(name)}: {scenario.title} ({len(scenario.variant_names)} variant(s))")
    return 2 if failed else 0


def _list(args: list[str]) -> int:
    _Parser(prog="relu-tui list", description="List the bundled scenarios.").parse_args(args)
    from relu_tui.spec.scenario import load_scenario

    for path in bundled():
        scenario = load_scenario(path)
        variants = ", ".join(scenario.variants) or "-"
        print(f"{scenario.name:<20} {scenario.title}\n{'':<20} variants: {variants}")
    return 0


def _sweep(args: list[str]) -> int:
    parser = _Parser(prog="relu-tui sweep", description="Monte Carlo at initialization: how often is a deep narrow net born dead, or a unit dead everywhere?")
    parser.add_argument("scenario")
    parser.add_argument("--trials", type=_positive, help="random nets per grid point (default: the scenario's)")
    parser.add_argument("--workers", type=_positive, help="processes (default: one per core)")
    parser.add_argument("--format", choices=("jsonl", "csv", "table"), default="jsonl")
    _memory_flag(parser)
    ns = parser.parse_args(args)
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
    write_sweep(points, scenario, ns.format, sys.stdout)
    bar.close()
    return 0


def _bench(args: list[str]) -> int:
    from relu_tui.bench import SECTIONS, run_bench

    parser = _Parser(prog="relu-tui bench", description="Measure the speed a user feels, against targets.")
    parser.add_argument("--repeats", type=_positive, default=5)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated sections: {','.join(SECTIONS)}")
    ns = parser.parse_args(args)
    only = [name.strip() for name in ns.only.split(",") if name.strip()]
    unknown = [name for name in only if name not in SECTIONS]
    if unknown:
        raise UsageError(f"relu-tui bench: unknown section {unknown[0]!r}; expected some of {', '.join(SECTIONS)}")
    run_bench(repeats=ns.repeats, quick=ns.quick, out=sys.stdout, only=only)
    return 0


def _screenshot(args: list[str]) -> int:
    parser = _Parser(prog="relu-tui screenshot", description="Save an SVG of the real app, headless.")
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("-o", "--output", help="the .svg file to write")
    parser.add_argument("--all", metavar="DIR", help="screenshots of every bundled scenario into DIR")
    parser.add_argument("--variant", default="base")
    parser.add_argument("--epochs", type=_non_negative, default=0)
    parser.add_argument("--size", type=_size, default=(120, 40), help="COLUMNSxROWS (default 120x40)")
    parser.add_argument("--keys", default="", help="keys to press after training, e.g. 'v v' or 'c'")
    _memory_flag(parser)
    ns = parser.parse_args(args)
    if (ns.all is None) == (ns.scenario is None) or (ns.scenario is not None and ns.output is None):
        parser.error("give SCENARIO -o FILE.svg, or --all DIR")
    from relu_tui.app.driving import screenshot, showcase
    from relu_tui.files import WriteFailed
    from relu_tui.spec.scenario import load_scenario

    try:
        if ns.all is not None:
            for path in showcase(Path(ns.all), size=ns.size):
                print(path)
            return 0
        scenario = load_scenario(find_scenario(ns.scenario))
        scenario.with_variant(ns.variant)
        if ns.memory_check:
            from relu_tui.engine.footprint import check_memory

            check_memory(scenario, together=True)
        print(screenshot(scenario, Path(ns.output), variant=ns.variant, epochs=ns.epochs, size=ns.size,
                         keys=tuple(ns.keys.split())))
    except WriteFailed as exc:
        raise UsageError(f"relu-tui screenshot: {exc}") from None
    return 0


def _memory_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--no-memory-check", dest="memory_check", action="store_false",
                        help="build the scenario even if its estimated memory exceeds what is available")


def _size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) < 20 or int(height) < 10:
        raise argparse.ArgumentTypeError(f"expected COLUMNSxROWS such as 120x40, got {text!r}")
    return int(width), int(height)


def _non_negative(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _positive(text: str) -> int:
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _watch(args: list[str]) -> int:
    parser = _Parser(prog="relu-tui watch", description="Follow a run log written by relu_tui.Monitor.")
    parser.add_argument("run_dir", help="the directory given to Monitor(model, RUNDIR)")
    ns = parser.parse_args(args)
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


def _serve(args: list[str]) -> int:
    from relu_tui.app.serving import MAX_SESSIONS, ServeUnavailable, serve

    parser = _Parser(prog="relu-tui serve", description="Serve the app to a browser tab with textual-serve.")
    parser.add_argument("scenario", nargs="?")
    parser.add_argument("--variant", default="base")
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=_positive, default=8000)
    parser.add_argument("--max-sessions", type=_positive, default=MAX_SESSIONS,
                        help=f"browser tabs served at once, each its own app process (default {MAX_SESSIONS})")
    ns = parser.parse_args(args)
    command = [sys.executable, "-m", "relu_tui"]
    if ns.scenario is not None:
        from relu_tui.spec.scenario import load_scenario

        path = find_scenario(ns.scenario)
        load_scenario(path).with_variant(ns.variant)  # a mistake fails here, not in the browser
        command += [str(path.resolve()), "--variant", ns.variant]
    try:
        return serve(command, ns.host, ns.port, ns.max_sessions)
    except ServeUnavailable as exc:
        raise UsageError(str(exc)) from None


_COMMANDS = {"run": _run, "check": _check, "list": _list, "sweep": _sweep, "bench": _bench,
             "screenshot": _screenshot, "watch": _watch, "serve": _serve}
