"""Pick a bundled scenario: a line per title, the highlighted one's story below, Enter to open it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from relu_tui.app.screens.main import QUIT, TRAINING_BINDINGS
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.errors import ScenarioError
from relu_tui.spec.bundled import bundled
from relu_tui.spec.scenario import Scenario, load_scenario

# the training keys do nothing here but say so (they would otherwise be silently ignored)
_NOT_YET = [Binding(key, "not_yet", "", show=False) for b in TRAINING_BINDINGS for key in b.key.split(",")]


class PickerScreen(Screen[Scenario | None]):
    """Dismisses with the chosen scenario, or None (escape)."""

    BINDINGS = [
        Binding("enter", "open", "Open", key_display="⏎", priority=True, tooltip="Open the highlighted scenario",
                id="pick"),
        Binding("escape", "dismiss(None)", "Back", key_display="esc", id="back"),
        QUIT,
        *_NOT_YET,
    ]

    def __init__(self, current: str | None = None) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        yield Static(Text("relu-tui · choose a scenario (↑↓, Enter)", style="bold"), id="picker-title")
        self._scenarios: list[Scenario] = []
        options = []
        for path in bundled():
            try:
                scenario = load_scenario(path)
            except ScenarioError as exc:  # a broken bundled file is shown, not fatal
                options.append(Option(Text(str(exc), style="red"), disabled=True))
                continue
            self._scenarios.append(scenario)
            prompt = Text(scenario.title, style="bold")
            prompt.append(f"  {scenario.name} · {len(scenario.variant_names)} variant(s)", style="dim")
            options.append(Option(prompt, id=scenario.name))
        yield OptionList(*options, id="picker")
        yield TextPanel(id="picker-about")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        picker = self.query_one(OptionList)
        names = [s.name for s in self._scenarios]
        if self.current in names:
            picker.highlighted = picker.get_option_index(self.current)
        elif picker.highlighted is None and names:
            picker.highlighted = picker.get_option_index(names[0])
        picker.focus()

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        scenario = self._by_name(event.option.id)
        if scenario is None:
            return
        about = Text(scenario.title, style="bold")
        about.append(f"\n{scenario.name} · variants: {', '.join(scenario.variant_names)}\n\n", style="dim")
        about.append(" ".join(scenario.description.split()))
        self.query_one("#picker-about", TextPanel).update(about)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._by_name(event.option.id))  # a click

    def action_open(self) -> None:
        picker = self.query_one(OptionList)
        if picker.highlighted is not None:
            self.dismiss(self._by_name(picker.get_option_at_index(picker.highlighted).id))

    def action_not_yet(self) -> None:
        self.notify("Choose a scenario first: ↑↓ to highlight one, Enter to open it.", severity="warning", timeout=4)

    def _by_name(self, name: str | None) -> Scenario | None:
        return next((s for s in self._scenarios if s.name == name), None)
