"""How a command is declared (its help, exit statuses and arguments), the parsers built from the
declarations, the argument types, and usage errors as one line."""

from __future__ import annotations

import argparse
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PROG = "relu-tui"


class UsageError(Exception):
    """A mistake on the command line (reported in one line, exit 2)."""


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{self.prog}: {message}")


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call: the flags (or a positional's name) and its keywords."""

    flags: tuple[str, ...]
    options: Mapping[str, Any]


def arg(*flags: str, **options: Any) -> Arg:
    return Arg(flags, options)


@dataclass(frozen=True)
class OneOf:
    """Arguments that exclude each other."""

    args: tuple[Arg, ...]


Arguments = Sequence[Arg | OneOf]


@dataclass(frozen=True)
class Command:
    """A command, declared once: its name (None: the app, when the first argument is no command's
    name), what it runs, its line in ``relu-tui --help``, its exit statuses and its arguments.

    ``arguments`` may be a function that returns them, when a value comes from a module too slow
    to import for every command (bench's sections import PyTorch): a command's arguments are only
    built for its own parser, when it runs or shows its help.
    """

    name: str | None
    run: Callable[[argparse.Namespace], int]
    help: str = ""
    description: str = ""
    exits: Mapping[int, str] = field(default_factory=dict)
    arguments: Arguments | Callable[[], Arguments] = ()

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        for item in self.arguments() if callable(self.arguments) else self.arguments:
            if isinstance(item, OneOf):
                group = parser.add_mutually_exclusive_group()
                for one in item.args:
                    group.add_argument(*one.flags, **one.options)
            else:
                parser.add_argument(*item.flags, **item.options)


class _Formatter(argparse.HelpFormatter):
    """Wraps each line of a description or epilog by itself: an exit-status table keeps its rows,
    and a row's continuation lines hang under its text."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        lines = []
        for line in text.splitlines():
            term = re.match(r"\s+\S+\s+", line)
            hang = " " * (len(term.group()) if term else 0)
            lines.append(textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent + hang,
                                       break_on_hyphens=False) or indent)
        return "\n".join(lines)


def exit_table(exits: Mapping[int, str]) -> str:
    return "exit status:\n" + "\n".join(f"  {code:<5}{text}" for code, text in sorted(exits.items()))


@dataclass(frozen=True)
class CommandLine:
    """The whole command line: the app (``relu-tui [SCENARIO]``), every command, the notes that
    follow the top-level help's options, and the version ``--version`` prints."""

    app: Command
    commands: tuple[Command, ...]
    notes: str
    version: str

    def command(self, name: str | None) -> Command:
        """The command called ``name``; any other first argument (or none) opens the app."""
        return next((command for command in self.commands if command.name == name), self.app)

    def parser(self, command: Command) -> Parser:
        """``command``'s parser with its arguments (only its own: no other command's module is imported)."""
        if command is self.app:
            return self._app_parser()
        parser = Parser(prog=f"{PROG} {command.name}", **_page(command))
        command.add_arguments(parser)
        return parser

    def top(self) -> Parser:
        """``relu-tui``'s own parser, for its help: the app's arguments, ``--version``, and each command
        as a subparser with its line (its arguments are added by :meth:`parser` when it runs)."""
        top = Parser(prog=PROG, parents=[self._app_parser()], add_help=False, description=self.app.description,
                     epilog=_epilog(self.app, self.notes), formatter_class=_Formatter)
        top.add_argument("-V", "--version", action="version", version=self.version,
                         help="print the version and exit")
        top.usage = top.format_usage().removeprefix("usage: ").rstrip() + f"\n       {PROG} COMMAND [-h] ..."
        choices = top.add_subparsers(title="commands", metavar="COMMAND", prog=PROG)
        for command in self.commands:
            choices.add_parser(command.name, help=command.help, **_page(command))
        return top

    def _app_parser(self) -> Parser:
        parser = Parser(prog=PROG, add_help=False, formatter_class=_Formatter)
        parser.add_argument("-h", "--help", action=_TopHelp, command_line=self,
                            help="show this help (a command's: relu-tui COMMAND --help) and exit")
        self.app.add_arguments(parser)
        return parser


def _epilog(command: Command, notes: str = "") -> str:
    return "\n\n".join(filter(None, [notes, exit_table(command.exits)]))


def _page(command: Command) -> dict[str, Any]:
    """A command's ``--help`` around its arguments: what it does, and its exit statuses."""
    return {"description": command.description, "epilog": _epilog(command), "formatter_class": _Formatter}


class _TopHelp(argparse.Action):
    """``-h`` among the app's arguments prints the whole top-level help, the commands included."""

    def __init__(self, option_strings: Sequence[str], dest: str, command_line: CommandLine, **options: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **options)
        self.command_line = command_line

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        self.command_line.top().print_help()
        parser.exit()


def size(text: str) -> tuple[int, int]:
    width, _, height = text.partition("x")
    if not (width.isdigit() and height.isdigit()) or int(width) < 20 or int(height) < 10:
        raise argparse.ArgumentTypeError(f"expected COLUMNSxROWS such as 120x40, got {text!r}")
    return int(width), int(height)


def non_negative(text: str) -> int:
    value = int(text) if text.lstrip("-").isdigit() else -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def positive(text: str) -> int:
    value = non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value
