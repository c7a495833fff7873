"""The ``relu-tui`` command: open the app on a scenario, or run, check, list and benchmark headlessly.

Each command is declared once, below: its line in ``relu-tui --help``, its exit statuses, its
arguments (each with its help) and the function in :mod:`relu_tui.cli.commands` that runs it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from relu_tui import __version__
from relu_tui.cli import commands
from relu_tui.cli.parsing import Arg, Command, CommandLine, OneOf, UsageError, arg, non_negative, positive, size
from relu_tui.errors import InputError

__all__ = ["COMMAND_LINE", "USAGE", "UsageError", "main"]

SCENARIO = "a scenario .toml file, or a bundled scenario's name such as negative_init (relu-tui list)"
VARIANT = "the variant to {} (default: %(default)s)"
FORMAT = arg("--format", choices=("jsonl", "csv", "table"),
             help="one JSON record per line, CSV rows, or a table to read (default: jsonl; with --plot, none: "
                  "only the charts)")
PLOT = arg("--plot", action="store_true",
           help="{} to stdout afterwards, with a legend: in colour on a terminal, plain text in a file or a pipe")
WIDTH = arg("--width", type=positive, metavar="N", help="the charts' width in columns (default: the terminal's)")
MEMORY_CHECK = arg("--no-memory-check", dest="memory_check", action="store_false",
                   help="build the scenario even if its estimated memory exceeds what is available")

ONE_LINE = ": one line on stderr"
TOO_BIG = "bad input or usage, or a scenario too big for the memory available" + ONE_LINE
TRACEBACK = "an unexpected error (a bug): its traceback is printed"
INTERRUPTED = "interrupted (Ctrl-C)"


def _plot(what: str) -> Arg:
    return arg(*PLOT.flags, **{**PLOT.options, "help": PLOT.options["help"].format(what)})


def _bench_arguments() -> tuple[Arg, ...]:
    from relu_tui.bench import SECTIONS  # imports PyTorch: only when bench is the command

    return (arg("--repeats", type=positive, default=5, metavar="N",
                help="timed repeats of each measurement (default: %(default)s)"),
            arg("--quick", action="store_true", help="small sizes, for a smoke test"),
            arg("--only", default=",".join(SECTIONS), metavar="SECTIONS",
                help=f"comma-separated sections to run, of {','.join(SECTIONS)} (default: all)"))


def _serve_arguments() -> tuple[Arg, ...]:
    from relu_tui.app.serving import MAX_SESSIONS

    return (arg("scenario", nargs="?", help=f"{SCENARIO}; without it, each tab opens on the scenario picker"),
            arg("--variant", default="base", metavar="NAME", help=VARIANT.format("open")),
            arg("--host", default="localhost", metavar="HOST", help="the address to listen on (default: %(default)s)"),
            arg("--port", type=positive, default=8000, metavar="N",
                help="the port to listen on (default: %(default)s)"),
            arg("--max-sessions", type=positive, default=MAX_SESSIONS, metavar="N",
                help="browser tabs served at once, each its own app process (default: %(default)s)"))


APP = Command(
    None, commands.open_app,
    description="Watch ReLU units live, die and recover while a real PyTorch network trains, a keypress at a "
                "time. Given a scenario, relu-tui opens it in the app; given none, a picker of the bundled "
                "scenarios; given a COMMAND, it does that instead.",
    exits={0: "success: the command finished, or the app was quit",
           1: "a crash: the app and watch print one line naming the log that holds the traceback, in "
              "$XDG_STATE_HOME/relu-tui/ (by default ~/.local/state/relu-tui/); the other commands print it",
           2: "bad input or usage" + ONE_LINE + " (for the app, before any screen opens)",
           130: INTERRUPTED},
    arguments=(arg("scenario", nargs="?", help=f"{SCENARIO}; without it, a picker of the bundled scenarios opens"),
               arg("--variant", default="base", metavar="NAME", help=VARIANT.format("open")),
               MEMORY_CHECK))

COMMANDS = (
    Command(
        "run", commands.run, help="train headlessly and print one record per epoch",
        description="Train a scenario headlessly and print one record per epoch, epoch 0 (the initial "
                    "weights) first.",
        exits={0: "success", 1: TRACEBACK, 2: TOO_BIG, 130: INTERRUPTED},
        arguments=(arg("scenario", help=SCENARIO),
                   OneOf((arg("--variant", default="base", metavar="NAME", help=VARIANT.format("run")),
                          arg("--all-variants", action="store_true", help="run base, then every variant"))),
                   arg("--epochs", type=non_negative, metavar="N",
                       help="epochs to train (default: the scenario's budget)"),
                   arg("--seed", type=non_negative, metavar="N", help="override the scenario's seed"),
                   FORMAT, _plot("print charts of the loss, accuracy and dead share per epoch (a line per variant "
                                 "with --all-variants)"), WIDTH, MEMORY_CHECK)),
    Command(
        "check", commands.check, help="validate scenario files (exit 2 on any error)",
        description="Validate scenario files and build every variant's data and network: a line 'ok' for each "
                    "good one, a line naming the file, key and value for each bad one.",
        exits={0: "every scenario is valid", 1: TRACEBACK,
               2: "a scenario is invalid or too big for the memory available (one line on stderr for each), "
                  "or bad usage",
               130: INTERRUPTED},
        arguments=(arg("scenarios", nargs="+", help="scenario .toml files or bundled scenarios' names"),
                   MEMORY_CHECK)),
    Command(
        "list", commands.list_scenarios, help="the bundled scenarios",
        description="List the bundled scenarios: name, title and variants.",
        exits={0: "success", 2: "bad usage" + ONE_LINE}),
    Command(
        "sweep", commands.sweep, help="the scenario's [sweep]: Monte Carlo at initialization",
        description="Monte Carlo: how often is a deep narrow net born dead (or, by the [sweep]'s kind, a unit "
                    "dead on all inputs, or dead after training on small targets)? Runs the scenario's [sweep] "
                    "grid on every core.",
        exits={0: "success", 1: TRACEBACK,
               2: "bad input or usage, a scenario without a [sweep] table, or one too big for the memory "
                  "available" + ONE_LINE,
               130: INTERRUPTED},
        arguments=(arg("scenario", help=f"{SCENARIO}; one with a [sweep] table, such as born_dead_depth"),
                   arg("--trials", type=positive, metavar="N",
                       help="random nets per grid point (default: the scenario's)"),
                   arg("--workers", type=positive, metavar="N", help="processes (default: one per core)"),
                   FORMAT, _plot("print the sweep's chart (P(born dead) against depth, or its kind's)"), WIDTH, MEMORY_CHECK)),
    Command(
        "bench", commands.bench, help="the speed a user feels, measured against targets",
        description="Measure the speed a user feels, against targets: Markdown tables, then a summary.",
        exits={0: "the report is printed (whether or not each target is met)", 1: TRACEBACK,
               2: "bad usage, such as an unknown section" + ONE_LINE, 130: INTERRUPTED},
        arguments=_bench_arguments),
    Command(
        "screenshot", commands.screenshot, help="an SVG of the app after N epochs and some keys",
        description="Save an SVG screenshot of the real app, headless: SCENARIO -o FILE.svg after --epochs "
                    "and --keys, or --all DIR for the README's pictures of every bundled scenario.",
        exits={0: "the files written are printed", 1: "the app crashed: its traceback is printed, and kept in a log",
               2: "bad input or usage, a scenario too big for the memory available, or a file that cannot be "
                  "written" + ONE_LINE,
               130: INTERRUPTED},
        arguments=(arg("scenario", nargs="?", help=f"{SCENARIO}; with -o"),
                   arg("-o", "--output", metavar="FILE.svg", help="the .svg file to write"),
                   arg("--all", metavar="DIR",
                       help="screenshots of every bundled scenario into DIR (instead of a scenario)"),
                   arg("--variant", default="base", metavar="NAME", help=VARIANT.format("show")),
                   arg("--epochs", type=non_negative, default=0, metavar="N",
                       help="epochs to train first (default: %(default)s)"),
                   arg("--size", type=size, default=(120, 40), metavar="COLUMNSxROWS",
                       help="the terminal's size (default: 120x40)"),
                   arg("--keys", default="", metavar="KEYS", help="keys to press after training, e.g. 'v v' or 'c'"),
                   MEMORY_CHECK)),
    Command(
        "watch", commands.watch, help="follow a run log written by relu_tui.Monitor, live",
        description="Follow a run log written by relu_tui.Monitor in your own training script, live.",
        exits={0: "the app was quit", 1: "the app crashed: one line on stderr names the log that holds the traceback",
               2: "bad usage, or RUNDIR is a file or cannot be read" + ONE_LINE},
        arguments=(arg("run_dir", help="the directory given to Monitor(model, RUNDIR); watch waits until it exists"),)),
    Command(
        "report", commands.report, help="a run log's layers: counts, first deaths, the worst layers",
        description="Summarise a run log written by relu_tui.Monitor, per layer at its last record: units by "
                    "state, dormant units, the first death and the worst layers (by dead, then dormant share). "
                    "For CI logs and scripts.",
        exits={0: "success", 1: TRACEBACK,
               2: "bad usage, or RUNDIR holds no run or a malformed one" + ONE_LINE, 130: INTERRUPTED},
        arguments=(arg("run_dir", help="the directory given to Monitor(model, RUNDIR)"),
                   arg("--format", choices=("table", "jsonl", "csv"), default="table",
                       help="a table to read, one JSON object per layer, or CSV rows (default: %(default)s)"))),
    Command(
        "serve", commands.serve, help="the app in a browser tab (textual-serve)",
        description="Serve the app to browser tabs with textual-serve, until Ctrl-C.",
        exits={0: "the server was stopped", 1: TRACEBACK,
               2: "bad input or usage, or textual-serve is not installed" + ONE_LINE},
        arguments=_serve_arguments),
)

NOTES = ("The app, run, check, sweep and screenshot first estimate the memory a scenario needs and refuse one "
         "that does not fit in the memory available; --no-memory-check skips that. "
         "relu-tui COMMAND --help describes a command.")

COMMAND_LINE = CommandLine(APP, COMMANDS, NOTES, f"relu-tui {__version__}")


def __getattr__(name: str) -> str:
    if name == "USAGE":  # formatted when asked, at the terminal's width
        return COMMAND_LINE.top().format_help()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] in (["-h"], ["--help"]):
        print(COMMAND_LINE.top().format_help(), end="")
        return 0
    if args[:1] in (["-V"], ["--version"]):
        print(COMMAND_LINE.version)
        return 0
    command = COMMAND_LINE.command(args[0] if args else None)
    try:
        ns = COMMAND_LINE.parser(command).parse_args(args if command is APP else args[1:])
        return command.run(ns)
    except (InputError, UsageError) as exc:
        return commands.fail(str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # quiet exit under `| head`
        return 0
