"""Plain-language diagnosis of one unit, from its record (no PyTorch needed)."""

from __future__ import annotations

from relu_tui.engine.records import CAUSES, STATES, EpochRecord, LayerRecord


def dead_layers_after(record: EpochRecord, layer_index: int) -> list[str]:
    """The later hidden layers in which every unit is dead: each one stops all gradient below it."""
    return [layer.name for layer in record.layers[layer_index + 1:] if layer.all_dead]


def explain(record: EpochRecord, layer_index: int, index: int, n_train: int) -> str:
    """A plain-language diagnosis of unit ``index`` of hidden layer ``layer_index``; later layers
    matter: a living unit gets no gradient when a whole layer above it is dead."""
    layer = record.layers[layer_index]
    state = STATES[layer.state[index]]
    share = float(layer.active_fraction[index])
    active = int(round(share * n_train))
    lo, hi = float(layer.preact_min[index]), float(layer.preact_max[index])
    grad = float(layer.grad_norm[index])
    if state == "dead":
        text = (f"its pre-activation is at most 0 on all {n_train} training inputs (max {hi:.3g}), so every "
                f"gradient through it is 0: no optimizer step can move it. {cause_text(layer, index)}.")
        if layer.revived[index]:
            text += " It had come back to life once before."
        return text
    blocked = dead_layers_after(record, layer_index) if grad == 0 else []
    if blocked:
        also = f" (and of {', '.join(blocked[1:])})" if blocked[1:] else ""
        if state == "negative":
            alive = f"not dead: its {layer.activation} passes gradient below 0"
        else:
            alive = f"alive: it fires on {share:.0%} of the training inputs ({active} of {n_train})"
        text = (f"{alive}, but every unit of {blocked[0]} is dead{also}, so no gradient reaches it: its gradient "
                f"is exactly 0 and it cannot learn.")
        if lo == hi and state != "negative":
            text += " Its pre-activation is the same on every input (an earlier layer is silent)."
        return text
    if state == "negative":
        if grad == 0:
            return (f"its pre-activation is below 0 on all {n_train} training inputs (max {hi:.3g}) and so far below"
                    f" that even its {layer.activation} passes a gradient that rounds to exactly 0: in practice it"
                    f" is as stuck as a dead unit.")
        return (f"its pre-activation is below 0 on all {n_train} training inputs (max {hi:.3g}), but its "
                f"{layer.activation} still passes gradient (norm {grad:.3g}): it can still learn.")
    tail = " It came back from the dead." if layer.revived[index] else ""
    if lo == hi:
        tail += (" Its pre-activation is the same on every input (an earlier layer is silent), so its output"
                 " is a constant that carries no information.")
    if state == "sparse":
        return (f"active on {active} of {n_train} training inputs ({share:.0%}): silent on most, but not dead. "
                f"Those inputs still send it gradient (norm {float(layer.grad_norm[index]):.3g}).{tail}")
    return (f"active on {active} of {n_train} training inputs ({share:.0%}); pre-activation from {lo:.3g} to "
            f"{hi:.3g}; gradient norm {float(layer.grad_norm[index]):.3g}.{tail}")


def cause_text(layer: LayerRecord, index: int) -> str:
    """Why a dead unit died, e.g. 'killed by the update of epoch 31 (step 0.84 at learning rate 5)'."""
    cause = CAUSES[layer.cause[index]]
    epoch = int(layer.epoch_of_death[index])
    bias = float(layer.bias[index])
    if cause is None:
        return "not dead"
    if layer.by_bias[index]:
        held = f"its bias ({bias:.3g}) holds it below 0 on every input, though its weights alone would fire"
    else:
        held = "its weights give a pre-activation <= 0 on every input"
    if cause == "born_dead":
        return f"Born dead: {held}"
    when = f"batch {int(layer.death_batch[index])} of epoch {epoch}" if layer.death_batch[index] else f"epoch {epoch}"
    if cause == "update":
        return (f"Killed by the update of {when} (step {float(layer.death_step[index]):.3g} at learning "
                f"rate {float(layer.death_lr[index]):.3g}): {held}")
    assert cause == "upstream"
    where = "in" if layer.death_batch[index] else "at"
    return f"Silenced {where} {when} by changes in earlier layers (its own weights did not move): {held}"
