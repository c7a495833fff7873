"""The unit pictures (t), the input plane's test points (x) and discretised output (d), the fit
and the Layers panel's histogram, driven through the app."""

from __future__ import annotations

from relu_tui.app.widgets.network_charts import FitView, LayerHistogram
from relu_tui.app.widgets.pictures import UnitPictures
from relu_tui.app.widgets.plane import InputPlane

from .app_helpers import make_app, press, settle, sync


def lines_of(widget) -> list[str]:
    return [strip.text for strip in widget._lines]


@sync
async def test_t_shows_every_units_picture_dead_ones_marked_and_the_selection_follows():
    app = make_app("stacked_negative")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        assert app.screen.has_class("-pictures")
        pictures = app.screen.query_one(UnitPictures)
        assert pictures.display and not app.screen.query_one("#heatmap").display
        text = "\n".join(lines_of(pictures))
        assert "first · 8 units" in text and "second · 8 units · 8 dead" in text  # both layers at once
        assert text.count("✖") >= 2 * 8  # each dead unit: its label and the mark on its blank picture
        await press(pilot, "tab")
        assert pictures.selected == (1, 0)
        selected = [seg for strip in pictures._lines for seg in strip if seg.style and seg.style.reverse]
        assert [seg.text.strip() for seg in selected] == ["✖0"]
        await press(pilot, "t")
        assert not app.screen.has_class("-pictures") and app.screen.query_one("#heatmap").display


@sync
async def test_wide_layers_scroll_to_the_selected_unit_at_80x24():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        pictures = app.screen.query_one(UnitPictures)
        assert pictures.display and pictures.content_region.height >= 6
        assert "below" in lines_of(pictures)[-1]
        await press(pilot, "tab")  # the second layer, out of view until it is selected
        text = lines_of(pictures)
        assert any(line.startswith("hidden2") for line in text) or any("●0" in line or "✖0" in line for line in text)
        assert pictures.selected == (1, 0)
        assert "above" in text[-1]


@sync
async def test_x_shows_the_test_points_and_d_the_discretised_output():
    app = make_app("negative_bias", variant="positive_bias")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        plane = app.screen.query_one(InputPlane)
        before = "\n".join(lines_of(plane))
        assert "x1 →  ↑ x2" in before and not any(g in before for g in "□△")
        await press(pilot, "x")
        assert plane.show_test and any(g in "\n".join(lines_of(plane)) for g in "□△")
        assert "□" in str(plane.border_subtitle)
        backgrounds = {seg.style.bgcolor for strip in plane._lines for seg in strip if seg.style}
        await press(pilot, "d")
        assert plane.discrete and "output by class" in str(plane.border_subtitle)
        assert {seg.style.bgcolor for strip in plane._lines for seg in strip if seg.style} != backgrounds
        await press(pilot, "x", "d")
        assert not plane.show_test and not plane.discrete


@sync
async def test_one_input_regression_shows_the_fit_and_other_data_the_layers_histogram():
    app = make_app("born_dead_depth")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-fit") and app.screen.query_one(FitView).display
        assert "flat" in str(app.screen.query_one(FitView).border_title)
        await press(pilot, "t")
        assert not app.screen.has_class("-pictures")  # one input: no pictures over a plane
    app = make_app("deep_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert app.screen.has_class("-layers")
        histogram = app.screen.query_one(LayerHistogram)
        assert histogram.display and "=0" in "\n".join(lines_of(histogram))
        assert str(app.screen.query_one("#layers").border_title).startswith("hidden1: ")
        await press(pilot, "tab")
        assert str(app.screen.query_one("#layers").border_title).startswith("hidden2: ")
