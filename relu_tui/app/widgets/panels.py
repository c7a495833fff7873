"""Text panels: the status line, the network diagram and the inspector of the selected unit.

Each is a pure function from a snapshot to Rich ``Text``; the app shows them in Static widgets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from rich.cells import cell_len
from rich.style import Style
from rich.text import Text

from relu_tui.app.figures import significant
from relu_tui.app.palette import (
    ALERT,
    BUSY,
    DIM,
    EXACT_ZERO,
    INPUT_GLYPH,
    NEGATIVE_WEIGHT,
    OUTPUT_GLYPH,
    PAUSED,
    PLAYING,
    POSITIVE_WEIGHT,
    STATE_GLYPH,
    STATE_STYLE,
)
from relu_tui.engine.explanations import explain
from relu_tui.engine.records import ALIVE, DEAD, STATES

if TYPE_CHECKING:
    from relu_tui.engine.records import LayerRecord
    from relu_tui.engine.snapshot import Snapshot
    from relu_tui.spec.scenario import Scenario

_BOLD = Style(bold=True)
_PLAIN = Style()


def _pct(value: float | None, decimals: int = 1) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{100 * value:.{decimals}f}%"


def status_text(snap: Snapshot, *, playing: bool, speed: str, position: tuple[int, int], busy: str = "",
                width: int = 120) -> Text:
    """Title, variant, epoch, loss, accuracies, unit counts, learning rate, play state; then a line
    that says what matters most now: divergence, a long command's progress, layers with nothing alive.

    The numbers line has one format per width: the fullest whose widest form (playing at max speed,
    every count at its most digits) fits in ``width`` cells, so it never changes format while the
    run plays."""
    rec, sc = snap.record, snap.scenario
    text = _title_line(sc, position, width)
    form = fullest(COUNT_FORMS, lambda f: _numbers_line(snap, True, "max speed", f, pad_counts=True), width)
    text.append_text(_numbers_line(snap, playing, speed, form))
    text.append("\n")
    if rec.diverged:
        way_back = "Press ← to rewind or r to reset." if rec.epoch > 0 else \
            "The initial weights already give it: press R for a new seed, or change the scenario."
        text.append(f" DIVERGED at epoch {rec.epoch}: the loss or the weights are no longer finite numbers. {way_back} ",
                    ALERT)
        return text
    if busy:
        text.append(f"{busy}  ", BUSY)
    for note in dead_layer_notes(snap):
        text.append(f"{note}  ", STATE_STYLE[DEAD])
    text.append(sc.summary or first_sentence(sc.description), DIM)
    return text


def dead_layer_notes(snap: Snapshot) -> list[str]:
    """'hidden7: all 3 dead, nothing passes' for each hidden layer with no unit alive."""
    return [f"{layer.name}: " + ("its one unit is dead" if layer.width == 1 else f"all {layer.width} dead")
            + ", nothing passes" for layer in snap.record.layers if layer.all_dead]


COUNT_FORMS = ("full", "compact", "glyphs")  # unit counts with their state's name, a short name, the glyph alone


def fullest(forms: tuple[str, ...], line: Callable[[str], Text], width: int) -> str:
    """The first of ``forms`` (fullest first) whose ``line`` fits in ``width`` cells, else the last."""
    return next((form for form in forms if line(form).cell_len <= width), forms[-1])


def state_counts(counts: dict[str, int], form: str, digits: int = 0) -> Text:
    """The units by state in one of :data:`COUNT_FORMS`, each count right-aligned to ``digits``."""
    text = Text()
    for code, name in enumerate(STATES):
        count = str(counts[name]).rjust(digits)
        label = {"full": f"{STATE_GLYPH[code]} {count} {name}  ",
                 "compact": f"{STATE_GLYPH[code]}{count} {_SHORT[name]} ",
                 "glyphs": f"{STATE_GLYPH[code]}{count} "}[form]
        text.append(label, STATE_STYLE[code])
    return text


def layer_counts(layer: LayerRecord) -> Text:
    """A layer's units by state: the glyph and the count of each state it has."""
    text = Text()
    for code in range(len(STATES)):
        count = layer.count(code)
        if count:
            text.append(f"{STATE_GLYPH[code]}{count} ", STATE_STYLE[code])
    return text


