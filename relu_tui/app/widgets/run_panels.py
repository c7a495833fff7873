"""The text panels of ``relu-tui watch``: the status line, the watched layers and the selected unit.

Each is a pure function from a :class:`~relu_tui.monitor.view.RunView` to Rich ``Text``, written
with the main view's pieces (unit counts by width, inspector lines); names from the log go through
:func:`~relu_tui.visible.visible`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from relu_tui.app.palette import BUSY, DIM, STATE_STYLE
from relu_tui.app.widgets.panels import (
    COUNT_FORMS,
    field,
    fullest,
    grad_field,
    layer_counts,
    state_counts,
    unit_heading,
)
from relu_tui.engine.records import ALIVE, DEAD, SPARSE
from relu_tui.visible import visible

if TYPE_CHECKING:
    from pathlib import Path

    from relu_tui.monitor.view import RunView

_BOLD = Style(bold=True)


def status_text(run_dir: Path, view: RunView | None, note: str, width: int = 120) -> Text:
    """The run, its latest numbers and the follower's note, in lines of ``width`` cells: the unit
    counts shorten their words, as the main status does, before any number would be cut; the run
    directory comes last."""
    text = Text()
    text.append("relu-tui watch", _BOLD)
    where, note = visible(str(run_dir)), visible(note)
    if view is None:
        text.append(f"   {where}\n", DIM)
        text.append(f"{note}\n", BUSY)
        return text
    meta = view.meta
    text.append(f"   {visible(meta.model)} · {len(meta.layers)} watched layer(s), {view.n_units} units"
                + (f" · {meta.world_size} ranks" if meta.world_size > 1 else "") + f"   {where}", DIM)
    numbers = Text()
    numbers.append(f"step {view.last.step}", _BOLD)
    if view.last.epoch is not None:
        numbers.append(f"  epoch {view.last.epoch}")
    numbers.append(f"  loss {'–' if view.last.loss is None else f'{view.last.loss:.4f}'}  {view.n_records} records  ")
    counts = view.record.counts()
    form = fullest(COUNT_FORMS, lambda f: numbers + state_counts(counts, f), width)
    text.append("\n")
    text.append_text(numbers + state_counts(counts, form))
    text.append(f"\n{note}", DIM)
    return text


def layers_text(view: RunView, selected: tuple[int, int]) -> Text:
    """A line per watched layer: name, activation, the layer feeding it, and its units by state."""
    text = Text()
    for index, (info, layer) in enumerate(zip(view.meta.layers, view.record.layers)):
        text.append(visible(info.name), Style(bold=index == selected[0]))
        text.append(f" · {visible(info.activation)} · {info.width} {info.kind}s ← {visible(info.fed_by)}\n", DIM)
        text.append("  ")
        text.append_text(layer_counts(layer))
        text.append("\n")
    return text


def unit_text(view: RunView, selected: tuple[int, int]) -> Text:
    """The selected unit at the latest record."""
    layer_index, unit = selected
    info, layer = view.meta.layers[layer_index], view.record.layers[layer_index]
    stats = view.last.layers[info.name]
    state = int(layer.state[unit])
    text = unit_heading(visible(info.name), unit, f"{visible(info.activation)} · {info.kind} of {visible(info.fed_by)}",
                        state)
    share = float(layer.active_fraction[unit])
    field(text, "active", "no input counted" if share != share else f"{100 * share:.1f}% of {stats.inputs} inputs")
    grad_field(text, float(layer.grad_norm[unit]))
    if int(stats.died_step[unit]) != ALIVE:
        epoch = int(stats.died_epoch[unit])
        field(text, "died", f"step {int(stats.died_step[unit])}" + (f" (epoch {epoch})" if epoch != ALIVE else ""),
              STATE_STYLE[DEAD])
    if bool(stats.revived[unit]):
        field(text, "revived", "was dead at an earlier record")
    text.append("\n")
    if state == DEAD:
        text.append("It fired on none of the inputs since the last record, so its gradient is exactly 0: "
                    "no optimizer step can move it while that lasts.")
    elif state == SPARSE:
        text.append("It fires on few inputs but still learns: sparse, not dead.")
    return text
