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


ORDERS = ("model", "dead", "dormant", "sparse")  # the layer overview's orders: the model's, or by that share
_SHARE_STYLES = (STATE_STYLE[DEAD], Style(color="magenta"), STATE_STYLE[SPARSE])


def layer_order(view: RunView, order: str) -> list[int]:
    """The layers' indices in the overview's ``order`` (largest share first; ties in the model's order)."""
    indices = list(range(len(view.meta.layers)))
    if order == "model":
        return indices
    column = ORDERS.index(order) - 1
    return sorted(indices, key=lambda i: (-view.shares[i, column], i))


def share_cell(share: float, width: int = 6) -> str:
    """A share readable however small, in ``width`` (5 or more) cells: 0 is a dot, below 0.1% "<.1%"."""
    if share == 0:
        return "·".rjust(width)
    if share < 0.001:
        return "<.1%".rjust(width)
    if share >= 0.995:
        return "100%".rjust(width)
    return (f"{100 * share:.1f}%" if share < 0.1 else f"{100 * share:.0f}%").rjust(width)


def overview_text(view: RunView, selected: tuple[int, int], order: str, width: int, height: int) -> Text:
    """Every layer on one line, in ``order``: its dead, dormant and sparse shares and units; the selected
    layer highlighted, the lines scrolled to keep it in the upper third."""
    rows = layer_order(view, order)
    shown = max(height - 1, 1)
    at = rows.index(selected[0])
    top = max(0, min(at - shown // 3, len(rows) - shown))
    cell = 6 if width >= 34 else 5  # a share's cells
    units = width >= 42  # the units column, where there is room
    name_width = max(width - 3 * (cell + 1) - 8 * units, 4)
    where = f"{top + 1}-{min(top + shown, len(rows))} of {len(rows)}"  # which lines are in view
    label = "layer" if len(rows) <= shown else f"layer {where}" if len(where) + 6 <= name_width else where
    heads = ("dead", "dorm", "sparse" if cell == 6 else "sprs")
    text = Text()
    text.append(f"{label[:name_width]:<{name_width}}" + "".join(f" {h:>{cell}}" for h in heads)
                + (f" {'units':>7}" if units else "") + "\n", DIM)
    for index in rows[top:top + shown]:
        info = view.meta.layers[index]
        name = visible(info.name)
        name = name if len(name) <= name_width else name[:name_width - 1] + "…"
        text.append(f"{name:<{name_width}}", Style(bold=True, reverse=True) if index == selected[0] else Style())
        for share, style in zip(view.shares[index], _SHARE_STYLES):
            text.append(" " + share_cell(float(share), cell), style if share else DIM)
        text.append(f" {info.width:>7}\n" if units else "\n", DIM)
    return text


def unit_text(view: RunView, selected: tuple[int, int]) -> Text:
    """The selected unit at the latest record."""
    layer_index, unit = selected
    info, layer = view.meta.layers[layer_index], view.record.layers[layer_index]
    stats = view.last.layers[info.name]
    state = int(layer.state[unit])
    fed = visible(info.fed_by) or "no single producing layer"
    text = unit_heading(visible(info.name), unit, f"{visible(info.activation)} · {info.kind} of {fed}", state)
    share = float(layer.active_fraction[unit])
    field(text, "active", "no input counted" if share != share else f"{100 * share:.1f}% of {stats.inputs} inputs")
    grad_field(text, float(layer.grad_norm[unit]))
    score = float(stats.dormant[unit])
    if score == score:
        field(text, "dormant", f"score {score:.3g}" + (" ≤ " if score <= view.meta.dormant_tau else " > ")
              + f"{view.meta.dormant_tau:g}: " + ("dormant" if score <= view.meta.dormant_tau else "not dormant"))
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
