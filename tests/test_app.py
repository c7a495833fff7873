"""The app through Textual's Pilot: every binding does what the help screen says."""

from __future__ import annotations

import json
import textwrap

from textual.widgets import Static

from relu_tui import load_scenario, loads_scenario
from relu_tui.app.main import ReluApp
from relu_tui.app.screens.compare import CompareScreen
from relu_tui.app.screens.help import HelpScreen
from relu_tui.app.screens.main import MainScreen
from relu_tui.app.screens.picker import PickerScreen
from relu_tui.app.screens.sweep import SweepScreen
from relu_tui.app.widgets.heatmap import Heatmap
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.app.widgets.panels import inspector_text

from .app_helpers import make_app, on_engine, press, settle, sync

SIZE = (120, 40)


def screen_text(app: ReluApp) -> str:
    """The text of every panel on the current screen."""
    return "\n".join([*(str(w.render()) for w in app.screen.query(Static)),
                      *(w.text.plain for w in app.screen.query(TextPanel))])


@sync
async def test_opens_at_epoch_zero_with_the_dead_unit_explained():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        snap = app.current
        assert snap.epoch == 0 and snap.record.counts()["dead"] == 1
        text = inspector_text(snap, app.selected).plain
        assert "dead" in text and "exactly 0" in text and "no optimizer step can move it" in text
        assert "Born dead: negative weights" in app.query_one("#status", TextPanel).text.plain


@sync
async def test_three_spaces_then_left_gives_epoch_two():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space", "space")
        assert app.current.epoch == 3
        await press(pilot, "left")
        assert app.current.epoch == 2
        await press(pilot, "right")
        assert app.current.epoch == 3


@sync
async def test_f_steps_ten_and_n_steps_a_batch():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        assert app.current.epoch == 10
        await press(pilot, "n")  # negative_init is full batch: one batch is one epoch
        assert app.current.epoch == 11


@sync
async def test_r_returns_to_epoch_zero_with_the_initial_weights():
    app = make_app(variant="standardized")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        initial = [w.copy() for w in app.current.weights]
        await press(pilot, "f", "f")
        assert app.current.epoch == 20
        assert not all((a == b).all() for a, b in zip(initial, app.current.weights))
        await press(pilot, "r")
        assert app.current.epoch == 0
        assert all((a == b).all() for a, b in zip(initial, app.current.weights))


@sync
async def test_capital_r_starts_from_a_new_seed():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = app.current.weights[0].copy()
        await press(pilot, "space", "R")
        assert app.current.epoch == 0 and app.current.scenario.seed == 1
        assert not (before == app.current.weights[0]).all()


@sync
async def test_u_runs_until_a_unit_changes_state():
    app = make_app(variant="leaky")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "u")
        snap = app.current
        assert snap.record.counts()["negative"] == 0  # the leaky unit came out of the negative state
        assert snap.traces.states[0, -1] != snap.traces.states[0, 0]


@sync
async def test_the_next_epoch_is_ready_before_the_key_and_any_other_command_sees_the_epoch_on_screen(monkeypatch):
    """Looking ahead: once a step is timed, the engine trains the next epoch while the app waits, and space
    only shows it; `b` rewinds that epoch and then goes back one. The numbers are those of a straight run."""
    from relu_tui import Trainer, find_scenario
    from relu_tui.engine.session import Session

    app = make_app("stacked_negative")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        await pilot.pause(0.3)  # the look ahead runs once the frame of epoch 2 is drawn
        real, on_screen = Session.step_epochs, []  # the epoch on screen whenever an epoch is trained

        def training(*args, **kwargs):
            on_screen.append(app.current.epoch)
            return real(*args, **kwargs)
        monkeypatch.setattr(Session, "step_epochs", training)
        await press(pilot, "space")
        assert app.current.epoch == 3
        await pilot.pause(0.3)
        assert on_screen == [3]  # not 2: the key trained nothing; epoch 4 is trained once 3 is drawn
        await press(pilot, "left")  # the epoch stepped ahead (4) is rewound first: back to 2, not 3
        assert app.current.epoch == 2
        assert await on_engine(pilot, app, lambda s: (s.trainer("base").epoch, s.trainer("base").history.last)) == (2, 2)
        await press(pilot, "space", "space", "space")
        shown = app.current.record.to_dict("s", "base")
    straight = Trainer(load_scenario(find_scenario("stacked_negative")))
    straight.step_epochs(5)
    assert shown == straight.record.to_dict("s", "base")


