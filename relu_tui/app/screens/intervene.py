"""Intervene on the selected unit or its layer: each choice becomes an event at the next epoch.

The form offers the unit's bias and incoming weights (typed values), its layer's activation, the
learning rate from then on and a revival of dead and dormant units. Every value goes through the scenario parser
(as the event's table in a file would), so a mistake is refused here with the file's message.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from relu_tui.engine.records import STATES
from relu_tui.errors import ScenarioError
from relu_tui.spec.activations import REGISTRY, scenario_kinds
from relu_tui.spec.edit import BLANK, field_value, short_message, with_event
from relu_tui.spec.write import value_text

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot
    from relu_tui.spec.scenario import Scenario

Intervention = dict[str, Any]  # an event's table without its epoch
MAX_SHOWN = 16  # incoming weights written out in their field; a wider unit's field starts empty


def swappable() -> list[str]:
    """The activations a swap may choose (none that learns parameters of its own)."""
    return [kind for kind in scenario_kinds() if not REGISTRY[kind].learnable]


def parameter_of(kind: str) -> str | None:
    """The one parameter a scenario activation takes, if any."""
    return next(iter(REGISTRY[kind].params), None)


class InterveneScreen(ModalScreen[Intervention | None]):
    """Dismisses with the event to add (its table, without the epoch), or None."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", key_display="esc", id="cancel")]

    def __init__(self, scenario: Scenario, snap: Snapshot, selected: tuple[int, int]) -> None:
        super().__init__()
        self.scenario, self.snap = scenario, snap
        self.layer_index, self.unit = selected
        self.epoch = snap.epoch + 1

    def compose(self) -> ComposeResult:
        layer = self.snap.record.layers[self.layer_index]
        name = f"{layer.name}[{self.unit}]"
        state = STATES[layer.state[self.unit]]
        weights = [float(w) for w in self.snap.weights[self.layer_index][self.unit]]
        kind = self.snap.scenario.activations_at(self.snap.epoch)[self.layer_index].kind
        with Vertical(id="intervene"):
            title = Text(f"Intervene on {name}", style="bold")
            title.append(f" · {state} · epoch {self.snap.epoch}: acts before the update of epoch {self.epoch}",
                         style="dim")
            yield Static(title, id="intervene-title")
            with Horizontal(classes="form-row"):
                yield Label("bias", classes="form-label")
                yield Input(f"{float(self.snap.biases[self.layer_index][self.unit]):.6g}", id="bias", compact=True)
                yield Label(f"⏎ sets {name}'s bias", classes="form-hint")
            with Horizontal(classes="form-row"):
                yield Label("weights", classes="form-label")
                shown = value_text([float(f"{w:.6g}") for w in weights]) if len(weights) <= MAX_SHOWN else ""
                yield Input(shown, placeholder=f"{len(weights)} numbers, one per input", id="weights", compact=True)
                yield Label(f"⏎ sets its {len(weights)} incoming weight(s)", classes="form-hint")
            with Horizontal(classes="form-row"):
                yield Label("activation", classes="form-label")
                options = swappable()
                yield Select([(k, k) for k in options], value=kind if kind in options else options[0],
                             allow_blank=False, id="activation", compact=True)
                yield Input(self._parameter_default(kind), placeholder="parameter", id="parameter", compact=True)
                yield Button(f"Swap {layer.name}'s", id="swap", compact=True)
            with Horizontal(classes="form-row"):
                yield Label("rate", classes="form-label")
                yield Input(f"{self.snap.record.learning_rate:g}", id="learning_rate", compact=True)
                yield Label(f"⏎ the learning rate from epoch {self.epoch} on", classes="form-hint")
            with Horizontal(classes="form-row"):
                yield Label("revive", classes="form-label")
                yield Button("this unit", id="revive-unit", compact=True)
                yield Button(f"dead or dormant in {layer.name}", id="revive-layer", compact=True)
                yield Button("every dead or dormant", id="revive-all", compact=True)
            yield Static("", id="intervene-error", classes="form-error")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#bias", Input).focus()
        self._show_parameter(self.query_one("#activation", Select).value)

    def _parameter_default(self, kind: str) -> str:
        name = parameter_of(kind)
        if name is None:
            return ""
        current = self.snap.scenario.activations_at(self.snap.epoch)[self.layer_index]
        value = current.params[name] if current.kind == kind else REGISTRY[kind].params[name][1]
        return f"{value:g}"

    def _show_parameter(self, kind: str) -> None:
        box = self.query_one("#parameter", Input)
        name = parameter_of(kind)
        box.display = name is not None
        box.placeholder = name or ""

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_parameter(event.value)
        self.query_one("#parameter", Input).value = self._parameter_default(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        here = {"layer": self.layer_index, "unit": self.unit}
        if event.input.id == "bias":
            self._offer({**here, "bias": field_value(event.value)})
        elif event.input.id == "weights":
            text = event.value.strip()
            self._offer({**here, "weights": field_value(text if text.startswith("[") else f"[{text}]")})
        elif event.input.id == "learning_rate":
            self._offer({"learning_rate": field_value(event.value)})
        else:
            self._swap()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "swap":
            self._swap()
        elif event.button.id == "revive-unit":
            self._offer({"layer": self.layer_index, "unit": self.unit, "revive": True})
        elif event.button.id == "revive-layer":
            self._offer({"layer": self.layer_index, "revive": True})
        elif event.button.id == "revive-all":
            self._offer({"revive": True})

    def _swap(self) -> None:
        kind = self.query_one("#activation", Select).value
        event: Intervention = {"layer": self.layer_index, "activation": kind}
        name = parameter_of(kind)
        if name is not None:
            event[name] = field_value(self.query_one("#parameter", Input).value)
        self._offer(event)

    def _offer(self, event: Intervention) -> None:
        """Dismiss with ``event`` if the parser takes it, else say why (and keep the form open)."""
        event = {k: v for k, v in event.items() if v is not BLANK}
        try:
            with_event(self.scenario, {"epoch": self.epoch, **event})
        except ScenarioError as exc:
            self.query_one("#intervene-error", Static).update(Text(short_message(exc), style="bold red"))
            return
        self.dismiss(event)
