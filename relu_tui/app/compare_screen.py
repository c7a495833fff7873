"""Compare: every variant side by side, stepped in lockstep from the same initial weights."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..records import STATES
from .figures import significant
from .heatmap import Heatmap
from .lines import Layout, TextPanel
from .main_screen import FILE_BINDINGS, HEATMAP_BINDING, HELP, QUIT, TRAINING_BINDINGS
from .palette import DIM, STATE_GLYPH, STATE_STYLE, sparkline
from .spread import LayerSpreadView

if TYPE_CHECKING:
    from ..snapshot import Snapshot


def curves_text(snap: Snapshot, width: int) -> Text:
    """Loss, accuracy and dead share per epoch as one-line sparklines (0 to 1, loss to its max)."""
    text = Text()
    series = (("loss", snap.loss, None, "#ffffff"), ("acc ", snap.accuracy, 1.0, "#5fd75f"),
              ("test", snap.test_accuracy, 1.0, "#5fd7d7"), ("dead", snap.dead_fraction, 1.0, "#ff5f87"))
    for label, values, top, color in series:
        text.append(f"{label} ", DIM)
        text.append(sparkline(values, max(width - 5, 1), top) + "\n", Style(color=color))
    return text


def column_text(snap: Snapshot) -> Text:
    rec = snap.record
    text = Text(snap.scenario.variant, style=Style(bold=True))
    if rec.diverged:
        text.append("  DIVERGED", Style(color="#ffffff", bgcolor="#b3261e", bold=True))
    text.append(f"\n{snap.scenario.summary or snap.scenario.title}\n", DIM)
    acc = "–" if rec.accuracy is None else f"{100 * rec.accuracy:.1f}%"
    loss = "nan/inf" if rec.diverged else significant(rec.loss)
    text.append(f"epoch {rec.epoch}  loss {loss}  acc {acc}\n")
    counts = rec.counts()
    for code, name in enumerate(STATES):
        text.append(f"{STATE_GLYPH[code]}{counts[name]} {name}  ", STATE_STYLE[code])
    return text


class CompareScreen(Screen[None]):
    """Training keys step every variant together; the selection keys have nothing to select here."""

    BINDINGS = [
        *TRAINING_BINDINGS,
        HEATMAP_BINDING,
        Binding("escape,c", "app.close_compare", "Close compare", key_display="c", id="compare"),
        *FILE_BINDINGS,
        HELP,
        QUIT,
    ]

    def __init__(self, names: tuple[str, ...], heatmap_mode: str) -> None:
        super().__init__()
        self.names = names
        self.heatmap_mode = heatmap_mode

    def compose(self) -> ComposeResult:
        yield TextPanel(id="compare-status", wrap=False)
        with Horizontal(id="compare-columns"):
            for name in self.names:
                with Vertical(classes="compare-column", id=f"col-{name}"):
                    yield Static(classes="compare-text")
                    heatmap = Heatmap(classes="compare-heatmap")
                    heatmap.mode = self.heatmap_mode
                    yield heatmap
                    yield LayerSpreadView(classes="compare-spread")
                    yield Static(classes="compare-curves")
        yield Footer()

    def show(self, snapshots: dict[str, Snapshot], status: Layout) -> None:
        self.query_one("#compare-status", TextPanel).update(status)
        for name, snap in snapshots.items():
            column = self.query_one(f"#col-{name}")
            column.query_one(".compare-text", Static).update(column_text(snap))
            column.query_one(Heatmap).show(snap, (-1, -1))
            spread = column.query_one(LayerSpreadView)
            spread.styles.height = min(len(snap.spreads) + 1, 9)
            spread.show(snap)
            curves = column.query_one(".compare-curves", Static)
            curves.update(curves_text(snap, curves.content_region.width))
