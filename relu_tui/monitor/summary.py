"""``relu-tui report RUNDIR``: a monitored run summarised per layer, for CI logs and scripts.

Per layer, at the last record: units by state, dormant units (score <= the run's tau), the layer's
first death (the first record where one of its units was seen dead, and how many), and its rank among
the worst layers (by dead share, then dormant share). The run is read as it streams by, keeping only the
last record, so a long run of wide layers reads in constant memory. Pure NumPy, no PyTorch.
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from relu_tui.engine.records import ACTIVE, DEAD, NEGATIVE, SPARSE
from relu_tui.monitor.errors import NoRunError
from relu_tui.monitor.reader import RunLogTail, read_run
from relu_tui.monitor.runlog import NO_STATE, RunMeta, RunRecord
from relu_tui.visible import visible

WORST = 5  # layers named in the table's "worst layers" line


@dataclass
class LayerSummary:
    layer: str
    activation: str
    kind: str
    width: int
    fed_by: str
    dead: int
    negative: int
    sparse: int
    active: int
    no_input: int
    dormant: int
    dead_share: float
    dormant_share: float
    first_death_step: int | None  # the record where one of its units was first seen dead
    first_death_units: int  # how many died at that record
    worst_rank: int | None = None  # 1 = the worst layer; None for a layer with no dead or dormant unit


@dataclass
class RunSummary:
    meta: RunMeta
    records: int
    last_step: int | None
    layers: list[LayerSummary]


def summarise(run_dir: str | Path) -> RunSummary:
    """Read the whole run (NoRunError if there is none, RunLogError if it is malformed)."""
    tail = RunLogTail(run_dir)
    first: dict[str, tuple[int, int]] = {}
    last: RunRecord | None = None
    count = 0
    while True:
        batch = tail.poll()
        if tail.meta is None:
            read_run(run_dir)  # raises the NoRunError that says what is there instead
            raise NoRunError("no run here yet", source=run_dir)
        if not batch:
            break
        for record in batch:
            count += 1
            last = record
            for name, stats in record.layers.items():
                new = int((stats.died_step == record.step).sum())
                if new and name not in first:
                    first[name] = (record.step, new)
    meta = tail.meta
    layers = [_layer(info, None if last is None else last.layers[info.name], first.get(info.name), meta.dormant_tau)
              for info in meta.layers]
    ranked = sorted((s for s in layers if s.dead or s.dormant), key=lambda s: (-s.dead_share, -s.dormant_share))
    for rank, summary in enumerate(ranked, start=1):
        summary.worst_rank = rank
    return RunSummary(meta, count, None if last is None else last.step, layers)


def _layer(info, stats, first: tuple[int, int] | None, tau: float) -> LayerSummary:
    if stats is None:
        counts = dict.fromkeys((DEAD, NEGATIVE, SPARSE, ACTIVE), 0) | {NO_STATE: info.width}
        dormant = 0
    else:
        counts = {code: int((stats.state == code).sum()) for code in (DEAD, NEGATIVE, SPARSE, ACTIVE, NO_STATE)}
        dormant = int(stats.dormant_units(tau).sum())
    return LayerSummary(
        layer=info.name, activation=info.activation, kind=info.kind, width=info.width, fed_by=info.fed_by,
        dead=counts[DEAD], negative=counts[NEGATIVE], sparse=counts[SPARSE], active=counts[ACTIVE],
        no_input=counts[NO_STATE], dormant=dormant, dead_share=counts[DEAD] / info.width,
        dormant_share=dormant / info.width, first_death_step=None if first is None else first[0],
        first_death_units=0 if first is None else first[1])


def write_table(summary: RunSummary, out: IO[str]) -> None:
    meta = summary.meta
    step = "no record yet" if summary.last_step is None else f"step {summary.last_step}"
    out.write(f"{visible(meta.model)}: {summary.records} records, {step}; dormant: score <= {meta.dormant_tau:g}\n")
    names = [visible(s.layer) for s in summary.layers]
    width = max([5, *map(len, names)])
    out.write(f"{'layer':<{width}}  {'activation':<16} {'units':>7} {'dead':>7} {'neg':>7} {'sparse':>7} "
              f"{'dormant':>7} {'active':>7}  {'first death':>11}  fed by\n")
    for name, s in zip(names, summary.layers):
        death = "-" if s.first_death_step is None else f"{s.first_death_step} ({s.first_death_units})"
        out.write(f"{name:<{width}}  {visible(s.activation)[:16]:<16} {s.width:>7} {s.dead:>7} {s.negative:>7} "
                  f"{s.sparse:>7} {s.dormant:>7} {s.active:>7}  {death:>11}  {visible(s.fed_by) or '(unknown)'}\n")
    worst = sorted((s for s in summary.layers if s.worst_rank), key=lambda s: s.worst_rank)[:WORST]
    shown = ", ".join(f"{visible(s.layer)} ({100 * s.dead_share:.1f}% dead, {100 * s.dormant_share:.1f}% dormant)"
                      for s in worst)
    out.write(f"worst layers: {shown or 'none: no dead or dormant unit'}\n")
    deaths = sorted((s for s in summary.layers if s.first_death_step is not None), key=lambda s: s.first_death_step)
    shown = ", ".join(f"{visible(s.layer)} at step {s.first_death_step}" for s in deaths[:WORST])
    out.write(f"first deaths: {shown or 'none'}\n")


def write_jsonl(summary: RunSummary, out: IO[str]) -> None:
    for s in summary.layers:
        out.write(json.dumps({"model": summary.meta.model, "step": summary.last_step, **asdict(s)},
                             separators=(",", ":")) + "\n")


def write_csv(summary: RunSummary, out: IO[str]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    fields = list(LayerSummary.__dataclass_fields__)
    writer.writerow(["model", "step", *fields])
    for s in summary.layers:
        writer.writerow([summary.meta.model, summary.last_step,
                         *("" if v is None else v for v in asdict(s).values())])


WRITERS = {"table": write_table, "jsonl": write_jsonl, "csv": write_csv}
