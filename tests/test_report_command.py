"""`relu-tui report RUNDIR`: per layer counts, first deaths and the worst layers, as a table, JSONL or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
import torch
from torch import nn

from relu_tui.cli import main
from relu_tui.monitor import Monitor


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    """Layer "1": unit 0 dead from the first record, unit 1 dies at step 3 (weights set by hand); layer "3"
    (a GELU, fed by a Linear) cannot die."""
    run = tmp_path_factory.mktemp("report") / "run"
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 2), nn.GELU(), nn.Linear(2, 1))
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[-1.0, -1.0], [1.0, 1.0], [1.0, 0.0]]))
        model[0].bias.zero_()
    x = torch.rand(8, 2) + 0.1
    with Monitor(model, run) as monitor:
        for step in range(1, 5):
            if step == 3:
                with torch.no_grad():
                    model[0].weight[1] = -1.0
            model(x).sum().backward()
            monitor.step()
    return run


def test_the_table(run_dir, capsys):
    assert main(["report", str(run_dir)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Sequential: 4 records, step 4; dormant: score <= 0.025"
    assert lines[2].split() == ["1", "ReLU", "3", "2", "0", "0", "2", "1", "1", "(1)", "0"]
    assert lines[3].split()[:4] == ["3", "GELU", "2", "0"]
    assert lines[4].startswith("worst layers: 1 (66.7% dead, 66.7% dormant)")
    assert lines[5] == "first deaths: 1 at step 1"


def test_jsonl_and_csv_agree(run_dir, capsys):
    assert main(["report", str(run_dir), "--format", "jsonl"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert main(["report", str(run_dir), "--format", "csv"]) == 0
    table = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["layer"] for r in rows] == [r["layer"] for r in table] == ["1", "3"]
    first = rows[0]
    assert (first["dead"], first["width"], first["first_death_step"], first["first_death_units"], first["worst_rank"]) \
        == (2, 3, 1, 1, 1)
    assert table[0]["dead"] == "2" and table[1]["first_death_step"] == "" and rows[1]["dead"] == 0


def test_no_run_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "missing")]) == 2
    assert capsys.readouterr().err.strip().endswith("no such directory")
    tmp_path.joinpath("empty").mkdir()
    assert main(["report", str(tmp_path / "empty")]) == 2
    assert "no run here yet" in capsys.readouterr().err
