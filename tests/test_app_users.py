"""What a new user meets in the first minutes: resizes, the bare picker, modal screens, long epochs."""

from __future__ import annotations

import asyncio
import time

from textual.widgets import Footer, OptionList

from relu_tui import find_scenario, load_scenario, loads_scenario
from relu_tui.app.main import ReluApp
from relu_tui.app.screens.help import HelpScreen
from relu_tui.app.screens.picker import PickerScreen
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.app.widgets.panels import network_text, status_text
from relu_tui.spec.bundled import bundled

from .app_helpers import make_app, press, settle, sync


def panel(app: ReluApp, widget_id: str) -> TextPanel:
    return app.screen.query_one(f"#{widget_id}", TextPanel)


def assert_fits(widget: TextPanel, rows: slice = slice(None)) -> None:
    """The panel's lines (``rows`` of them: the others may be cut with an ellipsis) were laid out
    for its current size."""
    width, height = widget.content_region.width, widget.content_region.height
    lines = widget.text.plain.split("\n")[rows]
    assert width > 0 and all(len(line) <= width for line in lines), (width, lines)
    assert len(widget._lines) == height


async def resized(pilot, width: int, height: int) -> None:
    await pilot.resize_terminal(width, height)
    await pilot.pause(0.1)


def assert_layout(app: ReluApp, width: int, height: int) -> None:
    """The main screen shows the layout for ``width`` x ``height``, with every panel's text fresh."""
    screen = app.screen
    if width < 80 or height < 24:
        assert not screen.query_one("#main").display
        assert f"The terminal is {width}×{height}" in panel(app, "too-small").text.plain
        return
    assert screen.query_one("#main").display and not screen.query_one("#too-small").display
    wide = width >= 110 and height >= 36
    assert screen.query_one("#left").size.width == (38 if wide else 30)
    assert screen.query_one("#curves").display == wide
    assert_fits(panel(app, "network"))
    status = panel(app, "status")
    assert_fits(status, slice(0, 2))  # the title (cut to keep the variant and seed) and the numbers
    assert "variant base" in status.text.plain and "seed" in status.text.plain
    assert status.content_region.width == width - 2
    assert app.screen.query_one(Footer).size.width == width


@sync
async def test_every_resize_lays_out_for_the_new_size_at_once():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        for width, height in ((80, 24), (120, 40), (60, 20), (200, 60), (100, 30), (120, 40)):
            await resized(pilot, width, height)
            assert_layout(app, width, height)


@sync
async def test_a_burst_of_resizes_ends_in_the_last_layout():
    app = make_app("deep_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for width, height in ((81, 25), (150, 50), (79, 23), (90, 40), (130, 35)):
            await pilot.resize_terminal(width, height)
        await pilot.pause(0.2)
        assert_layout(app, 130, 35)


@sync
async def test_the_picker_compare_and_help_follow_a_resize():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        for key, screen_type in (("c", None), ("question_mark", HelpScreen), ("o", PickerScreen)):
            await press(pilot, key)
            for width, height in ((80, 24), (120, 40)):
                await resized(pilot, width, height)
                if screen_type is None:
                    assert_fits(app.screen.query_one("#compare-status", TextPanel), slice(1, 2))
                else:
                    assert isinstance(app.screen, screen_type)
                assert app.screen.query_one(Footer).size.width == width
            await press(pilot, "escape")


@sync
async def test_the_bare_picker_ignores_training_keys_and_says_so():
    app = make_app(name="")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        for key in ("space", "f", "u", "n", "r", "R", "left", "p"):
            await pilot.press(key)
        await pilot.pause(0.3)
        assert isinstance(app.screen, PickerScreen) and app.return_code is None
        assert any("Choose a scenario first" in n.message for n in app._notifications)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current is not None and app.current.epoch == 0


@sync
async def test_keys_in_a_modal_never_reach_the_training_underneath():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("o", "space", "f", "escape")
        await pilot.press("question_mark", "space", "n", "escape")
        await settle(pilot)
        assert app.current.epoch == 0


@sync
async def test_a_modal_footer_shows_only_its_own_keys():
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert shown == {"enter", "escape", "q"}
        await press(pilot, "escape", "question_mark")
        shown = {b.binding.key for b in app.screen.active_bindings.values() if b.binding.show}
        assert shown == {"escape", "question_mark", "q"}


@sync
async def test_the_picker_lists_every_title_on_one_line_with_the_current_one_highlighted():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        options = app.screen.query_one(OptionList)
        assert options.option_count == len(bundled())
        assert options.get_option_at_index(options.highlighted).id == "high_learning_rate"
        assert options.content_region.height >= options.option_count  # all visible at once
        about = panel(app, "picker-about").text.plain
        assert about.startswith(load_scenario(find_scenario("high_learning_rate")).title)
        await pilot.press("down")
        await pilot.pause()
        assert panel(app, "picker-about").text.plain != about


@sync
async def test_the_preview_frame_shows_the_variant_being_opened():
    app = make_app(variant="leaky")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.05)
        assert "variant leaky" in panel(app, "status").text.plain
        await settle(pilot)
        assert "leaky_relu" in panel(app, "network").text.plain or "leaky" in panel(app, "inspector").text.plain


