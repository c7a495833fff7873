"""The whole story on screen: explanations, help prose, regression labels, legible compare columns."""

from __future__ import annotations

import pytest
import torch
from textual.widgets import Static

from relu_tui import Trainer, find_scenario, load_scenario, loads_scenario
from relu_tui.explanations import explain
from relu_tui.app.help_screen import HelpScreen
from relu_tui.app.main import ReluApp

from .app_helpers import settle, sync

SIZE = (120, 40)

TWO_PARAGRAPHS = '''
title = "Two paragraphs"
description = """
The first paragraph is
written over three
lines.

The second one over
two.
"""
[data]
generator = "xor"
[[model.layers]]
width = 2
'''


@sync
async def test_help_reflows_the_story_and_keeps_its_paragraphs():
    app = ReluApp(loads_scenario(TWO_PARAGRAPHS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "The first paragraph is written over three lines.\n\nThe second one over two." in text


def relu_stack(trainer: Trainer) -> tuple[list[torch.Tensor], list[bool]]:
    """By hand, on the training set: each hidden layer's pre-activations and whether all its units
    are <= 0 on every input (the ReLU scenarios below have no other activation)."""
    h, pre, all_dead = trainer.dataset.x_train, [], []
    with torch.no_grad():
        for linear in trainer.model.hidden:
            z = h @ linear.weight.T + linear.bias
            pre.append(z)
            all_dead.append(bool((z <= 0).all()))
            h = torch.relu(z)
    return pre, all_dead


@pytest.mark.parametrize(("name", "blocker"), [("stacked_negative", "second"), ("born_dead_depth", "hidden7")])
def test_a_living_unit_under_a_dead_layer_is_explained_as_cut_off(name, blocker):
    trainer = Trainer(load_scenario(find_scenario(name)))
    pre, all_dead = relu_stack(trainer)
    first_dead = trainer.scenario.model.layers[all_dead.index(True)].name
    assert first_dead == blocker and not all_dead[0]
    share = float((pre[0][:, 0] > 0).double().mean())
    assert 0 < share < 1 and float(trainer.record.layers[0].grad_norm[0]) == 0.0
    text = explain(trainer.record, 0, 0, trainer.n_train)
    assert text.startswith(f"alive: it fires on {share:.0%} of the training inputs")
    assert f"every unit of {blocker} is dead" in text and "no gradient reaches it" in text
