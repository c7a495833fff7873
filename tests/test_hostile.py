"""A corpus of hostile inputs: each ends in one clear line and exit 2 (or trains, exit 0), never a
traceback, a hang, an escape sequence on the terminal or a file written anywhere.

``tests/hostile/*.toml`` are checked in; the first line says what to expect (``# expect: ok``, or a
piece of the one error line). Inputs that cannot be checked in (FIFOs, device links, symlink
loops, a sparse 1 GB file, literals thousands of digits long) are made in ``tmp_path``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from relu_tui.cli import main
from relu_tui.engine import footprint

HOSTILE = Path(__file__).resolve().parent / "hostile"
ROOT = HOSTILE.parent.parent
OK = "ok"
SECONDS = 20  # a bound on one case, far above what any takes: a hang is what it catches
# Files with no room for an "# expect:" line.
UNANNOTATED = {
    "latin1_scenario.toml": "not UTF-8 text at line 1 (byte 0xe9)",
    "utf16_scenario.toml": "not UTF-8 text (UTF-16",
    "binary_scenario.toml": "not UTF-8 text at line 1 (a NUL byte",
    "nul_in_scenario.toml": "not UTF-8 text at line 2 (a NUL byte",
    "empty_scenario.toml": "data: missing table",
    "only_bom_scenario.toml": "data: missing table",
}


def expectation(path: Path) -> str:
    if path.name in UNANNOTATED:
        return UNANNOTATED[path.name]
    first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} says nothing of what to expect"
    return first.removeprefix("# expect: ")


CHECKED_IN = sorted(HOSTILE.glob("*.toml"))


# --------------------------------------------------------------------------- made in tmp_path

def _link(target: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        (tmp / "points.csv").symlink_to(target)
        return _csv_scenario(tmp)
    return make


def _csv_scenario(tmp: Path, name: str = "points.csv") -> Path:
    path = tmp / "scenario.toml"
    path.write_text(f'[data]\ncsv = "{name}"\n\n[[model.layers]]\nwidth = 2\n')
    return path


def _csv_fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "points.csv")
    return _csv_scenario(tmp)


def _csv_loop(tmp: Path) -> Path:
    (tmp / "points.csv").symlink_to(tmp / "other.csv")
    (tmp / "other.csv").symlink_to(tmp / "points.csv")
    return _csv_scenario(tmp)


def _csv_sparse(tmp: Path) -> Path:
    with open(tmp / "points.csv", "wb") as handle:
        handle.truncate(2**30)  # a hole: 1 GB long, no block on disk
    return _csv_scenario(tmp)


def _scenario_fifo(tmp: Path) -> Path:
    os.mkfifo(tmp / "scenario.toml")
    return tmp / "scenario.toml"


def _scenario_dir(tmp: Path) -> Path:
    (tmp / "scenario.toml").mkdir()
    return tmp / "scenario.toml"


def _scenario_loop(tmp: Path) -> Path:
    (tmp / "a.toml").symlink_to(tmp / "b.toml")
    (tmp / "b.toml").symlink_to(tmp / "a.toml")
    return tmp / "a.toml"


def _scenario_dev_zero(tmp: Path) -> Path:
    (tmp / "zero.toml").symlink_to("/dev/zero")
    return tmp / "zero.toml"


def _scenario_sparse(tmp: Path) -> Path:
    with open(tmp / "big.toml", "wb") as handle:
        handle.truncate(17 * 2**20)
    return tmp / "big.toml"


def _text(name: str, text: str) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        (tmp / name).write_text(text, encoding="utf-8")
        return tmp / name
    return make


BASE = '[data]\ngenerator = "xor"\nn_samples = 16\n\n[[model.layers]]\nwidth = 2\n'
MADE: dict[str, tuple[Callable[[Path], Path], str]] = {
    "csv_fifo": (_csv_fifo, "is a FIFO (named pipe), not a regular file"),
    "csv_link_to_dev_zero": (_link("/dev/zero"), "is a character device"),
    "csv_link_to_dev_stdin": (_link("/dev/stdin"), "data.csv"),
    "csv_symlink_loop": (_csv_loop, "a symlink loop"),
    "csv_sparse_1gb": (_csv_sparse, "too large (1024 MB); expected a readable CSV file of at most 256 MB"),
    "csv_absolute_dev_zero": (_text("s.toml", '[data]\ncsv = "/dev/zero"\n[[model.layers]]\nwidth = 1\n'),
                              "is a character device"),
    "scenario_fifo": (_scenario_fifo, "is a FIFO (named pipe), not a regular file"),
    "scenario_directory": (_scenario_dir, "is a directory"),
    "scenario_symlink_loop": (_scenario_loop, "a symlink loop"),
    "scenario_dev_zero": (_scenario_dev_zero, "is a character device"),
    "scenario_sparse_17mb": (_scenario_sparse, "too large (17 MB)"),
    "width_5000_digits": (_text("w.toml", BASE.replace("width = 2", "width = " + "7" * 5000)),
                          "w.toml:6: model.layers[0].width: integer literal too long (5000 digits); expected an integer of at most 4300"),
    "n_samples_4301_digits": (_text("n.toml", BASE.replace("n_samples = 16", "n_samples = " + "1_" * 4300 + "1")),
                              "data.n_samples: integer literal too long (4301 digits)"),
    "seed_4000_hex_digits": (_text("seed.toml", "seed = 0x" + "f" * 4000 + "\n" + BASE),
                             "seed.toml:1: seed = 301946933723… (4817 digits): bad value"),
    "title_1mb": (_text("t.toml", 'title = "' + "x" * 2**20 + '"\n' + BASE), "…: too long (1048576 characters)"),
    "description_200k": (_text("d.toml", 'description = "' + "y" * 200_000 + '"\n' + BASE), "too long"),
    "variants_65": (_text("v.toml", BASE + "".join(f"[variants.v{i}]\ntraining.epochs = 1\n" for i in range(65))),
                    "variants: too many variants (65); expected at most 64"),
    "events_1001": (_text("e.toml", BASE + "[training]\n" + "".join(
        f"[[training.events]]\nepoch = {i + 1}\nlearning_rate = 0.1\n" for i in range(1001))),
        "bad value; expected an array of tables (at most 1000)"),
    "name_from_odd_file_name": (_text("my scenario (copy).toml", BASE), OK),
    "name_from_dot_file_name": (_text("..toml", BASE), OK),
}


@pytest.fixture
def guarded(tmp_path, monkeypatch):
    """Run in ``tmp_path`` with 8 GB available, whatever the machine has (so that the same cases are
    refused everywhere), and afterwards check nothing appeared in the corpus or the project."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(footprint, "available_memory", lambda: 8 * footprint.GB)
    before = (sorted(os.listdir(HOSTILE)), sorted(os.listdir(ROOT)))
    yield tmp_path
    assert (sorted(os.listdir(HOSTILE)), sorted(os.listdir(ROOT))) == before