@sync
async def test_each_drawn_frame_is_followed_by_a_collection_while_the_app_waits(monkeypatch):
    """The objects a frame leaves are collected once it is drawn (a collection of an older generation would
    otherwise fall in the middle of a later frame), but not while playing: the next frame is due anyway."""
    from relu_tui.app import main

    collections = []
    monkeypatch.setattr(main, "_collect_idle", lambda: collections.append(app.current.epoch))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.pause(0.1)
        collections.clear()
        for _ in range(3):
            await press(pilot, "space")
            await pilot.pause(0.1)
        assert collections == [1, 2, 3]
        await pilot.press("p")
        for _ in range(200):
            await pilot.pause(0.02)
            if app.current.epoch >= 8:
                break
        await pilot.press("p")
        assert app.current.epoch >= 8 and len(collections) <= 4  # the frame drawn as play stopped, at most


def test_the_idle_collection_takes_generation_two_when_it_is_due(monkeypatch):
    import gc

    from relu_tui.app.main import _collect_idle

    collected = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collected.append(generation) or 0)
    threshold = gc.get_threshold()[2]
    for count in (0, threshold - 1, threshold):
        monkeypatch.setattr(gc, "get_count", lambda count=count: (0, 0, count))
        _collect_idle()
    assert collected == [1, 1, 2]


@sync
async def test_play_then_pause_stops():
    app = make_app(variant="leaky")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        assert app.playing
        for _ in range(200):
            await pilot.pause(0.02)
            if app.current.epoch >= 3:
                break
        await pilot.press("p")
        assert not app.playing
        await settle(pilot)
        stopped = app.current.epoch
        assert stopped >= 3
        await pilot.pause(0.4)
        await settle(pilot)
        assert app.current.epoch == stopped


@sync
async def test_a_key_during_play_pauses_and_acts():
    app = make_app(variant="leaky")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("p")
        await pilot.pause(0.3)
        await press(pilot, "r")
        assert not app.playing and app.current.epoch == 0


@sync
async def test_speed_keys_change_the_play_rate():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        start = app.speed_index
        await pilot.press("plus", "plus")
        assert app.speed_index == start + 2
        await pilot.press("minus")
        assert app.speed_index == start + 1


@sync
async def test_number_keys_switch_variant():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "2")
        assert app.variant == "leaky" and app.current.scenario.variant == "leaky"
        assert app.current.record.layers[0].state[0] == 1  # negative, not dead
        await press(pilot, "9")  # only three variants: a warning, nothing else
        assert app.variant == "leaky"


