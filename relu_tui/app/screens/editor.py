"""The editor: a form over the scenario on screen (data, layers, training, diagnosis), Playground-style.

The form edits the scenario's document (:func:`~relu_tui.spec.write.scenario_doc`) and hands it to the
parser: a value the file would refuse is refused here with the file's message, next to its field, and
what is accepted is a scenario a saved file reproduces. Applying dismisses with it; the app adds it
as the variant ``edited``, from the same seed.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, Static

from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import REGISTRY, scenario_kinds
from relu_tui.spec.edit import BLANK, changes, field_text, field_value, reread, short_message
from relu_tui.spec.features import FEATURES
from relu_tui.spec.generators import GENERATORS
from relu_tui.spec.scenario import OPTIMIZERS, TRANSFORMS, Scenario
from relu_tui.spec.write import Doc, scenario_doc

_DEFAULT_NAME = re.compile(r"hidden\d+")


def _put(table: Doc, key: str, value: Any) -> None:
    """Set ``key`` (an empty field leaves it out, so the parser's default or its 'missing key' applies)."""
    if value is BLANK:
        table.pop(key, None)
    else:
        table[key] = value


def _field(value: Any) -> str:
    return "" if value is None else field_text(value)


class LayerRow(Horizontal):
    """One hidden layer's fields: width, activation and its parameter, weight and bias init."""

    def __init__(self, layer: Doc) -> None:
        super().__init__(classes="form-row layer-row")
        self.table = layer  # the layer's table as the scenario wrote it (a new row: a copy of its neighbour's)
        self.kind = layer.get("activation", "relu")

    def compose(self) -> ComposeResult:
        layer = self.table
        kind = layer.get("activation", "relu")
        param = next(iter(REGISTRY[kind].params), None)
        yield Label("", classes="form-label layer-name")
        yield Input(_field(layer.get("width")), classes="width", compact=True, tooltip="width: units in the layer")
        yield Select([(k, k) for k in scenario_kinds()], value=kind, allow_blank=False, classes="activation",
                     compact=True)
        yield Input(_field(layer.get(param)) if param else "", placeholder=param or "", classes="parameter",
                    compact=True, tooltip="the activation's parameter")
        weight = layer.get("weights", layer.get("weight_init"))
        bias = layer.get("bias", layer.get("bias_init"))
        yield Input(_field(weight), placeholder="default", classes="weight", compact=True,
                    tooltip="weight_init (he_normal, { kind = \"uniform\", low = -1, high = 1 }, …) or [[weights]]")
        yield Input(_field(bias), placeholder="default", classes="bias", compact=True,
                    tooltip="bias_init (0.0, default, …) or [bias values]")
        yield Button("−", classes="remove", compact=True, tooltip="remove this layer")

    def on_mount(self) -> None:
        self._show_parameter(self.query_one(".activation", Select).value)

    def _show_parameter(self, kind: str) -> None:
        box = self.query_one(".parameter", Input)
        param = next(iter(REGISTRY[kind].params), None)
        box.disabled = param is None
        box.placeholder = param or "–"
        if param is None:
            box.value = ""
        elif not box.value:
            box.value = f"{REGISTRY[kind].params[param][1]:g}"

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.value != self.kind:  # another activation: its parameter's default
            self.kind = event.value
            self.query_one(".parameter", Input).value = ""
            self._show_parameter(event.value)

    def doc(self) -> Doc:
        """The layer's table from the fields (a name the scenario chose is kept, a numbered one is not)."""
        layer: Doc = {}
        name = self.table.get("name")
        if name is not None and not _DEFAULT_NAME.fullmatch(name):
            layer["name"] = name
        _put(layer, "width", field_value(self.query_one(".width", Input).value))
        kind = self.query_one(".activation", Select).value
        layer["activation"] = kind
        param = next(iter(REGISTRY[kind].params), None)
        if param is not None:
            _put(layer, param, field_value(self.query_one(".parameter", Input).value))
        for field, explicit, spec in ((".weight", "weights", "weight_init"), (".bias", "bias", "bias_init")):
            value = field_value(self.query_one(field, Input).value)
            _put(layer, explicit if isinstance(value, list) else spec, value)
        return layer


class EditorScreen(ModalScreen[Scenario | None]):
    """Dismisses with the edited scenario, or None."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", key_display="esc", id="cancel"),
        Binding("ctrl+n", "add_layer", "Add layer", key_display="^n", id="add-layer"),
        Binding("ctrl+r", "remove_layer", "Remove layer", key_display="^r", id="remove-layer"),
        Binding("enter", "apply", "Apply", key_display="⏎", id="apply"),  # an input's own ⏎ applies too
    ]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__()
        self.scenario = scenario
        self.original = scenario_doc(scenario)
        self.generator = self.original["data"].get("generator")

    # -- the form --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        data, training = self.original["data"], self.original["training"]
        with Vertical(id="editor"):
            title = Text(f"Edit {self.scenario.name} ({self.scenario.variant})", style="bold")
            title.append(" · ⏎ applies: a variant 'edited' from the same seed · esc cancels", style="dim")
            yield Static(title, id="editor-title")
            with VerticalScroll(id="editor-form"):
                yield Static(Text("Data", style="bold"), classes="form-section")
                if "csv" in data:
                    yield Static(Text(f"csv {data['csv']}", style="dim"), classes="form-row")
                else:
                    with Horizontal(classes="form-row"):
                        yield Label("generator", classes="form-label")
                        yield Select([(g, g) for g in GENERATORS], value=data["generator"], allow_blank=False,
                                     id="generator", compact=True)
                        yield Label("samples", classes="form-label-short")
                        yield Input(_field(data["n_samples"]), id="n_samples", compact=True)
                        yield Label("noise", classes="form-label-short")
                        yield Input(_field(data["noise"]), id="noise", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label("test share", classes="form-label")
                    yield Input(_field(data["test_fraction"]), id="test_fraction", compact=True)
                    yield Label("transform", classes="form-label-short")
                    yield Select([(t, t) for t in TRANSFORMS], value=data["transform"], allow_blank=False,
                                 id="transform", compact=True)
                    yield Input(_field(data.get("shift")), placeholder="shift", id="shift", compact=True)
                with Horizontal(classes="form-row", id="features"):
                    yield Label("features", classes="form-label")
                    for name, feature in FEATURES.items():
                        yield Checkbox(feature.label, name in data.get("features", ()), name=name, compact=True)
                yield Static(Text("Network  (width · activation · its parameter · weight init · bias init)",
                                  style="bold"), classes="form-section")
                with Vertical(id="layers"):
                    for layer in self.original["model"]["layers"]:
                        yield LayerRow(copy.deepcopy(layer))
                yield Button("+ layer", id="add", compact=True)
                yield Static(Text("Training", style="bold"), classes="form-section")
                with Horizontal(classes="form-row"):
                    yield Label("optimizer", classes="form-label")
                    yield Select([(o, o) for o in OPTIMIZERS], value=training["optimizer"], allow_blank=False,
                                 id="optimizer", compact=True)
                    yield Label("rate", classes="form-label-short")
                    yield Input(_field(training["learning_rate"]), id="learning_rate", compact=True)
                    yield Label("batch", classes="form-label-short")
                    yield Input(_field(training["batch_size"]), id="batch_size", compact=True)
                with Horizontal(classes="form-row"):
                    yield Label("L2 decay", classes="form-label")
                    yield Input(_field(training["weight_decay"]), id="weight_decay", compact=True)
                    yield Label("L1", classes="form-label-short")
                    yield Input(_field(training.get("l1", 0.0)), id="l1", compact=True)
                    yield Label("epochs", classes="form-label-short")
                    yield Input(_field(training["epochs"]), id="epochs", compact=True)
                events = training.get("events", [])
                if events:
                    with Horizontal(classes="form-row"):
                        yield Label("events", classes="form-label")
                        yield Checkbox(f"keep the {len(events)} event(s)", True, id="keep_events", compact=True)
                yield Static(Text("Diagnosis", style="bold"), classes="form-section")
                with Horizontal(classes="form-row"):
                    yield Label("threshold", classes="form-label")
                    yield Input(_field(self.original["diagnosis"]["sparse_threshold"]), id="sparse_threshold",
                                compact=True)
            yield Static("", id="editor-error", classes="form-error")
            with Horizontal(id="editor-buttons"):
                yield Button("Apply", id="apply", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._number_layers()
        self.query_one("#editor-form").query(Input).first().focus()

    def _rows(self) -> list[LayerRow]:
        return list(self.query(LayerRow))

    def _number_layers(self) -> None:
        for index, row in enumerate(self._rows()):
            name = row.table.get("name")
            shown = name if name is not None and not _DEFAULT_NAME.fullmatch(name) else f"hidden{index + 1}"
            row.query_one(".layer-name", Label).update(shown[:12])

    # -- events ----------------------------------------------------------------------------------
    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "generator" and event.value != self.generator:  # each has its own usual noise
            self.generator = event.value
            self.query_one("#noise", Input).value = _field(GENERATORS[event.value].noise)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "apply":
            self.action_apply()
        elif event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "add":
            self.action_add_layer()
        elif event.button.has_class("remove"):
            self._remove(next(row for row in self._rows() if event.button in row.children))

    def action_add_layer(self) -> None:
        """A new layer at the end, a copy of the last one's fields (under its own numbered name)."""
        last = self._rows()[-1].doc()
        last.pop("name", None)
        row = LayerRow(last)
        self.query_one("#layers").mount(row)
        self.call_after_refresh(self._number_layers)
        self.call_after_refresh(lambda: row.query_one(".width", Input).focus())

    def action_remove_layer(self) -> None:
        rows = self._rows()
        focused = next((row for row in rows if self.focused is not None and self.focused in row.walk_children()),
                       rows[-1])
        self._remove(focused)

    def _remove(self, row: LayerRow) -> None:
        if len(self._rows()) == 1:
            self._say("a network needs at least one hidden layer")
            return
        row.remove()
        self.call_after_refresh(self._number_layers)

    # -- applying --------------------------------------------------------------------------------
    def action_apply(self) -> None:
        doc = self.doc()
        try:
            edited = reread(doc, self.scenario)
        except ScenarioError as exc:
            self._say(short_message(exc), self._field_of(exc.key or ""))
            return
        what = changes(self.original, scenario_doc(edited))  # as read: a default written out is no change
        summary = "Edited: " + ("; ".join(what) if what else "as it was")
        self.dismiss(replace(edited, summary=summary[:300]))

    def doc(self) -> Doc:
        """The scenario's document with the form's values."""
        doc = copy.deepcopy(self.original)
        data = doc["data"]
        if "csv" not in data:
            generator = self.query_one("#generator", Select).value
            if generator != data["generator"]:  # the old generator's parameters mean nothing to the new one
                data = doc["data"] = {"generator": generator, **{k: v for k, v in data.items() if k in (
                    "test_fraction", "transform", "shift", "features")}}
            _put(data, "n_samples", self._value("#n_samples"))
            _put(data, "noise", self._value("#noise"))
        _put(data, "test_fraction", self._value("#test_fraction"))
        data["transform"] = self.query_one("#transform", Select).value
        _put(data, "shift", self._value("#shift") if data["transform"] == "shift" else BLANK)
        chosen = [box.name for box in self.query_one("#features").query(Checkbox) if box.value]
        _put(data, "features", chosen or BLANK)
        doc["model"]["layers"] = [row.doc() for row in self._rows()]
        training = doc["training"]
        optimizer = self.query_one("#optimizer", Select).value
        if optimizer != training["optimizer"]:
            training.pop("momentum", None)  # the new optimizer's own default momentum
        training["optimizer"] = optimizer
        for key in ("learning_rate", "batch_size", "weight_decay", "l1", "epochs"):
            _put(training, key, self._value(f"#{key}"))
        if self.query("#keep_events") and not self.query_one("#keep_events", Checkbox).value:
            training.pop("events", None)
        _put(doc["diagnosis"], "sparse_threshold", self._value("#sparse_threshold"))
        return doc

    def _value(self, selector: str) -> Any:
        return field_value(self.query_one(selector, Input).value)

    def _field_of(self, key: str) -> Widget | None:
        """The field that holds the value at dotted ``key`` (the parser's error names it)."""
        layer = re.match(r"model\.layers\[(\d+)\]\.?(\w*)", key)
        if layer:
            rows = self._rows()
            row = rows[min(int(layer.group(1)), len(rows) - 1)]
            part = {"weights": "weight", "weight_init": "weight", "bias": "bias", "bias_init": "bias",
                    "activation": "activation"}.get(layer.group(2), "width")
            if layer.group(2) in REGISTRY[row.query_one(".activation", Select).value].params:
                part = "parameter"
            return row.query_one(f".{part}")
        top = re.match(r"(?:data|training|diagnosis)\.(\w+)", key)
        if top is None:
            return None
        name = top.group(1)
        if name == "events":
            name = "keep_events"
        found = self.query(f"#{name}")
        return found.first() if found else None

    def _say(self, message: str, field: Widget | None = None) -> None:
        self.query_one("#editor-error", Static).update(Text(message, style="bold red"))
        for widget in self.query(".-invalid"):
            widget.remove_class("-invalid")
        if field is not None:
            field.add_class("-invalid")
            field.focus()
