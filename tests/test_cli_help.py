"""The command line's help: every command and argument explained, the exit statuses it documents
are the ones it returns, and asking for help imports neither PyTorch nor Textual."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from relu_tui import __version__
from relu_tui.app.crashlog import CRASH_EXIT
from relu_tui.cli import APP, COMMAND_LINE, USAGE, commands, main

NAMES = [command.name for command in COMMAND_LINE.commands]


def flat(text: str) -> str:
    return " ".join(text.split())


def help_of(capsys, args: list[str]) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(args)
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_the_top_level_help_lists_every_command_and_the_exit_statuses(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out == USAGE and out.startswith("usage: relu-tui ")
    for command in COMMAND_LINE.commands:
        assert command.help and flat(f"{command.name} {command.help}") in flat(out)
    table = out[out.index("exit status:"):]
    for code, text in APP.exits.items():
        assert flat(f"{code} {text}") in flat(table)
    assert help_of(capsys, ["negative_init", "--help"]) == out  # -h among the app's arguments: the same page


@pytest.mark.parametrize("name", [None, *NAMES])
def test_help_explains_every_argument_of_every_command(name, capsys):
    command = COMMAND_LINE.command(name)
    parser = COMMAND_LINE.parser(command)
    out = help_of(capsys, [name, "--help"] if name else ["negative_init", "-h"])
    formatter = parser._get_formatter()
    arguments = [a for a in parser._actions if not isinstance(a, argparse._HelpAction)]
    assert arguments or name == "list"
    for action in arguments:
        shown = action.option_strings or [action.dest]
        assert action.help and action.help.strip() and action.help != argparse.SUPPRESS, f"{shown} has no help"
        assert all(flag in out for flag in shown)
        assert flat(formatter._expand_help(action)) in flat(out)
        if action.option_strings and action.nargs != 0:  # takes a value: its metavar or choices are shown
            assert action.metavar or action.choices, f"{shown} shows no metavar"
            assert (action.metavar or "{" + ",".join(action.choices) + "}") in out
    if name:
        assert flat(command.description) in flat(out)
    table = out[out.index("exit status:"):]
    assert 0 in command.exits and 2 in command.exits
    for code, text in command.exits.items():
        assert flat(f"{code} {text}") in flat(table)


@pytest.mark.parametrize(("args", "code"), [
    (["missing.toml"], 2),
    (["negative_init", "--variant", "nope"], 2),
    (["run", "negative_init", "--epochs", "0"], 0),
    (["run", "no_such_scenario"], 2),
    (["run", "negative_init", "--variant", "leaky", "--all-variants"], 2),
    (["check", "negative_init"], 0),
    (["check", "negative_init", "nope.toml"], 2),
    (["list"], 0),
    (["list", "extra"], 2),
    (["sweep", "negative_init"], 2),
    (["bench", "--only", "speed"], 2),
    (["screenshot", "negative_init", "-o", "{tmp}/shot.svg"], 0),
    (["screenshot", "negative_init"], 2),
    (["screenshot", "negative_init", "-o", "{tmp}/file/shot.svg"], 2),
    (["watch", "{tmp}/file"], 2),
    (["serve", "--port", "0"], 2),
])
def test_a_command_returns_an_exit_status_its_help_documents(args, code, tmp_path, capsys):
    (tmp_path / "file").write_text("not a directory")
    args = [arg.format(tmp=tmp_path) for arg in args]
    command = COMMAND_LINE.command(args[0])
    assert code in command.exits
    assert main(args) == code
    err = capsys.readouterr().err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and err.startswith("relu-tui: error: ")


def test_interrupted_is_130(monkeypatch, capsys):
    def interrupt(_name):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "find_scenario", interrupt)
    assert 130 in COMMAND_LINE.command("run").exits and 130 in APP.exits
    assert main(["run", "negative_init"]) == 130


def test_a_crash_is_1_as_documented():
    assert CRASH_EXIT == 1 and all(1 in COMMAND_LINE.command(name).exits for name in (None, "watch", "run"))
    crash = ("import sys\nimport relu_tui.cli.commands as c\n"
             "def boom(_name): raise RuntimeError('planted')\n"
             "c.find_scenario = boom\nfrom relu_tui.cli import main\nsys.exit(main(['run', 'negative_init']))")
    result = subprocess.run([sys.executable, "-c", crash], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and "Traceback" in result.stderr and "RuntimeError: planted" in result.stderr


@pytest.mark.parametrize(("args", "needle"), [
    (["runn"], "relu-tui: error: runn: file not found"),
    (["negative_int"], "did you mean 'negative_init'?"),
    (["chek", "negative_init"], "relu-tui: error: relu-tui: unrecognized arguments: negative_init"),
    (["--bogus"], "relu-tui: error: relu-tui: unrecognized arguments: --bogus"),
])
def test_an_unknown_command_is_one_line_and_exit_2(args, needle, capsys):
    """A first argument that is no command's name is a scenario to open: it fails before the app starts."""
    assert main(args) == 2
    err = capsys.readouterr().err
    assert needle in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version(flag, capsys):
    assert main([flag]) == 0
    assert capsys.readouterr().out == f"relu-tui {__version__}\n"


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["check", "--help"], ["list"]])
def test_help_and_list_import_neither_torch_nor_textual(args):
    probe = (f"import sys\nfrom relu_tui.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'textual', 'rich'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.splitlines()[-1] == "[]"


def test_the_readme_lists_every_command_with_its_help_line():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme[readme.index("## Commands"):readme.index("## The app")]
    for command in COMMAND_LINE.commands:
        assert f"| `relu-tui {command.name}" in table and f"| {command.help} |" in table