@sync
async def test_arrows_and_tab_select_units():
    scenario_text = """
    [data]
    generator = "moons"
    [[model.layers]]
    width = 3
    [[model.layers]]
    width = 2
    """
    app = ReluApp(loads_scenario(textwrap.dedent(scenario_text), source="two_layers.toml"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.selected == (0, 0)
        await pilot.press("down", "down")
        assert app.selected == (0, 2)
        await pilot.press("down")
        assert app.selected == (1, 0)
        await pilot.press("up")
        assert app.selected == (0, 2)
        await pilot.press("tab")
        assert app.selected == (1, 1)
        await pilot.press("shift+tab")
        assert app.selected == (0, 1)
        assert "hidden1[1]" in app.query_one("#inspector", TextPanel).text.plain


@sync
async def test_v_cycles_heatmap_modes():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        heatmap = app.query_one(Heatmap)
        modes = [heatmap.mode]
        for _ in range(3):
            await pilot.press("v")
            modes.append(heatmap.mode)
        assert modes == ["activations", "active", "gradient", "activations"]


@sync
async def test_c_shows_all_variants_stepping_in_lockstep():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "space", "space")
        await press(pilot, "c")
        assert isinstance(app.screen, CompareScreen)
        assert app.screen.names == ("base", "leaky", "standardized")
        await press(pilot, "space")
        epochs = {name: app._snapshots[name].epoch for name in app.screen.names}
        assert epochs == {"base": 3, "leaky": 3, "standardized": 3}
        texts = [str(s.render()) for s in app.screen.query(".compare-text")]
        assert any("leaky" in t for t in texts) and any("standardized" in t for t in texts)
        await press(pilot, "c")
        assert not isinstance(app.screen, CompareScreen)


@sync
async def test_e_exports_jsonl_and_csv(tmp_path):
    app = make_app(export_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "f", "e")
        jsonl = tmp_path / "negative_init-base-seed0-epoch10.jsonl"
        lines = jsonl.read_text().splitlines()
        assert [json.loads(line)["epoch"] for line in lines] == list(range(11))
        assert (tmp_path / "negative_init-base-seed0-epoch10.csv").read_text().count("\n") == 12


@sync
async def test_s_saves_an_svg_screenshot(tmp_path):
    app = make_app(screenshot_dir=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        svg = (tmp_path / "negative_init-base-epoch0.svg").read_text()
        assert svg.startswith("<svg") and "Born dead" in svg.replace("&#160;", " ")


@sync
async def test_help_lists_every_binding():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        for binding in MainScreen.BINDINGS:
            if binding.description:
                assert (binding.tooltip or binding.description) in text
        assert "exactly 0" in text and "dead" in text
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@sync
async def test_no_scenario_opens_the_picker_and_o_switches_scenario():
    app = make_app(name="")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.1)
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")
        await settle(pilot)
        assert app.current is not None and not isinstance(app.screen, PickerScreen)
        await pilot.press("o")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, PickerScreen)


@sync
async def test_q_quits():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("q")
    assert app.return_code == 0


@sync
async def test_a_diverging_run_keeps_the_app_alive(tmp_path):
    path = tmp_path / "diverge.toml"
    path.write_text('[data]\ngenerator = "sine"\n[[model.layers]]\nwidth = 8\n[training]\nlearning_rate = 1e6\n')
    app = ReluApp(load_scenario(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for _ in range(6):
            await press(pilot, "f")
        assert app.current.record.diverged
        assert "DIVERGED" in app.query_one("#status", TextPanel).text.plain
        await press(pilot, "r")
        assert not app.current.record.diverged and app.current.epoch == 0


@sync
async def test_too_small_a_terminal_says_so():
    app = make_app()
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause(0.1)
        assert "The terminal is 60×20; relu-tui needs at least 80×24" in app.query_one("#too-small", TextPanel).text.plain
        assert app.screen.has_class("-w-tiny") and app.screen.has_class("-h-tiny")


@sync
async def test_w_shows_the_born_dead_sweep(tmp_path):
    path = tmp_path / "tiny_sweep.toml"
    path.write_text('[data]\ngenerator = "sine"\n[[model.layers]]\nwidth = 2\nrepeat = 4\n'
                    '[sweep]\nwidths = [2, 8]\ndepths = [2, 20]\ntrials = 60\n')
    app = ReluApp(load_scenario(path))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "w")
        assert isinstance(app.screen, SweepScreen)
        assert "done" in str(app.screen.query_one("#sweep-table", Static).render())
        assert app.session._sweep is not None and len(app.session._sweep) == 2 * 2 * 3  # he, he_zero_bias, rai
        legend = app.screen.query_one("#sweep-legend", TextPanel).text.plain
        assert "━ width 2" in legend and "━ width 8" in legend and "● he" in legend and "■ rai" in legend
        assert "▲ he_zero_bias" in legend and "·━ bound (he_zero_bias)" in legend
        axis = [strip.text for strip in app.screen.query_one("#sweep-plot")._lines][-2]
        assert axis.split() == ["2", "20"]
        await pilot.press("escape")
        assert not isinstance(app.screen, SweepScreen)


@sync
async def test_w_is_hidden_without_a_sweep():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.check_action("sweep", ()) is False
        await press(pilot, "w")
        assert not isinstance(app.screen, SweepScreen)
