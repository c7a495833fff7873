"""Screens as a person sees them (pytest-textual-snapshot); update with `pytest --snapshot-update`."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from relu_tui import load_scenario
from relu_tui.app.driving import settle
from relu_tui.spec.bundled import bundled

from .app_helpers import make_app


def stepping(epochs: int, *keys: str):
    async def run_before(pilot) -> None:
        await settle(pilot)
        if epochs:
            pilot.app.submit(lambda session: session.step_epochs((pilot.app.variant,), epochs))
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
    return run_before


@pytest.mark.parametrize("path", bundled(), ids=lambda path: path.stem)
def test_main_screen_of_each_bundled_scenario(snap_compare, path):
    epoch = load_scenario(path).showcase_epoch
    assert snap_compare(make_app(path.stem), terminal_size=(120, 40), run_before=stepping(epoch))


def test_main_screen_at_80x24(snap_compare):
    assert snap_compare(make_app(variant="leaky"), terminal_size=(80, 24), run_before=stepping(30))


def test_heatmap_over_epochs(snap_compare):
    assert snap_compare(make_app(variant="leaky"), terminal_size=(120, 40), run_before=stepping(40, "v"))


def test_unit_pictures_and_test_points(snap_compare):
    assert snap_compare(make_app("high_learning_rate"), terminal_size=(120, 40), run_before=stepping(40, "t", "x"))


def test_unit_pictures_at_80x24(snap_compare):
    assert snap_compare(make_app("stacked_negative"), terminal_size=(80, 24), run_before=stepping(0, "t", "tab"))


def test_discretised_output(snap_compare):
    assert snap_compare(make_app("negative_bias", variant="positive_bias"), terminal_size=(120, 40),
                        run_before=stepping(30, "d"))


def test_help_screen(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=stepping(0, "question_mark"))


def test_compare_view(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=stepping(25, "c"))



def steady(epochs: int, key: str):
    """``stepping``, then the form's text cursor held still (a blinking one is drawn or not by chance)."""
    first = stepping(epochs, key)

    async def run_before(pilot) -> None:
        await first(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()
    return run_before


def test_editor(snap_compare):
    assert snap_compare(make_app("high_learning_rate"), terminal_size=(120, 40), run_before=steady(0, "m"))


def test_editor_at_80x24(snap_compare):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=steady(0, "m"))


def test_intervene(snap_compare):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=steady(10, "i"))


def test_save(snap_compare):
    assert snap_compare(make_app(variant="leaky"), terminal_size=(120, 40), run_before=steady(5, "ctrl+s"))
