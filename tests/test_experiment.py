"""Experimenting in the app: every field of the editor, every intervention from the keyboard, the branch
an intervention starts, and a saved file that reruns, epoch for epoch, what the app showed."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from textual.widgets import Checkbox, Footer, Input, Select, Static
from textual.widgets._footer import FooterKey

from relu_tui import find_scenario, load_scenario
from relu_tui.app import ReluApp
from relu_tui.app.screens.editor import EditorScreen, LayerRow
from relu_tui.app.screens.help import HelpScreen
from relu_tui.app.screens.intervene import InterveneScreen
from relu_tui.app.screens.save import ConfirmScreen, SaveScreen
from relu_tui.cli import main as cli
from relu_tui.engine.records import DEAD
from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import Activation
from relu_tui.spec.edit import short_message
from relu_tui.spec.inits import InitSpec
from relu_tui.spec.scenario import Event, loads_scenario
from relu_tui.spec.write import write_scenario

from .app_helpers import make_app, on_engine, press, settle, sync


async def type_into(pilot, widget: Input, text: str) -> None:
    """Replace a field's text and press Enter in it."""
    widget.value = text
    widget.focus()
    await press(pilot, "enter")


async def open_editor(pilot) -> EditorScreen:
    await press(pilot, "m")
    assert isinstance(pilot.app.screen, EditorScreen)
    return pilot.app.screen


def row(editor: EditorScreen, index: int = 0) -> LayerRow:
    return editor.query(LayerRow)[index]


def edited(app):
    return app.scenario.variants["edited"]


async def apply(pilot, editor: EditorScreen) -> None:
    editor.action_apply()
    await settle(pilot)


# --------------------------------------------------------------------------- the editor, field by field

async def set_select(pilot, editor, selector, value):
    editor.query_one(selector, Select).value = value
    await pilot.pause()


def _input(selector):
    return lambda editor: editor.query_one(selector, Input)


def _layer(part, index=0):
    return lambda editor: row(editor, index).query_one(f".{part}", Input)


FIELDS = [  # (scenario, field, text, what the edited scenario must hold)
    ("negative_init", _input("#n_samples"), "300", lambda s: s.data.n_samples == 300),
    ("negative_init", _input("#noise"), "0.25", lambda s: s.data.noise == 0.25),
    ("negative_init", _input("#test_fraction"), "0.5", lambda s: s.data.test_fraction == 0.5),
    ("negative_init", _layer("width"), "3", lambda s: s.model.layers[0].width == 3),
    ("negative_init", _layer("weight"), '{ kind = "normal", std = 0.5 }',
     lambda s: s.model.layers[0].weight_init == InitSpec("normal", {"mean": 0.0, "std": 0.5})),
    ("negative_init", _layer("weight"), "[[0.5, -0.5]]",
     lambda s: s.model.layers[0].weight_init == InitSpec("explicit", values=((0.5, -0.5),))),
    ("negative_init", _layer("bias"), "0.5",
     lambda s: s.model.layers[0].bias_init == InitSpec("constant", {"value": 0.5})),
    ("negative_init", _input("#learning_rate"), "0.05", lambda s: s.training.learning_rate == 0.05),
    ("negative_init", _input("#batch_size"), "32", lambda s: s.training.batch_size == 32),
    ("negative_init", _input("#weight_decay"), "0.01", lambda s: s.training.weight_decay == 0.01),
    ("negative_init", _input("#l1"), "0.001", lambda s: s.training.l1 == 0.001),
    ("negative_init", _input("#epochs"), "50", lambda s: s.training.epochs == 50),
    ("negative_init", _input("#sparse_threshold"), "0.2", lambda s: s.diagnosis.sparse_threshold == 0.2),
]


@pytest.mark.parametrize(("name", "field", "text", "holds"), FIELDS, ids=lambda v: v if isinstance(v, str) else "")
@sync
async def test_each_typed_field_of_the_editor_makes_the_variant_edited(name, field, text, holds):
    app = make_app(name)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = await open_editor(pilot)
        await type_into(pilot, field(editor), text)  # Enter in a field applies the form
        assert not isinstance(app.screen, EditorScreen) and app.variant == "edited"
        assert holds(edited(app)) and edited(app).seed == app.scenario.seed
        assert app.current.scenario.variant == "edited"