def _numbers_line(snap: Snapshot, playing: bool, speed: str, form: str, pad_counts: bool = False) -> Text:
    """Epoch, loss, accuracy (test loss for a regression), unit counts, rate and play state.

    ``pad_counts`` writes every count with as many digits as the total number of units."""
    compact = form != "full"
    rec = snap.record
    text = Text()
    epoch = f"epoch {rec.epoch}" + (f" + {rec.batch} batch(es)" if rec.batch else "")
    text.append(epoch, _BOLD)
    loss = "nan/inf" if rec.diverged else _num(rec.loss)
    if rec.accuracy is None:  # regression: losses only
        text.append(f"  loss {loss}  test {_num(rec.test_loss)}  " if compact else
                    f"  loss {loss}  test loss {_num(rec.test_loss)}  ")
    elif compact:
        text.append(f"  loss {loss}  train {_pct(rec.accuracy, 0)} test {_pct(rec.test_accuracy, 0)}  ")
    else:
        text.append(f"  loss {loss}  train {_pct(rec.accuracy)}  test {_pct(rec.test_accuracy)}  ")
    text.append_text(state_counts(rec.counts(), form, len(str(rec.n_units)) if pad_counts else 0))
    text.append(f" lr {rec.learning_rate:g}  " if compact else f"lr {rec.learning_rate:g}  ")
    state = f"▶ {speed}" if playing else "■ paused"
    text.append(state, PLAYING if playing else PAUSED)
    return text


_SHORT = {"dead": "dead", "negative": "neg", "sparse": "sparse", "active": "act"}


def _num(value: float | None) -> str:
    """A loss to its significant digits, '–' when there is none."""
    return "–" if value is None or not math.isfinite(value) else significant(value)


def _title_line(sc: Scenario, position: tuple[int, int], width: int = 120) -> Text:
    """The title, then the variant and seed; a long title is cut so that the variant stays in view."""
    index, total = position
    where = f"   variant {sc.variant} ({index}/{total})   seed {sc.seed}"
    title = sc.title
    if cell_len(title) + len(where) > width and width - len(where) >= 10:
        title = title[: width - len(where) - 1] + "…"
    text = Text()
    text.append(title, _BOLD)
    text.append(where + "\n", DIM)
    return text


def preview_status(sc: Scenario, position: tuple[int, int]) -> Text:
    """The status line while PyTorch loads: the scenario is known, the network not built yet."""
    text = _title_line(sc, position)
    text.append("epoch 0", _BOLD)
    text.append("   loading PyTorch and building the network…\n", BUSY)
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
    """The network in ``width`` x ``height`` cells: as columns of glyphs when it fits (the selected
    unit's incoming weights beside the layer feeding it), else a line per layer with its counts and
    the selected layer's glyphs."""
    # each glyph column takes at least two cells, an input's its name too: a wide net cannot fit, so do
    # not build it to find out
    rows = max(height - 2, 1)
    least = sum(2 * math.ceil(n / rows) + 1 for n in (*(layer.width for layer in snap.record.layers), _outputs(snap)))
    least += math.ceil(snap.weights[0].shape[1] / rows) * (3 + max(map(len, snap.feature_names), default=1))
    if least > width:
        return _network_rows(snap, selected, height, width)

    def fitting(decimals: int | None) -> Text | None:
        columns = _network_columns(snap, selected, height, decimals)
        lines = columns.split("\n")
        return columns if len(lines) <= height and max((line.cell_len for line in lines), default=0) <= width else None

    # shorter weight notes before none at all; notes only widen the columns, so when the columns do
    # not fit without them, they fit with none
    columns = fitting(2)
    if columns is not None:
        return columns
    bare = fitting(None)
    if bare is None:
        return _network_rows(snap, selected, height, width)
    columns = fitting(1)
    return bare if columns is None else columns


Piece = tuple[str, Style]  # a run of text and its style; a cell is a list of pieces


def _unit_glyph(layer, unit: int, selected: bool) -> Piece:
    state = int(layer.state[unit])
    return STATE_GLYPH[state], STATE_STYLE[state] + Style(reverse=True) if selected else STATE_STYLE[state]


