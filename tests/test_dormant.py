"""The tau-dormant score (Sokar, Agarwal, Castro and Evci, 2023) against hand computations: the rule in
engine.states and the trainer's per-unit diagnosis, for every activation."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from relu_tui import Trainer
from relu_tui.engine.records import DEAD
from relu_tui.engine.states import dormant

from .conftest import scenario


def test_the_score_by_hand():
    # activations of 2 inputs x 3 units: mean |a| = [0, 2, 1], the layer's average 1
    a = np.array([[0.0, 1.0, 2.0], [0.0, 3.0, 0.0]])
    score, flag = dormant(np.abs(a).mean(axis=0), tau=0.025)
    assert score.tolist() == [0.0, 2.0, 1.0] and score.dtype == np.float32
    assert flag.tolist() == [True, False, False]
    assert dormant(np.abs(a).mean(axis=0), tau=1.0)[1].tolist() == [True, False, True]  # <= tau counts
    # tanh-like outputs of both signs: |a| counts, mean |a| = [2, 0.5], average 1.25
    score, flag = dormant(np.abs(np.array([[-1.0, 0.5], [-3.0, -0.5]])).mean(axis=0), tau=0.5)
    assert score.tolist() == pytest.approx([1.6, 0.4]) and flag.tolist() == [False, True]


def test_a_silent_layer_scores_zero_and_a_diverged_one_nan():
    score, flag = dormant(np.zeros(4), tau=0.0)
    assert score.tolist() == [0.0] * 4 and flag.all()  # tau = 0: exactly silent
    score, flag = dormant(np.array([1.0, np.nan]), tau=0.1)
    assert np.isnan(score).all() and not flag.any()


SMALL = """
seed = 1
[data]
generator = "moons"
n_samples = 64
[[model.layers]]
width = 6
bias_init = { kind = "uniform", low = -1.0, high = 0.2 }
[[model.layers]]
width = 5
activation = "tanh"
[diagnosis]
dormant_threshold = 0.3
"""


def test_the_diagnosis_scores_every_unit_from_its_activations():
    trainer = Trainer(scenario(SMALL))
    for layer, a in zip(trainer.record.layers, trainer.activations()):
        mean_abs = a.abs().double().mean(dim=0)
        expected = (mean_abs / mean_abs.mean()).numpy()
        assert layer.dormant_score == pytest.approx(expected, rel=1e-5)
        assert (layer.dormant == (expected <= 0.3)).all()
    relu = trainer.record.layers[0]
    assert (relu.dormant_score[relu.state == DEAD] == 0).all() and relu.dormant[relu.state == DEAD].all()


def test_the_jsonl_carries_the_score_and_the_flag(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL)
    out = subprocess.run([sys.executable, "-m", "relu_tui", "run", str(path), "--epochs", "1"], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    layer = json.loads(out.splitlines()[0])["layers"][0]
    assert layer["dormant"] == sum(n["dormant"] for n in layer["neurons"])
    assert {"dormant_score", "dormant"} <= layer["neurons"][0].keys()
    assert sum(n["dormant_score"] for n in layer["neurons"]) == pytest.approx(len(layer["neurons"]), rel=1e-5)


def test_the_threshold_is_checked():
    from relu_tui.errors import ScenarioError

    with pytest.raises(ScenarioError, match="dormant_threshold"):
        scenario(SMALL.replace("dormant_threshold = 0.3", "dormant_threshold = -1"))
    assert scenario(SMALL.replace("dormant_threshold = 0.3", "")).diagnosis.dormant_threshold == 0.025
