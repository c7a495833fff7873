"""Text panels: the status line, the network diagram and the inspector of the selected unit.

Each is a pure function from a snapshot to Rich ``Text``; the app shows them in Static widgets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import math

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from ..explanations import explain
from ..records import ALIVE, STATES
from .palette import (DIM, INPUT_GLYPH, NEGATIVE_WEIGHT, OUTPUT_GLYPH, POSITIVE_WEIGHT, STATE_GLYPH, STATE_STYLE)

if TYPE_CHECKING:
    from ..scenario import Scenario
    from ..snapshot import Snapshot

_BOLD = Style(bold=True)
_PLAIN = Style()
_ALERT = Style(color="#ffffff", bgcolor="#b3261e", bold=True)


def _pct(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.1f}%"


def status_text(snap: Snapshot, *, playing: bool, speed: str, position: tuple[int, int], busy: str = "",
                width: int = 120) -> Text:
    """Title, variant, epoch, loss, accuracies, unit counts, learning rate, play state, divergence.

    When the numbers would not fit in ``width`` cells, the unit counts are glyphs without words."""
    rec, sc = snap.record, snap.scenario
    text = _title_line(sc, position)
    text.append_text(_numbers_line(snap, playing, speed, busy, compact=False))
    if text.split("\n")[1].cell_len > width:
        text = _title_line(sc, position)
        text.append_text(_numbers_line(snap, playing, speed, busy, compact=True))
    text.append("\n")
    if rec.diverged:
        text.append(f" DIVERGED at epoch {rec.epoch}: the loss or the weights are no longer finite numbers. "
                    "Press ← to rewind or r to reset. ", _ALERT)
    else:
        text.append(sc.summary or first_sentence(sc.description), DIM)
    return text


def _numbers_line(snap: Snapshot, playing: bool, speed: str, busy: str, compact: bool) -> Text:
    rec = snap.record
    text = Text()
    epoch = f"epoch {rec.epoch}" + (f" + {rec.batch} batch(es)" if rec.batch else "")
    text.append(epoch, _BOLD)
    loss = "nan/inf" if rec.diverged else f"{rec.loss:.4f}"
    if compact:
        text.append(f"  loss {loss}  acc {_pct(rec.accuracy)}/{_pct(rec.test_accuracy)}  ")
    else:
        text.append(f"   loss {loss}  train {_pct(rec.accuracy)}  test {_pct(rec.test_accuracy)}  ")
    counts = rec.counts()
    for code, name in enumerate(STATES):
        label = f"{STATE_GLYPH[code]}{counts[name]} " if compact else f"{STATE_GLYPH[code]} {counts[name]} {name}  "
        text.append(label, STATE_STYLE[code])
    text.append(f"lr {rec.learning_rate:g}  ")
    text.append(f"▶ playing {speed}" if playing else "■ paused", Style(color="#46c46a" if playing else "#8a8a8a"))
    if busy:
        text.append(f"  {busy}", Style(color="#f0b429"))
    return text


def _title_line(sc: Scenario, position: tuple[int, int]) -> Text:
    index, total = position
    text = Text()
    text.append(sc.title, _BOLD)
    text.append(f"   variant {sc.variant} ({index}/{total})   seed {sc.seed}\n", DIM)
    return text


def preview_status(sc: Scenario, position: tuple[int, int]) -> Text:
    """The status line while PyTorch loads: the scenario is known, the network not built yet."""
    text = _title_line(sc, position)
    text.append("epoch 0", _BOLD)
    text.append("   loading PyTorch and building the network…\n", Style(color="#f0b429"))
    text.append(sc.summary or first_sentence(sc.description), DIM)
    return text


def outline_text(sc: Scenario) -> Text:
    """The network as the scenario describes it, layer by layer, before it is built."""
    data = sc.data
    text = Text()
    source = data.generator or (data.csv.name if data.csv else "data")
    text.append(f"{'in':<9}", DIM)
    text.append(f"{data.n_features} features · {source}, {data.n_samples} samples\n")
    for layer in sc.model.layers:
        text.append(f"{layer.name[:8]:<9}", DIM)
        text.append(f"{layer.width} × {layer.activation.kind} · {layer.weight_init.describe()}\n")
    outputs = f"{data.n_classes} classes" if data.n_classes > 2 else "1 output"
    text.append(f"{'out':<9}", DIM)
    text.append(outputs)
    return text


def network_text(snap: Snapshot, selected: tuple[int, int], height: int, width: int) -> Text:
    """The network in ``width`` x ``height`` cells: as columns of glyphs when it fits, else a line
    per layer with its counts and the selected layer's glyphs."""
    columns = _network_columns(snap, selected, height)
    if columns.cell_len <= width * max(height, 1) and max((l.cell_len for l in columns.split("\n")), default=0) <= width:
        return columns
    return _network_rows(snap, selected, height, width)


Piece = tuple[str, Style]  # a run of text and its style; a cell is a list of pieces


def _unit_glyph(layer, unit: int, selected: bool) -> Piece:
    state = int(layer.state[unit])
    return STATE_GLYPH[state], STATE_STYLE[state] + Style(reverse=True) if selected else STATE_STYLE[state]


