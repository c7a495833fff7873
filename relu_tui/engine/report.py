"""Headless output of a run: JSONL records, tidy CSV rows, or a readable table."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from typing import IO, TYPE_CHECKING

import numpy as np

from relu_tui.engine.explanations import cause_text
from relu_tui.engine.records import ALIVE, STATES, EpochRecord

if TYPE_CHECKING:
    from relu_tui.engine.small_targets import TargetPoint
    from relu_tui.engine.stably_unactivated import StablePoint
    from relu_tui.engine.sweep import SweepPoint
    from relu_tui.spec.scenario import Scenario

RECORD_COLUMNS = ("scenario", "variant", "epoch", "loss", "accuracy", "test_loss", "test_accuracy", "diverged",
                  "learning_rate")
UNIT_COLUMNS = ("index", "state", "active_fraction", "grad_norm", "preact_min", "preact_max", "preact_mean",
                "mean_activation", "bias", "step", "epoch_of_death", "cause", "dormant_score", "dormant")
CSV_COLUMNS = (*RECORD_COLUMNS, "layer", "activation", *UNIT_COLUMNS)


def write_jsonl(records: Iterable[EpochRecord], scenario: str, variant: str, out: IO[str]) -> None:
    for record in records:
        out.write(json.dumps(record.to_dict(scenario, variant), separators=(",", ":"), allow_nan=False) + "\n")
        out.flush()


class CsvWriter:
    """Tidy CSV: one row per hidden unit per epoch; the header is written once for all variants."""

    def __init__(self, out: IO[str]) -> None:
        self.writer = csv.writer(out, lineterminator="\n")
        self.writer.writerow(CSV_COLUMNS)
        self.out = out

    def write(self, records: Iterable[EpochRecord], scenario: str, variant: str) -> None:
        for record in records:
            data = record.to_dict(scenario, variant)
            head = [data[k] for k in RECORD_COLUMNS]
            for layer in data["layers"]:
                for unit in layer["neurons"]:
                    row = [*head, layer["name"], layer["activation"], *(unit[k] for k in UNIT_COLUMNS)]
                    self.writer.writerow(["" if v is None else v for v in row])
            self.out.flush()


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{100 * value:5.1f}%"


class TableWriter:
    """A readable summary: epoch 0, every epoch where something changed, about 20 others, the last;
    then the final state of every unit (dead ones first)."""

    HEADER = (f"{'epoch':>7} {'loss':>9} {'train':>6} {'test':>6} "
              f"{'dead':>5} {'neg':>5} {'sparse':>6} {'active':>6}  {'lr':>8}  note")

    def __init__(self, out: IO[str], max_units: int = 24) -> None:
        self.out = out
        self.max_units = max_units

    def write(self, records: Iterable[EpochRecord], scenario: str, variant: str, title: str, epochs: int,
              n_train: int) -> None:
        out = self.out
        out.write(f"{scenario} [{variant}]: {title}\n{self.HEADER}\n")
        stride = max(1, epochs // 20)
        previous: EpochRecord | None = None
        last = None
        for record in records:
            note = self._note(previous, record)
            if previous is None or note or record.epoch % stride == 0 or record.epoch == epochs:
                out.write(self._row(record, note) + "\n")
                out.flush()
            previous = last = record
        if last is not None:
            if last.epoch % stride and last.epoch != epochs and last.epoch:
                out.write(self._row(last, "") + "\n")
            self._units(last, n_train)
        out.write("\n")

    @staticmethod
    def _row(record: EpochRecord, note: str) -> str:
        c = record.counts()
        loss = "nan/inf" if record.diverged else f"{record.loss:.5f}"
        return (f"{record.epoch:>7} {loss:>9} {_pct(record.accuracy):>6} {_pct(record.test_accuracy):>6} "
                f"{c['dead']:>5} {c['negative']:>5} {c['sparse']:>6} {c['active']:>6}  "
                f"{record.learning_rate:>8.3g}  {note}").rstrip()

    @staticmethod
    def _note(previous: EpochRecord | None, record: EpochRecord) -> str:
        if record.diverged:
            return "DIVERGED (non-finite loss or weights)"
        if previous is None:
            return "initial weights"
        notes = []
        if record.learning_rate != previous.learning_rate:
            notes.append(f"learning rate -> {record.learning_rate:g}")
        changes = [
            f"{new.name}[{i}] {STATES[old.state[i]]}->{STATES[new.state[i]]}"
            for new, old in zip(record.layers, previous.layers)
            for i in np.flatnonzero(new.state != old.state)
        ]
        if len(changes) > 3:
            changes = [f"{len(changes)} units changed state"]
        return "; ".join(notes + changes)

    def _units(self, record: EpochRecord, n_train: int) -> None:
        out = self.out
        out.write(f"\nunits at epoch {record.epoch}:\n")
        out.write(f"  {'unit':<14} {'state':<9} {'active':>7} {'grad norm':>10} {'preact range':>22}  cause\n")
        for layer in record.layers:
            order = sorted(range(layer.width), key=lambda i: (layer.state[i], i))
            for i in order[: self.max_units]:
                died = layer.epoch_of_death[i] != ALIVE
                cause = cause_text(layer, i).split(":")[0] if died else ""
                span = f"[{layer.preact_min[i]:.3g}, {layer.preact_max[i]:.3g}]"
                out.write(f"  {layer.name + '[' + str(i) + ']':<14} {STATES[layer.state[i]]:<9} "
                          f"{_pct(float(layer.active_fraction[i])):>7} {float(layer.grad_norm[i]):>10.3g} {span:>22}  {cause}\n")
            if layer.width > self.max_units:
                rest = layer.width - self.max_units
                out.write(f"  … {rest} more unit(s) in {layer.name} ({layer.count(0)} dead of {layer.width} in all)\n")


SWEEP_COLUMNS = ("scenario", "width", "depth", "init", "trials", "born_dead", "born_dead_fraction", "standard_error",
                 "near_constant", "near_constant_fraction", "bound")
TARGET_COLUMNS = ("scenario", "scale", "momentum", "width", "depth", "trials", "dead_at_birth", "dead_fraction",
                  "standard_error", "died_fraction", "died_standard_error")
STABLE_COLUMNS = ("scenario", "inputs", "width", "trials", "dead_everywhere", "dead_everywhere_fraction",
                  "standard_error", "published", "dead_on_data", "dead_on_data_fraction")


def write_sweep(points: Iterable[SweepPoint | StablePoint | TargetPoint], scenario: Scenario, fmt: str, out: IO[str]) -> None:
    """Sweep results as JSONL or CSV (streamed), or a table per init: widths down, depths across, each
    share with its standard error; he_zero_bias adds the analytic bound under each width."""
    kind = scenario.sweep.kind
    if fmt == "table" and kind != "born_dead":
        (_stable_table if kind == "stably_unactivated" else _targets_table)(list(points), scenario, out)
        return
    if fmt == "table":
        rows = list(points)
        spec = scenario.sweep
        out.write(f"{scenario.name}: share of nets born dead ± standard error "
                  f"({rows[0].trials if rows else 0} trials per cell)\n")
        for init in spec.inits:
            out.write(f"\n{init:<12}" + "".join(f"{'depth ' + str(d):>14}" for d in spec.depths) + "\n")
            for width in spec.widths:
                cells = {p.depth: p for p in rows if p.init == init and p.width == width}
                out.write(f"width {width:<6}" + "".join(
                    f"{cells[d].born_dead_fraction:>8.3f} ±{cells[d].standard_error:.3f}" for d in spec.depths) + "\n")
                if init == "he_zero_bias":
                    out.write((f"{'  bound':<12}" + "".join(f"{cells[d].bound:>8.3f}{'':6}" for d in spec.depths)).rstrip()
                              + "\n")
            near = [p for p in rows if p.init == init and p.near_constant]
            if near:
                out.write("near constant (alive, output varies < 1e-9 relative): " + ", ".join(
                    f"width {p.width} depth {p.depth} {p.near_constant_fraction:.3f}" for p in near) + "\n")
        return
    columns = {"born_dead": SWEEP_COLUMNS, "stably_unactivated": STABLE_COLUMNS, "small_targets": TARGET_COLUMNS}[kind]
    writer = csv.writer(out, lineterminator="\n") if fmt == "csv" else None
    if writer:
        writer.writerow(columns)
    for point in points:
        row = point.to_dict(scenario.name)
        if writer:
            writer.writerow(["" if row[c] is None else row[c] for c in columns])
        else:
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
        out.flush()


def _stable_table(rows: list[StablePoint], scenario: Scenario, out: IO[str]) -> None:
    out.write(f"{scenario.name}: share of second-layer units dead on all of R^n0, against the published value, "
              f"and dead on the data ({rows[0].trials if rows else 0} trials per cell)\n")
    out.write(f"\n{'inputs':>6} {'width':>5} {'everywhere':>16} {'published':>10} {'on the data':>12}\n")
    for p in rows:
        published = "-" if p.published is None else f"{p.published:.4f}"
        out.write(f"{p.inputs:>6} {p.width:>5} {p.everywhere_fraction:>9.4f} ±{p.standard_error:.4f} {published:>10} "
                  f"{p.on_data_fraction:>12.4f}\n")


def _targets_table(rows: list[TargetPoint], scenario: Scenario, out: IO[str]) -> None:
    spec = scenario.sweep
    out.write(f"{scenario.name}: share of units dead after {spec.steps} SGD steps on y = scale * sin(x), "
              f"and of units alive at birth that died ({rows[0].trials if rows else 0} nets per cell)\n")
    out.write(f"\n{'width':>5} {'depth':>5} {'momentum':>8} {'scale':>7} {'at birth':>9} {'dead after':>16} "
              f"{'died':>16}\n")
    for p in rows:
        out.write(f"{p.width:>5} {p.depth:>5} {p.momentum:>8g} {p.scale:>7g} {p.dead_at_birth:>9.3f} "
                  f"{p.dead:>9.3f} ±{p.dead_error:.3f} {p.died:>9.3f} ±{p.died_error:.3f}\n")


class ProgressBar:
    """A one-line progress bar on a terminal (nothing when the stream is not a terminal)."""

    def __init__(self, stream: IO[str], label: str, width: int = 30) -> None:
        self.stream, self.label, self.width = stream, label, width
        self.live = stream.isatty()

    def update(self, done: int, total: int) -> None:
        if self.live:
            filled = round(self.width * done / max(total, 1))
            self.stream.write(f"\r{self.label} {'█' * filled}{'░' * (self.width - filled)} {done}/{total}")
            self.stream.flush()

    def close(self) -> None:
        if self.live:
            self.stream.write("\n")
