"""Compare: every variant side by side, stepped in lockstep from the same initial weights."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from relu_tui.app.figures import significant
from relu_tui.app.palette import (
    ALERT,
    DEAD_SHARE_COLOR,
    DIM,
    LOSS_COLOR,
    STATE_GLYPH,
    STATE_STYLE,
    TEST_COLOR,
    TRAIN_COLOR,
    sparkline,
)
from relu_tui.app.screens.main import FILE_BINDINGS, HEATMAP_BINDING, HELP, QUIT, TRAINING_BINDINGS
from relu_tui.app.widgets.heatmap import Heatmap
from relu_tui.app.widgets.lines import Layout, TextPanel
from relu_tui.app.widgets.spread import LayerSpreadView
from relu_tui.engine.records import DEAD, STATES

if TYPE_CHECKING:
    from relu_tui.engine.snapshot import Snapshot


COMPACT_TITLES = {"activations": "activations by class", "active": "active share/epoch",
                  "gradient": "log gradient/epoch"}


class CompareHeatmap(Heatmap):
    """A column's heatmap, titled with its mode in a few words."""

    titles = COMPACT_TITLES
    regression_title = "activations by target"


def curves_text(snap: Snapshot, width: int) -> Text:
    """Loss, accuracy (a regression: test loss) and dead share per epoch as one-line sparklines
    (0 to 1; the losses to their largest value)."""
    text = Text()
    if snap.classifies:
        series = (("loss", snap.loss, None, LOSS_COLOR), ("acc ", snap.accuracy, 1.0, TRAIN_COLOR),
                  ("test", snap.test_accuracy, 1.0, TEST_COLOR))
    else:  # both losses on one scale, so they compare
        losses = np.concatenate([snap.loss, snap.test_loss])
        top = float(np.nanmax(np.where(np.isfinite(losses), losses, np.nan))) if np.isfinite(losses).any() else None
        series = (("loss", snap.loss, top, LOSS_COLOR), ("test", snap.test_loss, top, TEST_COLOR))
    for label, values, top, color in (*series, ("dead", snap.dead_fraction, 1.0, DEAD_SHARE_COLOR)):
        text.append(f"{label} ", DIM)
        text.append(sparkline(values, max(width - 5, 1), top) + "\n", Style(color=color))
    return text


Piece = tuple[str, Style]  # a run of text and its style


def flow(items: list[Piece], width: int, gap: str = "  ") -> list[list[Piece]]:
    """Items laid out in lines of at most ``width`` cells, broken only between items, so no number
    is ever cut (an item wider than a line gets a line of its own)."""
    lines: list[list[Piece]] = [[]]
    used = 0
    for item in items:
        size = cell_len(item[0])
        if lines[-1] and used + len(gap) + size > width:
            lines.append([])
            used = 0
        if lines[-1]:
            lines[-1].append((gap, Style()))
            used += len(gap)
        lines[-1].append(item)
        used += size
    return lines


def column_text(snap: Snapshot, width: int) -> Text:
    """A column's head: the variant, its summary (cut to a line), then every number, flowed into as
    many lines of ``width`` as it takes: loss, accuracy (a regression: test loss), units by state."""
    rec = snap.record
    text = Text(snap.scenario.variant, style=Style(bold=True))
    if rec.diverged:
        text.append("  DIVERGED", ALERT)
    text.append(f"\n{snap.scenario.summary or snap.scenario.title}\n", DIM)
    plain = Style()
    metrics = [(f"epoch {rec.epoch}", plain), (f"loss {_loss(rec.loss, rec.diverged)}", plain)]
    if snap.classifies:
        metrics.append((f"acc {_pct(rec.accuracy)}", plain))
        if rec.test_accuracy is not None:
            metrics.append((f"test {_pct(rec.test_accuracy)}", plain))
    elif rec.test_loss is not None:
        metrics.append((f"test loss {_loss(rec.test_loss, rec.diverged)}", plain))
    counts = rec.counts()
    dead = f"{STATE_GLYPH[DEAD]}{counts['dead']}/{rec.n_units}"
    others = [(code, name) for code, name in enumerate(STATES) if code != DEAD]
    states = flow([(dead + " dead", STATE_STYLE[DEAD])]
                  + [(f"{STATE_GLYPH[code]}{counts[name]} {name}", STATE_STYLE[code]) for code, name in others], width)
    if len(states) > 1:  # no room for the words: the glyphs alone, as in the status line
        states = flow([(dead, STATE_STYLE[DEAD])]
                      + [(f"{STATE_GLYPH[code]}{counts[name]}", STATE_STYLE[code]) for code, name in others], width, " ")
    for line in [*flow(metrics, width), *states]:
        for piece, style in line:
            text.append(piece, style)
        text.append("\n")
    text.rstrip()
    return text


def _loss(value: float, diverged: bool) -> str:
    if diverged or not math.isfinite(value):
        return "nan/inf"
    return significant(value) if abs(value) < 1e4 else f"{value:.3e}"


def _pct(value: float | None) -> str:
    """A share as a percentage; a perfect 1 as "100%", which is all it needs."""
    if value is None or not math.isfinite(value):
        return "–"
    return "100%" if value == 1 else f"{100 * value:.1f}%"


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
        self._shown: tuple[dict[str, Snapshot], Layout] | None = None

    def on_resize(self) -> None:
        """The column texts are laid out for the columns' widths: lay them out again, once the
        columns have their new size."""
        if self._shown is not None:
            self.call_after_refresh(self.show, *self._shown)

    def compose(self) -> ComposeResult:
        yield TextPanel(id="compare-status", wrap=False)
        with Horizontal(id="compare-columns"):
            for name in self.names:
                with Vertical(classes="compare-column", id=f"col-{name}"):
                    yield Static(classes="compare-text")
                    heatmap = CompareHeatmap(classes="compare-heatmap")
                    heatmap.mode = self.heatmap_mode
                    yield heatmap
                    yield LayerSpreadView(classes="compare-spread")
                    yield Static(classes="compare-curves")
        yield Footer()

    def show(self, snapshots: dict[str, Snapshot], status: Layout) -> None:
        self._shown = (snapshots, status)
        self.query_one("#compare-status", TextPanel).update(status)
        heads = {}
        for name, snap in snapshots.items():
            head = self.query_one(f"#col-{name}").query_one(".compare-text", Static)
            heads[name] = (head, column_text(snap, head.content_region.width or self.size.width // len(self.names) - 2))
        height = max((len(text.split()) for _, text in heads.values()), default=1)
        for name, snap in snapshots.items():
            column = self.query_one(f"#col-{name}")
            head, text = heads[name]
            head.styles.height = height  # the same in every column, so the heatmaps line up
            head.update(text)
            column.query_one(Heatmap).show(snap, (-1, -1))
            spread = column.query_one(LayerSpreadView)
            spread.styles.height = min(len(snap.spreads) + 1, 9)
            spread.show(snap)
            curves = column.query_one(".compare-curves", Static)
            curves.update(curves_text(snap, curves.content_region.width))