def outcome(capsys, args: list[str]) -> tuple[int, str, str]:
    started = time.monotonic()
    code = main(args)
    assert time.monotonic() - started < SECONDS
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean(code: int, out: str, err: str, expect: str) -> None:
    assert "Traceback" not in out + err
    assert "\x1b" not in out + err and "\x07" not in out + err
    if expect == OK:
        assert (code, err) == (0, ""), err
    else:
        assert code == 2
        assert len(err.splitlines()) == 1 and err.endswith("\n"), err
        assert err.startswith("relu-tui: error: ")
        assert expect in err, err
        assert len(err) < 1200  # never thousands of digits or characters printed back


@pytest.mark.parametrize("path", CHECKED_IN, ids=[p.stem for p in CHECKED_IN])
@pytest.mark.parametrize("command", ["check", "run"])
def test_checked_in_input(path, command, capsys, guarded):
    args = ["check", str(path)] if command == "check" else ["run", str(path), "--epochs", "1", "--format", "table"]
    code, out, err = outcome(capsys, args)
    assert_clean(code, out, err, expectation(path))


@pytest.mark.parametrize("name", sorted(MADE))
@pytest.mark.parametrize("command", ["check", "run"])
def test_made_input(name, command, capsys, guarded):
    make, expect = MADE[name]
    path = make(guarded)
    args = ["check", str(path)] if command == "check" else ["run", str(path), "--epochs", "1"]
    code, out, err = outcome(capsys, args)
    assert_clean(code, out, err, expect)


def test_the_corpus_is_large_and_covers_every_class():
    total = len(CHECKED_IN) + len(MADE)
    assert total >= 100
    expects = [expectation(p) for p in CHECKED_IN] + [e for _, e in MADE.values()]
    for needle in ("float32", "integer literal too long", "leaves no training sample", "not a regular file",
                   "not UTF-8 text", "has control characters", "bad scenario name", "of memory", OK):
        assert any(needle in e for e in expects), needle


# --------------------------------------------------------------------------- through the real CLI and the app

def _cli(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "relu_tui", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, env={**os.environ, "TERM": "xterm"})


@pytest.mark.parametrize("name", ["title_osc0", "memory_wide_deep", "csv_dev_zero", "learning_rate_1e308",
                                  "name_traversal", "unknown_key_escape"])
def test_real_cli_check(name, tmp_path):
    path = HOSTILE / f"{name}.toml"
    result = _cli("check", str(path), cwd=tmp_path)
    assert_clean(result.returncode, result.stdout, result.stderr, expectation(path))
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", ["csv_fifo", "scenario_fifo", "csv_sparse_1gb", "csv_link_to_dev_stdin"])
def test_real_cli_run_does_not_block(name, tmp_path):
    make, expect = MADE[name]
    path = make(tmp_path)
    result = _cli("run", str(path), cwd=tmp_path)
    assert_clean(result.returncode, result.stdout, result.stderr, expect)


@pytest.mark.parametrize("name", ["title_csi_clear", "memory_many_samples", "split_empty_4_at_0.9",
                                  "csv_latin1", "variant_trailing_newline", "learning_rate_1e308"])
def test_app_exits_before_any_screen(name, tmp_path):
    path = HOSTILE / f"{name}.toml"
    result = _cli(str(path), cwd=tmp_path, timeout=60)
    assert_clean(result.returncode, result.stdout, result.stderr, expectation(path))
    assert result.stdout == ""  # no screen was drawn


def test_app_on_a_fifo_exits_before_any_screen(tmp_path):
    path = _csv_fifo(tmp_path)
    result = _cli(str(path), cwd=tmp_path, timeout=60)
    assert_clean(result.returncode, result.stdout, result.stderr, "is a FIFO")
