"""Pick a bundled scenario: its title and description, Enter to open it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..bundled import bundled
from ..errors import ScenarioError
from ..scenario import Scenario, load_scenario


class PickerScreen(Screen[Scenario | None]):
    """Dismisses with the chosen scenario, or None (escape)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Back"), Binding("q", "app.quit", "Quit")]

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
            prompt.append(f"  ({scenario.name}; variants: {', '.join(scenario.variant_names)})\n", style="dim")
            prompt.append(" ".join(scenario.description.split()))
            options.append(Option(prompt, id=scenario.name))
        yield OptionList(*options, id="picker")
        yield Footer()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chosen = next(s for s in self._scenarios if s.name == event.option.id)
        self.dismiss(chosen)