def _network_columns(snap: Snapshot, selected: tuple[int, int], height: int, decimals: int | None) -> Text:
    """Inputs, each hidden layer and the output as columns, filled top to bottom then left to right.

    A layer taking several glyph columns has each column's first unit index under its title.
    ``decimals``: the selected unit's incoming weights next to the cells that feed it, or None."""
    layers = snap.record.layers
    sel_layer, sel_unit = selected
    incoming = snap.weights[sel_layer][sel_unit]
    n_inputs = snap.weights[0].shape[1]
    rows = max(height - 1, 1)
    if any(math.ceil(n / rows) > 1 for n in (n_inputs, *(layer.width for layer in layers))):
        rows = max(height - 2, 1)  # a line for the index labels

    def noted(cells: list[list[Piece]]) -> list[list[Piece]]:
        if decimals is None:
            return cells
        notes = [(f" {'+' if w >= 0 else '−'}{abs(w):.{decimals}f}", POSITIVE_WEIGHT if w >= 0 else NEGATIVE_WEIGHT)
                 for w in map(float, incoming)]
        return [cell + [note] for cell, note in zip(cells, notes)]

    inputs = [[(f"{INPUT_GLYPH} {name}", DIM)] for name in snap.feature_names]
    columns: list[tuple[str, list[list[Piece]], bool]] = [("in", noted(inputs) if sel_layer == 0 else inputs, False)]
    for li, layer in enumerate(layers):
        cells = [[_unit_glyph(layer, u, (li, u) == selected)] for u in range(layer.width)]
        columns.append((layer.name, noted(cells) if li + 1 == sel_layer else cells, True))
    columns.append(("out", [[(OUTPUT_GLYPH, DIM)] for _ in range(_outputs(snap))], False))
    blocks = []
    any_indexed = False
    for title, cells, indexed in columns:
        per_col = max(1, math.ceil(len(cells) / rows))
        grid = [[cells[c * rows + r] for c in range(per_col) if c * rows + r < len(cells)]
                for r in range(min(rows, len(cells)))]
        col_width = max(sum(cell_len(t) for t, _ in cell) for cell in cells) if cells else 0
        if indexed and per_col > 1:
            col_width = max(col_width, len(str((per_col - 1) * rows)))
            index = " ".join(str(c * rows).ljust(col_width) for c in range(per_col))
            any_indexed = True
        else:
            index = ""
        lines = [[piece for c, cell in enumerate(line)
                  for piece in cell + [(" " * (col_width - sum(cell_len(t) for t, _ in cell) + (c < per_col - 1)), _PLAIN)]]
                 for line in grid]
        width = max([len(title), len(index)] + [sum(cell_len(t) for t, _ in line) for line in lines])
        blocks.append((title, index, lines, width))
    out = Text()
    out.append("  ".join(t.ljust(w) for t, _, _, w in blocks).rstrip() + "\n", DIM)
    if any_indexed:
        out.append("  ".join(i.ljust(w) for _, i, _, w in blocks).rstrip() + "\n", DIM)
    for r in range(max(len(b[2]) for b in blocks)):
        for k, (_, _, lines, width) in enumerate(blocks):
            line = lines[r] if r < len(lines) else []
            for piece, style in line:
                out.append(piece, style)
            used = sum(cell_len(t) for t, _ in line)
            out.append(" " * (width - used + (2 if k < len(blocks) - 1 else 0)))
        out.rstrip()
        out.append("\n")
    for layer in layers:
        if layer.all_dead:
            out.append(f"{STATE_GLYPH[DEAD]} {layer.name}: all dead\n", STATE_STYLE[DEAD])
    out.rstrip()
    return out


