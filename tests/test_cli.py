"""The headless command line: run, check, list and their errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from relu_tui.cli import main

from .conftest import SCENARIOS

RECORD_FIELDS = {"scenario", "variant", "epoch", "loss", "accuracy", "test_accuracy", "diverged", "layers"}
LAYER_FIELDS = {"name", "activation", "neurons"}
NEURON_FIELDS = {"index", "state", "active_fraction", "grad_norm", "preact_min", "preact_max", "mean_activation",
                 "epoch_of_death"}


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_run_jsonl_has_the_documented_fields(capsys):
    code, out, _ = run_cli(capsys, "run", "negative_init", "--epochs", "5")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["epoch"] for r in records] == [0, 1, 2, 3, 4, 5]
    for record in records:
        assert record.keys() >= RECORD_FIELDS
        assert (record["scenario"], record["variant"]) == ("negative_init", "base")
        for layer in record["layers"]:
            assert layer.keys() >= LAYER_FIELDS
            for unit in layer["neurons"]:
                assert unit.keys() >= NEURON_FIELDS
    unit = records[-1]["layers"][0]["neurons"][0]
    assert unit["state"] == "dead" and unit["grad_norm"] == 0.0 and unit["epoch_of_death"] == 0


def test_epochs_zero_prints_only_the_initial_diagnosis(capsys):
    _, out, _ = run_cli(capsys, "run", str(SCENARIOS / "negative_init.toml"), "--epochs", "0")
    assert [json.loads(line)["epoch"] for line in out.splitlines()] == [0]


def test_without_epochs_the_budget_applies(capsys):
    _, out, _ = run_cli(capsys, "run", "negative_init", "--variant", "leaky")
    lines = out.splitlines()
    assert len(lines) == 201 and json.loads(lines[-1])["variant"] == "leaky"


def test_all_variants_run_base_first(capsys):
    _, out, _ = run_cli(capsys, "run", "negative_init", "--all-variants", "--epochs", "2")
    names = [json.loads(line)["variant"] for line in out.splitlines()]
    assert names == ["base"] * 3 + ["leaky"] * 3 + ["standardized"] * 3


def test_same_scenario_twice_gives_byte_identical_jsonl():
    command = [sys.executable, "-m", "relu_tui", "run", "negative_init", "--all-variants", "--epochs", "40"]
    first = subprocess.run(command, capture_output=True, check=True).stdout
    second = subprocess.run(command, capture_output=True, check=True).stdout
    assert first == second and first.count(b"\n") == 3 * 41


THREADS = """
import sys, torch
import relu_tui.engine.threads
from relu_tui.cli import main
threads = int(sys.argv[1])
torch.set_num_threads(threads)
relu_tui.engine.threads.suit_threads = lambda scenario, **_: threads  # keep this count, whatever the network
sys.exit(main(sys.argv[2:]))
"""


def test_a_small_network_gives_the_same_bytes_on_one_or_two_threads():
    """The README's claim: below the threads module's SMALL_WORK, the thread count changes no byte."""
    from relu_tui import find_scenario, load_scenario
    from relu_tui.engine.threads import SMALL_WORK, epoch_work

    assert epoch_work(load_scenario(find_scenario("high_learning_rate"))) < SMALL_WORK
    args = ["run", "high_learning_rate", "--all-variants", "--epochs", "60"]  # lr up to 300: the most sensitive
    one, two = (subprocess.run([sys.executable, "-c", THREADS, str(n), *args], capture_output=True, check=True).stdout
                for n in (1, 2))
    assert one == two and one.count(b"\n") == 4 * 61


def test_csv_is_tidy(capsys):
    _, out, _ = run_cli(capsys, "run", "negative_init", "--all-variants", "--epochs", "1", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 * 2  # one unit, two epochs, three variants
    assert rows[0]["state"] == "dead" and rows[0]["grad_norm"] == "0.0" and rows[0]["epoch_of_death"] == "0"
    assert {r["variant"] for r in rows} == {"base", "leaky", "standardized"}


def test_csv_has_the_test_loss_of_the_jsonl(capsys):
    _, out, _ = run_cli(capsys, "run", "negative_init", "--epochs", "2", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    _, out, _ = run_cli(capsys, "run", "negative_init", "--epochs", "2")
    records = [json.loads(line) for line in out.splitlines()]
    assert all(r["test_loss"] is not None for r in records)  # negative_init holds out a test split
    assert [float(r["test_loss"]) for r in rows] == [r["test_loss"] for r in records]  # one unit: a row per epoch


def test_table_is_a_readable_summary(capsys):
    _, out, _ = run_cli(capsys, "run", "negative_init", "--variant", "leaky", "--format", "table")
    assert "initial weights" in out and "negative->sparse" in out
    assert "units at epoch 200" in out and "hidden1[0]" in out
    assert len(out.splitlines()) < 60


def test_check_list_and_bare_names(capsys):
    code, out, err = run_cli(capsys, "check", "negative_init", str(SCENARIOS / "negative_init.toml"))
    assert code == 0 and out.count("ok ") == 2 and err == ""
    code, out, _ = run_cli(capsys, "list")
    assert code == 0 and "negative_init" in out and "Born dead" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["run", "no_such_scenario"], "file not found"),
        (["run", "negative_init", "--variant", "leakyy"], "did you mean 'leaky'?"),
        (["run", "negative_init", "--epochs", "-3"], "expected an integer >= 0"),
        (["run", "negative_init", "--format", "xml"], "invalid choice"),
        (["check", "negative_init", "nope.toml"], "nope.toml: file not found"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(capsys, args, needle):
    code, _, err = run_cli(capsys, *args)
    assert code == 2
    assert needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_a_broken_scenario_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[data]\ngenerator = "moons"\n[[model.layers]]\nwidth = 0\n')
    result = subprocess.run([sys.executable, "-m", "relu_tui", "run", str(bad)], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.strip() == (f"relu-tui: error: {bad}:4: model.layers[0].width = 0: bad value; "
                                     "expected an integer in [1, 4096]")



@pytest.mark.parametrize("args", [["missing.toml"], ["negative_init", "--variant", "nope"]])
def test_opening_the_app_on_bad_input_fails_before_any_screen(args):
    result = subprocess.run([sys.executable, "-m", "relu_tui", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and result.stderr.startswith("relu-tui: error: ")
    assert "\x1b[" not in result.stderr  # no terminal escape: the app never started


def test_bench_engine_section_prints_every_case_and_a_summary_against_targets(capsys):
    code, out, _ = run_cli(capsys, "bench", "--quick", "--only", "engine", "--repeats", "1")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| (")]
    assert [row.split(" |")[0][2:5] for row in rows[:5]] == ["(a)", "(b)", "(b)", "(c)", "(c)"]
    assert all(row.rstrip().endswith("| yes |") for row in rows[:5])  # the engine trains exactly like the plain loop
    summary = out[out.index("## Summary"):]
    assert summary.count("| 1. engine overhead |") == 5 and "<= 1.5x" in summary and "<= 3.0x" in summary


def test_bench_rejects_an_unknown_section(capsys):
    code, _, err = run_cli(capsys, "bench", "--only", "engine,speed")
    assert code == 2 and "unknown section 'speed'" in err


def test_bench_monitor_section_times_a_loop_with_and_without_the_monitor(capsys):
    code, out, _ = run_cli(capsys, "bench", "--quick", "--only", "monitor", "--repeats", "1")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("| MLP") or line.startswith("| ResNet-18")]
    assert len(rows) == 2 and all(row.count("(x") == 5 for row in rows)  # monitor 1, 10, naive, tensorboard 1, 10
    summary = out[out.index("## Summary"):]
    assert summary.count("| monitor overhead, every 10 |") == 2 and summary.count("| monitor vs the alternatives |") == 2
    assert "| 1,024 |" in out and "| 131,072 |" in out  # a record's cost as the layer grows
    assert "| monitor record | 131,072 units |" in summary


def test_run_plot_prints_only_the_charts_and_their_legends_without_escape_codes_when_piped():
    done = subprocess.run([sys.executable, "-m", "relu_tui", "run", "negative_init", "--epochs", "20", "--plot",
                           "--width", "70"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "\x1b" not in done.stdout
    assert not any(line.startswith("{") for line in lines)  # no records without --format
    assert max(len(line) for line in lines) <= 70
    for needle in ("━ train loss  ━ test loss", "━ train acc  ━ test acc", "━ dead share", "epoch"):
        assert any(needle in line for line in lines), needle
    assert sum(line.lstrip().startswith("└") for line in lines) == 3  # three charts


def test_run_plot_with_a_format_prints_the_records_then_a_line_per_variant(capsys):
    code, out, _ = run_cli(capsys, "run", "negative_init", "--all-variants", "--epochs", "5", "--plot",
                           "--format", "jsonl", "--width", "90")
    assert code == 0
    records = [line for line in out.splitlines() if line.startswith("{")]
    assert len(records) == 3 * 6
    legends = [line for line in out.splitlines() if line.startswith("━ base")]
    assert legends and all("━ leaky" in line and "━ standardized" in line for line in legends)
    assert "train loss" in out and "dead share" in out


def test_sweep_plot_prints_the_chart_with_every_depth_and_a_legend(tmp_path, capsys):
    path = tmp_path / "tiny_sweep.toml"
    path.write_text('[data]\ngenerator = "sine"\n[[model.layers]]\nwidth = 2\nrepeat = 4\n'
                    '[sweep]\nwidths = [2, 8]\ndepths = [2, 5, 20]\ntrials = 40\n')
    code, out, _ = run_cli(capsys, "sweep", str(path), "--plot", "--width", "80", "--workers", "1")
    assert code == 0 and "\x1b" not in out
    lines = out.splitlines()
    assert not any(line.startswith("{") for line in lines)
    assert lines[-3].split() == ["2", "5", "20"]  # the depth axis, every depth of the grid labelled
    assert lines[-1].startswith("━ width 2") and "● he" in lines[-1] and "■ rai" in lines[-1]
    assert "▲ he_zero_bias" in lines[-1] and "·━ bound (he_zero_bias)" in lines[-1]
