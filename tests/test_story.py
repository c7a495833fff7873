"""The whole story on screen: explanations, help prose, regression labels, legible compare columns."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from rich.color import Color, ColorSystem
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from relu_tui import Trainer, find_scenario, load_scenario, loads_scenario
from relu_tui.app.main import ReluApp
from relu_tui.app.palette import CLASS_COLOR, CLASS_GLYPH, NEGATIVE_WEIGHT, POSITIVE_WEIGHT, STATE_COLOR, STATE_GLYPH
from relu_tui.app.screens.compare import CompareScreen
from relu_tui.app.screens.help import HelpScreen
from relu_tui.app.watch import WatchApp
from relu_tui.app.widgets.curves import Curves
from relu_tui.app.widgets.heatmap import Heatmap, axis, class_columns
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.app.widgets.plane import InputPlane
from relu_tui.engine.explanations import explain
from relu_tui.engine.records import DEAD
from relu_tui.monitor import read_run
from relu_tui.monitor.demo import write_demo_run

from .app_helpers import make_app, press, settle, sync
from .test_watch import until

SIZE = (120, 40)


def visible(widget: Widget) -> list[str]:
    """The lines a widget draws, as a person reads them (cut where the widget cuts them)."""
    width, height = widget.size
    return ["".join(s.text for s in strip) for strip in widget.render_lines(Region(0, 0, width, height))]


def heatmap_lines(heatmap: Heatmap, count: int) -> list[str]:
    return ["".join(s.text for s in heatmap.render_line(y)) for y in range(count)]


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


def dead_per_layer(trainer: Trainer) -> list[int]:
    """Units that are <= 0 on every training input, per layer, by hand (ReLU layers only)."""
    pre, _ = relu_stack(trainer)
    return [int((z <= 0).all(dim=0).sum()) for z in pre]


@pytest.mark.parametrize(("name", "epochs"), [("high_learning_rate", 31), ("activation_zoo", 100), ("deep_init", 0)])
@sync
async def test_compare_columns_at_120x40_show_every_number_whole(name, epochs):
    app = make_app(name)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.submit(lambda session: session.step_epochs(("base",), epochs))
        await settle(pilot)
        await press(pilot, "c")
        assert isinstance(app.screen, CompareScreen)
        base = app.session.trainer("base")
        hand = dead_per_layer(base)
        for head in app.screen.query(".compare-text"):
            title, summary, *numbers = visible(head)
            assert "…" not in title + "".join(numbers)  # only the summary, words, may be cut
        head = visible(app.screen.query_one("#col-base .compare-text"))
        record = base.record
        assert any(f"loss {record.loss:.4g}" in line for line in head)  # whole on one line (where narrow columns put it)
        assert f"acc {100 * record.accuracy:.1f}%" in " ".join(head)
        assert f"✖{sum(hand)}/{record.n_units}" in " ".join(head)
        heatmap = app.screen.query_one("#col-base Heatmap", Heatmap)
        classes, layer_row = heatmap_lines(heatmap, 2)
        assert f"✖{hand[0]}/{record.layers[0].width}" in layer_row
        n_classes = base.scenario.data.n_classes
        digits = [c for c in classes if c.isdigit()]
        assert digits == [str(k) for k in range(n_classes)]  # every class, in order


def test_class_columns_keep_every_class_when_narrow():
    labels = np.repeat(np.arange(10), 7)
    narrow = class_columns(labels, 11, classify=True)
    assert len(narrow) == 10 and all(c is not None and len(set(labels[c])) == 1 for c in narrow)
    wide = class_columns(labels, 40, classify=True)
    assert sum(c is None for c in wide) == 9 and len(wide) == 40
    assert sorted({int(labels[c[0]]) for c in wide if c is not None}) == list(range(10))


def test_an_axis_shows_whole_labels_or_none():
    labels = ["-1.08", "0.06", "1.04"]
    for width in range(40):
        line = axis(labels, width)
        assert len(line) == width
        assert line.replace("─", " ").split() in (labels, [labels[0], labels[-1]], [])


@sync
async def test_each_compare_column_is_titled_with_the_heatmap_mode():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        titles = []
        for _ in range(3):
            titles.append({h.border_title for h in app.screen.query(Heatmap)})
            await press(pilot, "v")
        assert titles == [{"activations by class"}, {"active share/epoch"}, {"log gradient/epoch"}]


@sync
async def test_a_regression_is_labelled_by_target_value_and_loss_without_accuracy():
    app = make_app("born_dead_depth")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        heatmap = app.query_one(Heatmap)
        assert "by target value" in heatmap.border_title and "class" not in heatmap.border_title
        shown = app.current.sample_labels
        targets = app.session.trainer("base").dataset.y_train.numpy()
        assert sorted(shown.tolist()) == sorted(targets.tolist())  # the heatmap shows every training sample
        header = heatmap_lines(heatmap, 1)[0]
        assert f"{targets.min():.2f}" in header and f"{targets.max():.2f}" in header and "class" not in header
        legend = app.query_one(Curves).border_title
        assert "acc" not in legend and "test loss" in legend and "loss" in legend
        await press(pilot, "c")
        head = " ".join(visible(app.screen.query_one("#col-base .compare-text")))
        assert "acc" not in head and f"test loss {app.current.record.test_loss:.4g}" in head


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
@sync
async def test_the_watch_status_keeps_every_number_whole(tmp_path, size):
    run = write_demo_run(tmp_path / "run")
    log = read_run(run)
    last = log.records[-1]
    dead = sum(int((stats.state == DEAD).sum()) for stats in last.layers.values())  # in the log itself
    records = len(log.records)
    app = WatchApp(run, poll_seconds=0.05)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: app.view is not None and app.view.n_records == records, timeout=30)
        await pilot.pause()
        head, numbers, _ = visible(app.query_one("#status"))[:3]
        assert f"{app.view.n_units} units" in head
        assert "…" not in numbers and f"step {last.step}" in numbers and f"loss {last.loss:.4f}" in numbers
        assert f"{records} records" in numbers and (f"✖{dead} " in numbers or f"✖ {dead} dead" in numbers)


def sixteen(color: str | Color) -> int:
    """The colour a 16-colour terminal (TERM=xterm) shows instead."""
    return (Color.parse(color) if isinstance(color, str) else color).downgrade(ColorSystem.STANDARD).number


def test_on_16_colours_red_means_dead_only():
    dead = sixteen(STATE_COLOR[DEAD])
    classes = [sixteen(c) for c in CLASS_COLOR]
    assert dead not in classes and len(set(classes)) == len(classes)
    weights = {sixteen(POSITIVE_WEIGHT.color), sixteen(NEGATIVE_WEIGHT.color)}
    assert dead not in weights and len(weights) == 2
    assert len(set(CLASS_GLYPH)) == len(CLASS_GLYPH) and not set(CLASS_GLYPH) & set(STATE_GLYPH)


@sync
async def test_points_weights_and_dead_units_differ_by_glyph_and_16_colour_on_screen():
    app = make_app("stacked_negative")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "tab")  # second[0]: dead, fed by first through negative weights only
        assert app.selected == (1, 0)
        dead = sixteen(STATE_COLOR[DEAD])
        network = app.query_one("#network", TextPanel).text
        notes = [(network.plain[span.start:span.end], span.style) for span in network.spans]
        negative = [style for piece, style in notes if piece.startswith(" −")]
        assert len(negative) == 8 and all(sixteen(style.color) != dead for style in negative)
        assert all(sixteen(style.color) == dead for piece, style in notes if piece == STATE_GLYPH[DEAD])
        points = {(ch, sixteen(seg.style.color)) for strip in app.query_one(InputPlane)._lines for seg in strip
                  for ch in seg.text if ch in CLASS_GLYPH}
        assert {ch for ch, _ in points} == set(CLASS_GLYPH[:2])  # xor: two classes, two glyphs
        assert dead not in {color for _, color in points} and len(points) == 2
