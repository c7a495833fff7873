"""A crash is never silent: exit status 1, one line on stderr naming a log file, the traceback in it."""

from __future__ import annotations

import asyncio
import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time

import pytest

from relu_tui.app import watch as app_watch
from relu_tui.app.crashlog import crash_line, write_crash_log
from relu_tui.app.main import ReluApp
from relu_tui.app.screens import main as app_main
from relu_tui.app.watch import WatchApp

from .app_helpers import make_app, sync

HEADLESS = {"TEXTUAL_DRIVER": "textual.drivers.headless_driver:HeadlessDriver"}


class Injected(RuntimeError):
    """The failure these tests plant in the UI."""


def fail(*_args, **_kwargs):
    raise Injected("planted\nfailure")


def only_log(state_home) -> str:
    (log,) = (state_home / "relu-tui").glob("crash-*.log")
    return log.read_text()


async def crash_under_pilot(app, keys: tuple[str, ...] = ()) -> None:
    """Run ``app`` until it crashes; ``run_test`` re-raises the crash (it is not swallowed)."""
    with pytest.raises(Injected):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press(*keys)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 60
            while app.crash is None and loop.time() < deadline:
                await pilot.pause(0.05)


@pytest.mark.parametrize("where", ["render", "action"])
@sync
async def test_a_failure_in_the_ui_is_logged_and_ends_the_app_with_status_1(where, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    if where == "render":  # a message handler: drawing the first snapshot the engine publishes
        monkeypatch.setattr(app_main, "network_text", fail)
        keys, frame = (), "_render_all"
    else:
        monkeypatch.setattr(ReluApp, "action_help", fail)
        keys, frame = ("question_mark",), "fail"
    app = make_app()
    await crash_under_pilot(app, keys)
    assert app.return_code == 1 and isinstance(app.crash, Injected)
    log = only_log(tmp_path)
    assert app.crash_log.read_text() == log
    assert "Traceback (most recent call last)" in log and f"in {frame}" in log and "Injected: planted\nfailure" in log
    assert capsys.readouterr().err == ""  # Textual's full-screen traceback is not printed: the log has it


@sync
async def test_a_failure_in_watch_is_logged_too(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(app_watch, "status_text", fail)
    app = WatchApp(tmp_path / "run", poll_seconds=0.05)
    await crash_under_pilot(app)
    assert app.return_code == 1 and "in _show" in only_log(tmp_path / "state")


def test_an_error_on_the_engine_thread_is_a_notice_and_the_app_lives():
    @sync
    async def run() -> None:
        app = make_app()
        async with app.run_test(size=(120, 40)) as pilot:
            from relu_tui.app.driving import settle

            await settle(pilot)
            app.submit(fail)
            await settle(pilot)
            assert app.crash is None and app.is_running
            assert any("Injected: planted" in n.message for n in app._notifications)
    run()


CLI = """
import runpy, sys
import relu_tui.app.{module} as target

def fail(*args, **kwargs):
    raise RuntimeError("planted failure")

target.{name} = fail
sys.argv = ["relu-tui", *sys.argv[1:]]
runpy.run_module("relu_tui", run_name="__main__")  # exactly `python -m relu_tui ARGS`, i.e. `relu-tui ARGS`
"""


@pytest.mark.parametrize("module, name, args", [
    ("screens.main", "network_text", ["negative_init"]),
    ("watch", "status_text", ["watch", "no-run-here"]),
], ids=["app", "watch"])
def test_the_command_exits_1_with_one_line_naming_the_log(module, name, args, tmp_path):
    script = textwrap.dedent(CLI.format(module=module, name=name))
    env = {**os.environ, **HEADLESS, "XDG_STATE_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120,
                            cwd=tmp_path, env=env)
    assert result.returncode == 1
    (line,) = result.stderr.splitlines()
    log = next((tmp_path / "relu-tui").glob("crash-*.log"))
    assert line.startswith("relu-tui: ") and "RuntimeError: planted failure (fail, <string>:6)" in line
    assert line.endswith(f"full traceback in {log}")
    text = log.read_text()
    assert f"command relu-tui {' '.join(args)}" in text and "Traceback (most recent call last)" in text
    assert 'File "<string>", line 6, in fail' in text and text.endswith("RuntimeError: planted failure\n")


def test_in_a_terminal_the_screen_is_restored_and_one_line_follows(tmp_path):
    """The real terminal driver on a pseudo-terminal: after the app leaves the alternate screen, the
    only text is the one line (Textual used to print its full traceback there, and exit 0)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    script = textwrap.dedent(CLI.format(module="screens.main", name="network_text"))
    process = subprocess.Popen([sys.executable, "-c", script, "negative_init"], stdin=slave, stdout=slave,
                               stderr=slave, cwd=tmp_path, env={**os.environ, "XDG_STATE_HOME": str(tmp_path)},
                               start_new_session=True)
    os.close(slave)
    output, deadline = bytearray(), time.monotonic() + 120
    while time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the process closed the terminal
                break
            if not chunk:
                break
            output += chunk
    os.close(master)
    assert process.wait(timeout=10) == 1
    screen, left, after = output.rpartition(b"\x1b[?1049l")  # leaving the alternate screen
    assert screen and left
    (line,) = re.sub(rb"\x1b\[[?0-9;]*[A-Za-z]", b"", after).decode().splitlines()
    log = next((tmp_path / "relu-tui").glob("crash-*.log"))
    assert line == f"relu-tui: ReluApp crashed: RuntimeError: planted failure (fail, <string>:6); full traceback in {log}"


def capture(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_a_log_falls_back_to_the_temporary_directory_and_never_replaces_another(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))  # no directory can be made under a file
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    first = write_crash_log(capture(ValueError("one")), "test")
    second = write_crash_log(capture(ValueError("two")), "test")
    assert first.parent == second.parent == tmp_path / "tmp" / "relu-tui" and first != second
    assert "ValueError: one" in first.read_text() and "ValueError: two" in second.read_text()
    assert sorted(p.name for p in first.parent.iterdir()) == sorted([first.name, second.name])  # no partial file


def test_the_stderr_line_is_one_line_whatever_the_message():
    error = capture(KeyError("a\nlong\r\nmessage " + "x" * 500))
    line = crash_line(error, "ReluApp", None)
    assert "\n" not in line and "\r" not in line and len(line) < 300
    assert line.startswith("relu-tui: ReluApp crashed: KeyError: ") and line.endswith("no log file could be written")