@sync
async def test_a_layer_with_every_unit_dead_is_flagged_in_the_status_and_the_network():
    app = make_app("stacked_negative")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert "second: all 8 dead, nothing passes" in panel(app, "status").text.plain
    snap = app.current
    assert "✖ second: all dead" in network_text(snap, (0, 0), height=10, width=34).plain
    rows = network_text(snap, (0, 0), height=5, width=34).plain  # too small for columns: a line per layer
    assert "second   ✖8 all dead" in rows


def test_the_status_format_depends_on_the_width_only():
    snap = _snapshot("deep_init")
    for width in (78, 100, 118):
        paused = status_text(snap, playing=False, speed="10 ep/s", position=(1, 5), width=width).plain.split("\n")[1]
        playing = status_text(snap, playing=True, speed="max speed", position=(1, 5), width=width,
                              busy="training 3/10…").plain.split("\n")[1]
        assert paused.replace("■ paused", "") == playing.replace("▶ max speed", "")
        assert len(playing) <= width
    assert "dead" in status_text(snap, playing=True, speed="max speed", position=(1, 5), width=118).plain


def test_a_regression_status_shows_losses_not_accuracies():
    line = status_text(_snapshot("born_dead_depth"), playing=False, speed="1 ep/s", position=(1, 2),
                       width=118).plain.split("\n")[1]
    assert "test loss" in line and "train" not in line and "–" not in line


def test_a_wide_layer_says_how_many_units_it_does_not_show():
    snap = _snapshot("deep_init")
    text = network_text(snap, (0, 0), height=8, width=26).plain
    assert "+82" in text and text.count("●") + text.count("◐") + text.count("✖") >= 18


def test_the_network_writes_incoming_weights_beside_a_two_column_feeding_layer_with_index_labels():
    snap = _snapshot("high_learning_rate")
    text = network_text(snap, (1, 0), height=10, width=34).plain
    lines = text.split("\n")
    assert lines[1].split() == ["0", "8", "0", "8"]  # first unit of each glyph column
    incoming = snap.weights[1][0]
    notes = [f"{'+' if w >= 0 else '−'}{abs(w):.1f}" for w in map(float, incoming)]
    body = "\n".join(lines[2:])
    assert all(note in body for note in notes) and len(incoming) == 16


def test_a_deep_net_shows_a_window_around_the_selected_layer_and_counts_the_rest():
    snap = _snapshot("born_dead_depth")
    text = network_text(snap, (9, 0), height=10, width=34).plain
    assert "hidden10" in text and "above (tab)" in text
    text = network_text(snap, (0, 0), height=10, width=34).plain
    assert "hidden1 " in text and "below (tab)" in text


def _snapshot(name: str):
    from relu_tui.engine.session import Session

    session = Session(load_scenario(find_scenario(name)))
    return session.snapshot("base")


@sync
async def test_u_stops_on_any_key_even_an_unbound_one():
    app = make_app()  # negative_init: the dead unit never changes, so `u` would run 2000 epochs
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await pilot.pause(0.3)
        await pilot.press("x")  # bound to nothing
        await settle(pilot)
        assert 0 < app.current.epoch < 2000
        assert any("Stopped" in n.message for n in app._notifications)


LONG_EPOCH = """
seed = 1
[data]
generator = "blobs"
n_samples = 400000
[[model.layers]]
width = 4
[training]
batch_size = 1
"""


@sync
async def test_a_long_epoch_shows_its_batches_and_q_quits_at_once():
    app = ReluApp(loads_scenario(LONG_EPOCH, source="long_epoch.toml"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 20
        while "batch" not in panel(app, "status").text.plain and loop.time() < deadline:
            await pilot.pause(0.1)
        assert "epoch 1: batch" in panel(app, "status").text.plain and "of 320,000" in panel(app, "status").text.plain
        started = time.monotonic()
        await pilot.press("q")
    assert time.monotonic() - started < 5 and app.return_code == 0  # not after the epoch's 320,000 steps


@sync
async def test_watch_follows_a_resize(tmp_path):
    from relu_tui.app.watch import RunHeatmap, WatchApp
    from relu_tui.monitor.demo import write_demo_run

    app = WatchApp(write_demo_run(tmp_path / "run"), poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        while app.view is None and loop.time() < deadline:
            await pilot.pause(0.05)
        await resized(pilot, 60, 20)
        assert "The terminal is 60×20" in app.screen.query_one("#too-small", TextPanel).text.plain
        assert not app.screen.query_one("#main").display
        for width, height in ((80, 24), (120, 40), (100, 30)):
            await resized(pilot, width, height)
            assert not app.screen.query_one("#too-small").display
            assert app.screen.query_one("#left").size.width == (38 if width >= 110 and height >= 36 else 30)
            assert app.screen.query_one("#curves").display == (width >= 110 and height >= 36)
            heatmap = app.screen.query_one(RunHeatmap)
            assert heatmap._codes.shape[1] == heatmap.body_width  # rebuilt for the new width
            assert app.screen.query_one(Footer).size.width == width


@sync
async def test_keys_pressed_quickly_all_count_and_compare_aligns_after_them():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f", "f", "f", "c")  # no waiting between them, as a user types
        await settle(pilot)
        assert {name: snap.epoch for name, snap in app._snapshots.items()} == {
            "base": 30, "no_spike": 30, "mild_spike": 30, "stay_high": 30}