@sync
async def test_the_editor_chooses_generator_transform_features_activation_and_optimizer():
    app = make_app("negative_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = await open_editor(pilot)
        await set_select(pilot, editor, "#generator", "moons")
        assert editor.query_one("#noise", Input).value == "0.1"  # the moons' own noise
        await set_select(pilot, editor, "#transform", "shift")
        editor.query_one("#shift", Input).value = "2.5"
        for box in editor.query_one("#features").query(Checkbox):
            box.value = box.name in ("x1^2", "x1*x2", "sin(x2)")
        await set_select(pilot, editor, ".activation", "elu")
        assert row(editor).query_one(".parameter", Input).value == "1"  # elu's alpha
        row(editor).query_one(".parameter", Input).value = "0.5"
        await set_select(pilot, editor, "#optimizer", "momentum")
        await apply(pilot, editor)
        s = edited(app)
        assert (s.data.generator, s.data.params, s.data.noise) == ("moons", {}, 0.1)
        assert (s.data.transform, s.data.shift) == ("shift", 2.5)
        assert s.data.features == ("x1^2", "x1*x2", "sin(x2)") and s.data.n_features == 3
        assert s.model.layers[0].activation == Activation("elu", {"alpha": 0.5})
        assert (s.training.optimizer, s.training.momentum) == ("momentum", 0.9)  # its own default momentum
        assert app.current.feature_names == ("x1²", "x1·x2", "sin x2")
        assert "data.generator: positive_line → moons" in s.summary


@sync
async def test_the_editor_adds_and_removes_layers_and_keeps_the_draws_where_shapes_agree():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = await open_editor(pilot)
        await press(pilot, "ctrl+n")  # a third layer, a copy of the second
        assert len(editor.query(LayerRow)) == 3
        row(editor, 2).query_one(".width", Input).value = "4"
        row(editor, 1).query_one(".remove").press()
        await pilot.pause()
        assert len(editor.query(LayerRow)) == 2
        await apply(pilot, editor)
        s = edited(app)
        assert [layer.width for layer in s.model.layers] == [16, 4]
        assert [layer.name for layer in s.model.layers] == ["hidden1", "hidden2"]
        session = app.session
        base, new = session.trainer("base").model, session.trainer("edited").model
        assert (base.hidden[0].weight == new.hidden[0].weight).all()  # same seed, same shape, same draws
        assert (session.trainer("base").dataset.x_train == session.trainer("edited").dataset.x_train).all()
        editor = await open_editor(pilot)
        await press(pilot, "ctrl+r", "ctrl+r")  # the last one stays
        assert len(editor.query(LayerRow)) == 1
        assert "at least one hidden layer" in str(editor.query_one("#editor-error", Static).render())


@sync
async def test_the_editor_can_drop_the_events():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = await open_editor(pilot)
        editor.query_one("#keep_events", Checkbox).value = False
        await apply(pilot, editor)
        assert edited(app).training.events == () and app.scenario.training.events


@pytest.mark.parametrize(("field", "text", "key"), [
    (_input("#n_samples"), "2", "n_samples"), (_input("#noise"), "loud", "noise"),
    (_layer("width"), "0", "width"), (_layer("weight"), "he_norml", "weight_init"),
    (_layer("weight"), "[[1.0]]", "weights"), (_input("#learning_rate"), "-1", "learning_rate"),
    (_input("#sparse_threshold"), "1", "sparse_threshold"),
])
@sync
async def test_an_invalid_value_is_refused_in_the_form_with_the_files_message(field, text, key):
    app = make_app("negative_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = await open_editor(pilot)
        widget = field(editor)
        await type_into(pilot, widget, text)
        assert app.screen is editor and "edited" not in app.scenario.variants
        shown = str(editor.query_one("#editor-error", Static).render())
        file = write_scenario(app.scenario)  # the same value written in the file instead
        original = {"n_samples": "n_samples = 200", "noise": "noise = 0.0", "width": "width = 1",
                    "weight_init": 'weight_init = { kind = "uniform", low = -0.05, high = 0.0 }',
                    "weights": 'weight_init = { kind = "uniform", low = -0.05, high = 0.0 }',
                    "learning_rate": "learning_rate = 0.02", "sparse_threshold": "sparse_threshold = 0.1"}[key]
        value = {"loud": '"loud"', "he_norml": '"he_norml"'}.get(text, text)
        with pytest.raises(ScenarioError) as info:
            loads_scenario(file.replace(original, f"{key} = {value}", 1))
        assert shown == short_message(info.value)
        assert widget.has_class("-invalid") and app.screen.focused is widget


# --------------------------------------------------------------------------- interventions

async def intervene(pilot) -> InterveneScreen:
    await press(pilot, "i")
    assert isinstance(pilot.app.screen, InterveneScreen)
    return pilot.app.screen


def notices(app) -> list[str]:
    return [n.message for n in app._notifications]


@sync
async def test_a_bias_set_from_the_keyboard_is_an_event_at_the_next_epoch_and_revives_the_unit():
    app = make_app("negative_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.submit(lambda s: s.step_epochs(("base",), 9))
        await settle(pilot)
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#bias", Input), "1.0")
        assert app.scenario.training.events == (Event(10, layer=0, unit=0, bias=1.0),)
        assert any("new branch from epoch 9" in n and "bias set to 1" in n for n in notices(app))
        inspector = app.screen.query_one("#inspector").text.plain
        assert "bias set to 1 at epoch 10 (next: press space)" in inspector
        assert app.current.record.layers[0].state[0] == DEAD
        await press(pilot, "space")
        assert app.current.epoch == 10 and app.current.record.layers[0].state[0] != DEAD
        await press(pilot, "space", "space")
        assert "bias set to 1 at epoch 10; alive since" in app.screen.query_one("#inspector").text.plain
        session = app.session
        first = [session.trainer("base").record_at(e).to_dict("s", "v") for e in range(13)]
        await press(pilot, "left", "left", "left", "left", "left")  # back before the event, and forward again
        await press(pilot, *["right"] * 5)
        assert [session.trainer("base").record_at(e).to_dict("s", "v") for e in range(13)] == first


@sync
async def test_weights_swap_rate_and_revive_each_become_an_event():
    app = make_app("high_learning_rate")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        app.submit(lambda s: s.step_epochs(("base",), 34))
        await settle(pilot)
        dead_before = app.current.record.counts()["dead"]
        screen = await intervene(pilot)
        screen.query_one("#revive-all").press()
        await settle(pilot)
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#weights", Input), "0.5, -0.5")
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#learning_rate", Input), "0.1")
        screen = await intervene(pilot)
        screen.query_one("#activation", Select).value = "leaky_relu"
        await pilot.pause()
        await type_into(pilot, screen.query_one("#parameter", Input), "0.2")
        await press(pilot, "tab")  # the next unit
        screen = await intervene(pilot)
        screen.query_one("#revive-unit").press()
        await settle(pilot)
        screen = await intervene(pilot)
        screen.query_one("#revive-layer").press()
        await settle(pilot)
        events = app.scenario.training.events[2:]  # after the spike's two
        assert events == (
            Event(35, revive=True), Event(35, layer=0, unit=0, weights=(0.5, -0.5)), Event(35, learning_rate=0.1),
            Event(35, layer=0, activation=Activation("leaky_relu", {"negative_slope": 0.2})),
            Event(35, layer=1, unit=0, revive=True), Event(35, layer=1, revive=True))
        await press(pilot, "space")
        record = app.current.record
        assert record.counts()["dead"] < dead_before and record.learning_rate == 0.1
        assert record.layers[0].activation == "leaky_relu(0.2)" and (record.layers[0].state != DEAD).all()
        assert app.current.weights[0][0].tolist() == pytest.approx([0.5, -0.5], abs=0.1)  # set, then one update


@sync
async def test_an_intervention_mid_epoch_starts_the_epoch_again():
    base = write_scenario(load_scenario(find_scenario("negative_init")))
    app = ReluApp(loads_scenario(base.replace('batch_size = "full"', "batch_size = 40")))  # in mini-batches
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "space", "n")
        assert app.session.trainer("base").batch == 1
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#bias", Input), "2")
        trainer = app.session.trainer("base")
        assert (trainer.epoch, trainer.batch) == (1, 0)
        assert trainer.scenario.training.events == (Event(2, layer=0, unit=0, bias=2.0),)


@sync
async def test_an_invalid_intervention_is_refused_with_the_files_message():
    app = make_app("negative_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#weights", Input), "[1.0]")
        assert app.screen is screen
        assert str(screen.query_one("#intervene-error", Static).render()) == (
            "training.events[0].weights = [1.0]: wrong length or non-numeric entry; expected 2 number(s), one per "
            "input of hidden1")
        await type_into(pilot, screen.query_one("#bias", Input), "big")
        assert "training.events[0].bias = 'big': bad value; expected a finite number" in str(
            screen.query_one("#intervene-error", Static).render())
        await press(pilot, "escape")
        assert app.scenario.training.events == ()


# --------------------------------------------------------------------------- save and reproduce

async def save(pilot, path: Path) -> None:
    await press(pilot, "ctrl+s")
    screen = pilot.app.screen
    assert isinstance(screen, SaveScreen)
    await type_into(pilot, screen.query_one("#path", Input), str(path))


def run_file(path: Path, epochs: int) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(["run", str(path), "--epochs", str(epochs)]) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def without_variant(record: dict) -> dict:
    return {k: v for k, v in json.loads(json.dumps(record)).items() if k != "variant"}


@sync
async def test_edits_and_interventions_saved_rerun_exactly_what_the_app_showed(tmp_path):
    app = make_app("negative_init")
    path = tmp_path / "mine.toml"
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        editor = await open_editor(pilot)
        await press(pilot, "ctrl+n")
        await set_select(pilot, editor, ".activation", "leaky_relu")
        row(editor, 1).query_one(".width", Input).value = "3"
        await apply(pilot, editor)
        assert app.variant == "edited"
        await press(pilot, "f")
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#bias", Input), "1.5")
        await press(pilot, "space", "space", "tab")
        screen = await intervene(pilot)
        screen.query_one("#revive-unit").press()
        await settle(pilot)
        screen = await intervene(pilot)
        await type_into(pilot, screen.query_one("#learning_rate", Input), "0.05")
        await press(pilot, "f", "left", "left", "space")  # a rewind and a replay on the way
        shown = await on_engine(pilot, app, lambda s: [
            s.trainer("edited").record_at(e).to_dict(app.scenario.name, "edited") for e in range(s.trainer("edited").epoch + 1)])
        assert len(shown) - 1 == app.current.epoch
        await save(pilot, path)
        assert any(f"Saved {path}" in n for n in notices(app))
        first, second = path.read_text().splitlines()[:2]
        assert first.startswith("# Saved by relu-tui from ")
        assert first.endswith(f"variant 'edited', at epoch {len(shown) - 1}.")
        assert second.startswith("# The app's edits and interventions are in it")
    assert cli(["check", str(path)]) == 0
    assert [without_variant(r) for r in run_file(path, len(shown) - 1)] == [without_variant(r) for r in shown]
    reopened = make_app(str(path))  # relu-tui FILE: the same run on screen
    async with reopened.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        reopened.submit(lambda s: s.step_epochs(("base",), len(shown) - 1))
        await settle(pilot)
        assert without_variant(reopened.current.record.to_dict(app.scenario.name, "base")) == without_variant(shown[-1])


@sync
async def test_saving_never_replaces_a_file_without_asking(tmp_path):
    path = tmp_path / "there.toml"
    path.write_text("# mine\n")
    app = make_app("negative_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await save(pilot, path)
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        assert path.read_text() == "# mine\n" and isinstance(app.screen, SaveScreen)
        await type_into(pilot, app.screen.query_one("#path", Input), str(path))
        await press(pilot, "y")
        assert load_scenario(path).name == "negative_init"
        await save(pilot, tmp_path / "no-such-dir" / "x.toml")  # a write that fails says so
        assert any("could not write" in n for n in notices(app))


@sync
async def test_the_new_keys_are_in_the_footer_and_the_help():
    app = make_app("negative_init")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        shown = [key.key_display for key in app.screen.query_one(Footer).query(FooterKey)]
        assert {"m", "i", "^s"} <= set(shown) and shown[-1] == "q"
        await press(pilot, "question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "".join(str(s.render()) for s in app.screen.query(Static))
        for line in ("m           Edit the data, layers and training",
                     "i           On the selected unit or its layer", "^s          Save the scenario on screen"):
            assert line in text