def _network_rows(snap: Snapshot, selected: tuple[int, int], height: int, width: int) -> Text:
    """A line per layer (state counts, a flag when all are dead); the selected layer's units follow
    as packed glyphs, each line starting with its first unit's index. When the layers do not all fit,
    a window around the selected one is shown and the rest are counted."""
    layers = snap.record.layers
    sel_layer, sel_unit = selected
    label = 9

    def layer_line(li: int) -> Text:
        layer = layers[li]
        line = Text(f"{layer.name[:label - 1]:<{label}}", Style(bold=li == sel_layer))
        line.append_text(layer_counts(layer))
        if layer.all_dead:
            line.append("all dead", STATE_STYLE[DEAD])
        return line

    # the selected layer's glyphs: as many lines as the other layers leave
    layer = layers[sel_layer]
    digits = len(str(layer.width - 1))
    per_line = max(width - label, 1) if layer.width <= width - label else max(width - digits - 1, 1)
    gutter = layer.width > width - label
    spare = max(height - min(len(layers), height - 1) - 2, 1)
    shown = min(layer.width, spare * per_line)
    if shown < layer.width:  # room on the last line for "+k", the units not shown
        shown -= len(f" +{layer.width}")
    start = max(0, min(sel_unit - shown // 2, layer.width - shown))
    glyphs = []
    for line_start in range(start, start + shown, per_line):
        line = Text(f"{line_start:>{digits}} " if gutter else " " * label, DIM)
        for u in range(line_start, min(line_start + per_line, start + shown)):
            line.append(*_unit_glyph(layer, u, u == sel_unit))
        glyphs.append(line)
    if shown < layer.width:
        glyphs[-1].append(f" +{layer.width - shown}", DIM)

    # every layer with in and out when they fit, else a window around the selected one
    n = len(layers)
    if n + len(glyphs) + 2 <= height:
        first, last = 0, n - 1
    else:
        fit = max(1, height - len(glyphs) - 2)
        first = max(0, min(sel_layer - fit // 2, n - fit))
        last = min(n - 1, first + fit - 1)
    lines = [Text(f"{'⋮':<{label}}+{first} above (tab)", DIM) if first else
             Text(f"{'in':<{label}}{snap.weights[0].shape[1]} inputs", DIM)]
    for li in range(first, last + 1):
        lines.append(layer_line(li))
        if li == sel_layer:
            lines += glyphs
    lines.append(Text(f"{'⋮':<{label}}+{n - 1 - last} below (tab)", DIM) if last < n - 1 else
                 Text(f"{'out':<{label}}{_outputs(snap)} output(s)", DIM))
    return Text("\n").join(lines[:height])


def _outputs(snap: Snapshot) -> int:
    return snap.scenario.data.n_outputs


def inspector_text(snap: Snapshot, selected: tuple[int, int]) -> Text:
    """Everything about the selected unit, ending with a plain-language diagnosis."""
    layer_index, unit = selected
    layer = snap.record.layers[layer_index]
    w = snap.weights[layer_index][unit]
    text = unit_heading(layer.name, unit, layer.activation, int(layer.state[unit]))
    for line in interventions(snap, selected):  # what was done to it comes first: a short panel still shows it
        field(text, "event", line, BUSY)
    field_label(text, "weights")
    if len(w) <= 6:
        for value in w:
            text.append(f"{'+' if value >= 0 else '−'}{abs(value):.4f} ", POSITIVE_WEIGHT if value >= 0 else NEGATIVE_WEIGHT)
    else:
        text.append(f"{len(w)} inputs: {int((w > 0).sum())} +, {int((w < 0).sum())} −, |w| ≤ {np.abs(w).max():.3g}")
    text.append("\n")
    field(text, "bias", f"{float(snap.biases[layer_index][unit]):+.4f}")
    field(text, "pre-act",
          f"{layer.preact_min[unit]:.3g} … {layer.preact_max[unit]:.3g}, mean {layer.preact_mean[unit]:.3g}")
    active = int(round(float(layer.active_fraction[unit]) * snap.n_train))
    field(text, "active", f"{active} of {snap.n_train} inputs ({_pct(float(layer.active_fraction[unit]))})")
    grad_field(text, float(layer.grad_norm[unit]))
    field(text, "step", f"{float(layer.step[unit]):.3g} in the last epoch")
    if layer.epoch_of_death[unit] != ALIVE:
        field(text, "died", f"epoch {int(layer.epoch_of_death[unit])}", STATE_STYLE[DEAD])
    text.append("\n")
    text.append(_sentence(explain(snap.record, layer_index, unit, snap.n_train)))
    return text


def unit_heading(name: str, unit: int, about: str, state: int) -> Text:
    """The inspector's first lines: the unit's layer and index, what it is, then its state."""
    text = Text()
    text.append(f"{name}[{unit}]", _BOLD)
    text.append(f" · {about}\n")
    text.append(f"{STATE_GLYPH[state]} {STATES[state]}\n", STATE_STYLE[state])
    return text


def field_label(text: Text, label: str) -> None:
    """An inspector line's label, dim in a column of nine cells."""
    text.append(f"{label:<9}", DIM)


def field(text: Text, label: str, value: str, style: Style = _PLAIN) -> None:
    """An inspector line: the label, then ``value``."""
    field_label(text, label)
    text.append(f"{value}\n", style)


def grad_field(text: Text, grad: float) -> None:
    """The gradient norm's line; an exact zero in words, as it is the gradient that never moves the unit."""
    field(text, "grad", "exactly 0" if grad == 0 else f"{grad:.3e}", EXACT_ZERO if grad == 0 else _PLAIN)


def interventions(snap: Snapshot, selected: tuple[int, int]) -> list[str]:
    """What the run's events did to the selected unit and when, and how it has fared since, e.g.
    'bias set to 1 at epoch 10; alive since' (a revive of dead and dormant units only where the unit was among
    them; the traces keep states, not dormant flags, so a dormant unit's revival shows only from the record)."""
    layer_index, unit = selected
    names = tuple(layer.name for layer in snap.scenario.model.layers)
    lines = []
    for event in snap.scenario.training.events:
        if event.kind == "learning_rate" or event.layer not in (None, layer_index) or event.unit not in (None, unit):
            continue
        if event.kind == "shuffle_targets":
            continue  # the data's, not the unit's
        what = event.describe(names).split(": ", 1)[-1] if event.kind == "set" else event.describe(names)
        if event.kind == "revive" and event.unit is None:
            was = _revived_as(snap, selected, event.epoch - 1)
            if was is None:
                continue  # it was neither dead nor dormant (or the history no longer says): this revive left it alone
            what = f"revived (it was {was})"
        if event.epoch > snap.epoch:
            lines.append(f"{what} at epoch {event.epoch} (next: press space)")
        else:
            lines.append(f"{what} at epoch {event.epoch}; {_since(snap, selected, event.epoch)}")
    return lines


def _revived_as(snap: Snapshot, selected: tuple[int, int], epoch: int) -> str | None:
    """'dead' or 'dormant' if a revive of dead and dormant units before ``epoch + 1`` chose the unit."""
    if _state_at(snap, selected, epoch) == DEAD:
        return "dead"
    if epoch == snap.epoch and snap.record.layers[selected[0]].dormant[selected[1]]:
        return "dormant"
    return None


def _state_at(snap: Snapshot, selected: tuple[int, int], epoch: int) -> int | None:
    """The unit's state at ``epoch`` if the snapshot's traces hold that epoch."""
    columns = np.flatnonzero(snap.traces.epochs == epoch)
    if epoch == snap.epoch:
        return int(snap.record.layers[selected[0]].state[selected[1]])
    return int(snap.traces.states[_row(snap, selected), columns[0]]) if len(columns) else None


def _row(snap: Snapshot, selected: tuple[int, int]) -> int:
    return sum(layer.width for layer in snap.record.layers[: selected[0]]) + selected[1]


def _since(snap: Snapshot, selected: tuple[int, int], epoch: int) -> str:
    """How the unit has been since ``epoch``: 'alive since', 'dead again since epoch 14', 'still dead'."""
    layer = snap.record.layers[selected[0]]
    if layer.state[selected[1]] == DEAD:
        died = int(layer.epoch_of_death[selected[1]])
        return f"dead again since epoch {died}" if died >= epoch else "still dead"
    held = snap.traces.epochs[snap.traces.epochs >= epoch]
    if len(held) == snap.epoch - epoch + 1 and (snap.traces.states[_row(snap, selected), -len(held):] != DEAD).all():
        return "alive since"
    return f"{STATES[layer.state[selected[1]]]} now"


def first_sentence(text: str) -> str:
    flat = " ".join(text.split())
    end = flat.find(". ")
    return flat if end < 0 else flat[: end + 1]


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]
