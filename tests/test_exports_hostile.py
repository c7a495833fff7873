"""Exports and screenshots: file names made from scenario and variant names stay inside their directory,
never collide through dots, and a write that fails midway leaves the earlier file intact and says so."""

from __future__ import annotations

import dataclasses
import errno
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relu_tui import files
from relu_tui.engine.exporting import export_history
from relu_tui.engine.session import Session
from relu_tui.files import WriteFailed, inside, safe_filename, write_atomic

from .app_helpers import make_app, press, settle, sync

SIZE = (120, 40)
HOSTILE_NAMES = ["../../../../tmp/x/pwn", "/etc/passwd", "..", ".", "", ".hidden", "a/../../b", "C:\\evil\\x",
                 "name\x1b]0;pwn\x07", "nul\x00byte", "line\nbreak", "x" * 1000, " ..  ", "\u202eevil", "model.v2"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_safe_filename_stays_in_its_directory(tmp_path, name):
    safe = safe_filename(name)
    assert safe and "/" not in safe and "\\" not in safe and ".." not in safe and not safe.startswith(".")
    assert safe.isprintable() and len(safe) <= files.MAX_STEM
    assert inside(tmp_path, safe + ".svg").resolve().parent == tmp_path.resolve()


@given(st.text())
def test_any_name_becomes_a_file_directly_in_the_directory(name):
    directory = Path("/nonexistent/exports")
    assert inside(directory, safe_filename(name) + ".jsonl").parent == directory


def test_inside_refuses_a_name_that_leaves_the_directory(tmp_path):
    for name in ("../x", "/etc/passwd", "a/b"):
        with pytest.raises(ValueError, match="outside"):
            inside(tmp_path, name)


def test_dotted_names_keep_every_variant_in_its_own_file(tmp_path):
    from relu_tui import find_scenario, load_scenario

    scenario = dataclasses.replace(load_scenario(find_scenario("negative_init")), name="model.v2")
    session = Session(scenario)
    note = export_history(session, session.names, tmp_path)
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 2 * len(session.names) == len(set(written))
    assert "model.v2-base-seed0-epoch0.jsonl" in written and all(name in note for name in written)


def files_under(root: Path) -> set[Path]:
    return {p.relative_to(root) for p in root.rglob("*") if p.is_file()}


@sync
async def test_a_hostile_scenario_name_writes_exports_and_screenshots_only_inside_their_directories(tmp_path):
    from relu_tui import find_scenario, load_scenario
    from relu_tui.app import ReluApp

    base = tmp_path / "a" / "b"
    exports, shots = base / "exports", base / "shots"
    scenario = dataclasses.replace(load_scenario(find_scenario("negative_init")), name="../../../escaped/pwn")
    app = ReluApp(scenario, "base", export_dir=exports, screenshot_dir=shots)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        await pilot.press("s")
    written = files_under(tmp_path)
    assert written and all(p.parts[:3] in (("a", "b", "exports"), ("a", "b", "shots")) for p in written), written
    assert len(written) == 3 and not (tmp_path / "escaped").exists()


def failing_fsync(monkeypatch):
    def fsync(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(files.os, "fsync", fsync)


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


@sync
async def test_an_export_that_fails_midway_keeps_the_earlier_one_and_says_so(tmp_path, monkeypatch):
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f", "e")
        before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        failing_fsync(monkeypatch)
        await press(pilot, "e")
        after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
        assert after == before  # same files, whole, and no temporary file left behind
        message = notices(app)[-1]
        assert "could not write" in message and "negative_init-base-seed0-epoch10.jsonl" in message
        assert "No space left on device" in message and "unchanged" in message and app.is_running


@sync
async def test_a_screenshot_that_fails_midway_keeps_the_earlier_one_and_says_so(tmp_path, monkeypatch):
    app = make_app(screenshot_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        svg = tmp_path / "negative_init-base-epoch0.svg"
        before = svg.read_bytes()
        failing_fsync(monkeypatch)
        await pilot.press("s")
        await pilot.pause()
        assert os.listdir(tmp_path) == [svg.name] and svg.read_bytes() == before
        message = notices(app)[-1]
        assert "could not write" in message and svg.name in message and "No space left on device" in message


def test_write_atomic_replaces_whole_or_not_at_all(tmp_path, monkeypatch):
    path = write_atomic(tmp_path / "out.jsonl", "old\n")
    real_write = os.write

    def write_half(fd, data):  # the disk fills after half of the new text
        if len(data) > 4:
            return real_write(fd, bytes(data[: len(data) // 2]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", write_half)
    with pytest.raises(WriteFailed, match=r"could not write .*out\.jsonl: No space left on device"):
        write_atomic(path, "new text, longer\n")
    assert path.read_text() == "old\n" and os.listdir(tmp_path) == ["out.jsonl"]


def test_the_screenshot_command_says_a_failed_write_in_one_line(tmp_path, capsys):
    from relu_tui.cli import main

    (tmp_path / "file").write_text("not a directory")
    assert main(["screenshot", "negative_init", "-o", str(tmp_path / "file" / "x.svg")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "could not write" in err and "x.svg" in err
