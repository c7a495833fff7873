"""The help screen: every key (read from the bindings themselves), the colour legend, the scenario."""

from __future__ import annotations

import re

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from relu_tui.app.palette import (
    DIM,
    NEGATIVE_RAMP,
    NEGATIVE_WEIGHT,
    POSITIVE_RAMP,
    POSITIVE_WEIGHT,
    SHADES,
    STATE_GLYPH,
    STATE_STYLE,
    ZERO_GLYPH,
    ZERO_STYLE,
    class_color,
    class_glyph,
)
from relu_tui.engine.records import STATES
from relu_tui.spec.scenario import Scenario

STATE_MEANING = {
    "dead": "pre-activation <= 0 on every training input and a zero slope there: it gets no gradient, ever",
    "negative": "below 0 on every input, but its activation still passes gradient (leaky, ELU, ...): it can learn",
    "sparse": "alive, active on fewer inputs than the sparse threshold: silent on most, still learning",
    "active": "active on a good share of the inputs",
}


def legend() -> Text:
    text = Text()
    for code, name in enumerate(STATES):
        text.append(f"  {STATE_GLYPH[code]} {name:<9}", STATE_STYLE[code])
        text.append(f"{STATE_MEANING[name]}\n")
    text.append("\n  heat  ")
    text.append(ZERO_GLYPH, ZERO_STYLE)
    text.append(" exactly 0   ")
    for k, color in enumerate(POSITIVE_RAMP):
        text.append(SHADES[k], Style(color=color))
    text.append(" small → large positive   ")
    for k, color in enumerate(NEGATIVE_RAMP):
        text.append(SHADES[k], Style(color=color))
    text.append(" small → large negative\n")
    text.append("  plane: background = the selected unit's activation, · the network's decision boundary, "
                "training points by class: ", DIM)
    for k in range(4):
        text.append(f"{class_glyph(k)} {k}  ", Style(color=class_color(k), bold=True))
    text.append("…\n  weights  ")
    text.append("+0.42", POSITIVE_WEIGHT)
    text.append(" positive   ")
    text.append("−0.42", NEGATIVE_WEIGHT)
    text.append(" negative\n")
    return text


def reflow(text: str) -> str:
    """Prose written with hard line breaks (a TOML multi-line string) as paragraphs the screen wraps
    itself; a blank line still separates paragraphs."""
    return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", text.strip()))


def keys_text(bindings: list[Binding]) -> Text:
    text = Text()
    for binding in bindings:
        if not binding.description:
            continue
        key = binding.key_display or binding.key
        text.append(f"  {key:<12}", Style(bold=True))
        text.append(f"{binding.tooltip or binding.description}\n")
    return text


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close", key_display="esc")]

    def __init__(self, bindings: list[Binding], scenario: Scenario | None) -> None:
        super().__init__()
        self._keys = bindings
        self._scenario = scenario

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(Text("Keys", style="bold"))
            yield Static(keys_text(self._keys))
            yield Static(Text("Colours and glyphs", style="bold"))
            yield Static(legend())
            if self._scenario is not None:
                sc = self._scenario
                about = Text(f"{sc.title}\n", style="bold")
                about.append(reflow(sc.description) + "\n")
                for name, variant in sc.variants.items():
                    about.append(f"\n  {name}: ", Style(bold=True))
                    about.append(variant.summary or "")
                yield Static(about)
            yield Static(Text("esc closes this screen", style=DIM))
        yield Footer(compact=True)