def _network_columns(snap: Snapshot, selected: tuple[int, int], height: int) -> Text:
    """Inputs, each hidden layer and the output as columns; the selected unit's incoming weights are
    written next to the column that feeds it."""
    rows = max(height - 1, 1)
    layers = snap.record.layers
    sel_layer, sel_unit = selected
    incoming = snap.weights[sel_layer][sel_unit]

    def weight_note(i: int) -> Piece:
        w = float(incoming[i])
        return f" {'+' if w >= 0 else '−'}{abs(w):.2f}", POSITIVE_WEIGHT if w >= 0 else NEGATIVE_WEIGHT

    inputs = [[(f"{INPUT_GLYPH} x{i + 1}", DIM)] for i in range(snap.weights[0].shape[1])]
    if sel_layer == 0 and len(inputs) <= rows:
        inputs = [cell + [weight_note(i)] for i, cell in enumerate(inputs)]
    columns: list[tuple[str, list[list[Piece]]]] = [("in", inputs)]
    for li, layer in enumerate(layers):
        cells = [[_unit_glyph(layer, u, (li, u) == selected)] for u in range(layer.width)]
        if li + 1 == sel_layer and layer.width <= rows:
            cells = [cell + [weight_note(u)] for u, cell in enumerate(cells)]
        columns.append((layer.name, cells))
    columns.append(("out", [[(OUTPUT_GLYPH, DIM)] for _ in range(_outputs(snap))]))
    blocks = []
    for title, cells in columns:
        per_col = max(1, math.ceil(len(cells) / rows))
        lines: list[list[Piece]] = []
        for r in range(min(rows, len(cells))):
            line: list[Piece] = []
            for c in range(per_col):
                i = c * rows + r if per_col > 1 else r
                if i < len(cells):
                    line += cells[i] + ([(" ", _PLAIN)] if per_col > 1 else [])
            lines.append(line)
        width = max([len(title)] + [sum(cell_len(t) for t, _ in line) for line in lines])
        blocks.append((title, lines, width))
    out = Text()
    out.append("  ".join(t.ljust(w) for t, _, w in blocks) + "\n", DIM)
    for r in range(min(rows, max(len(b[1]) for b in blocks))):
        for k, (_, lines, width) in enumerate(blocks):
            line = lines[r] if r < len(lines) else []
            for piece, style in line:
                out.append(piece, style)
            used = sum(cell_len(t) for t, _ in line)
            out.append(" " * (width - used + (2 if k < len(blocks) - 1 else 0)))
        out.append("\n")
    return out


def _network_rows(snap: Snapshot, selected: tuple[int, int], height: int, width: int) -> Text:
    """A line per layer (state counts); the selected layer's units follow as packed glyphs."""
    layers = snap.record.layers
    sel_layer, sel_unit = selected
    out = Text()
    out.append(f"{'in':<9}{snap.weights[0].shape[1]} inputs\n", DIM)
    for li, layer in enumerate(layers):
        out.append(f"{layer.name[:8]:<9}", Style(bold=li == sel_layer))
        for code in range(len(STATES)):
            count = layer.count(code)
            if count:
                out.append(f"{STATE_GLYPH[code]}{count} ", STATE_STYLE[code])
        out.append("\n")
        if li == sel_layer:
            spare = max(height - len(layers) - 2, 1)
            per_line = max(width - 9, 1)
            shown = min(layer.width, spare * per_line)
            start = max(0, min(sel_unit - shown // 2, layer.width - shown))
            for line_start in range(start, start + shown, per_line):
                out.append(" " * 9)
                for u in range(line_start, min(line_start + per_line, start + shown)):
                    out.append(*_unit_glyph(layer, u, u == sel_unit))
                out.append("\n")
    out.append(f"{'out':<9}{_outputs(snap)} output(s)", DIM)
    return out


def _outputs(snap: Snapshot) -> int:
    return snap.scenario.data.n_classes if snap.scenario.data.n_classes > 2 else 1


def inspector_text(snap: Snapshot, selected: tuple[int, int]) -> Text:
    """Everything about the selected unit, ending with a plain-language diagnosis."""
    layer_index, unit = selected
    layer = snap.record.layers[layer_index]
    state = int(layer.state[unit])
    w = snap.weights[layer_index][unit]
    text = Text()
    text.append(f"{layer.name}[{unit}]", _BOLD)
    text.append(f" · {layer.activation}\n")
    text.append(f"{STATE_GLYPH[state]} {STATES[state]}\n", STATE_STYLE[state])
    text.append("weights  ", DIM)
    if len(w) <= 6:
        for value in w:
            text.append(f"{'+' if value >= 0 else '−'}{abs(value):.4f} ", POSITIVE_WEIGHT if value >= 0 else NEGATIVE_WEIGHT)
    else:
        text.append(f"{len(w)} inputs: {int((w > 0).sum())} +, {int((w < 0).sum())} −, |w| ≤ {np.abs(w).max():.3g}")
    text.append("\nbias     ", DIM)
    text.append(f"{float(snap.biases[layer_index][unit]):+.4f}")
    text.append("\npre-act  ", DIM)
    text.append(f"{layer.preact_min[unit]:.3g} … {layer.preact_max[unit]:.3g}, mean {layer.preact_mean[unit]:.3g}")
    active = int(round(float(layer.active_fraction[unit]) * snap.n_train))
    text.append("\nactive   ", DIM)
    text.append(f"{active} of {snap.n_train} inputs ({_pct(float(layer.active_fraction[unit]))})")
    text.append("\ngrad     ", DIM)
    grad = float(layer.grad_norm[unit])
    text.append("exactly 0" if grad == 0 else f"{grad:.3e}", Style(color="#e5484d") if grad == 0 else Style())
    text.append("\nstep     ", DIM)
    text.append(f"{float(layer.step[unit]):.3g} in the last epoch")
    if layer.epoch_of_death[unit] != ALIVE:
        text.append("\ndied     ", DIM)
        text.append(f"epoch {int(layer.epoch_of_death[unit])}", STATE_STYLE[0])
    text.append("\n\n")
    text.append(_sentence(explain(snap.record, layer_index, unit, snap.n_train)))
    return text


def first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
