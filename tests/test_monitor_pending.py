"""Records evaluated and written in batches: the same numbers as one record at a time (and as a rule written
out by hand), on disk within the flush interval, during a pause, when read, at close and at exit without a
close."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import torch
from torch import nn

from relu_tui.engine.records import ALIVE, DEAD
from relu_tui.monitor import Monitor, read_run
from relu_tui.monitor import pending as pending_module
from relu_tui.monitor.pending import FLUSH_SECONDS, PendingRecords, Site
from relu_tui.monitor.runlog import NO_STATE, LayerInfo, RunMeta
from relu_tui.monitor.writer import RunWriter

SITES = [Site("a", 5, True), Site("b", 3, True), Site("c", 4, False)]
FIELDS = ("active_share", "state", "grad_norm", "dormant", "died_step", "died_epoch", "revived")


def counts(seed: int, records: int, unseen: tuple[int, ...] = ()) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Per record: fired and |activation| sums, gradient norms, inputs per site. Units die and come back
    (fired 0 on a coin flip, or for a run of records), and the records ``unseen`` see no input at site "b"
    (its units have no state)."""
    rng = np.random.default_rng(seed)
    units = sum(site.width for site in SITES)
    out = []
    for index in range(records):
        inputs = np.array([10, 0 if index in unseen else 10, 10])
        flip = 0.3 if index % 7 < 3 else 0.0  # runs of records where the dead set does not change
        fired = np.where(rng.random(units) < flip, 0, rng.integers(1, 11, units)).astype(float)
        if index % 7 >= 3:
            fired[[0, 6, 9]] = 0
        fired[5:8] *= inputs[1] > 0
        size = fired * rng.random(units)
        out.append((np.stack([fired, size]), rng.random(units).astype(np.float32), inputs))
    return out


def queue(tmp_path, name: str, clock=lambda: 0.0) -> PendingRecords:
    writer = RunWriter(tmp_path / name)
    writer.start(RunMeta("m", tuple(LayerInfo(s.name, "ReLU", s.can_die, "unit", s.width, "") for s in SITES),
                         0.2, 1, 1, "2026-12-01T00:00:00+00:00"))
    return PendingRecords(SITES, 0.2, 0.1, writer, clock=clock)


def take(pending: PendingRecords, step: int, data) -> object:
    with pending.lock:
        slot = pending.slot()
        for into, value in zip(slot, data):
            into[...] = value
        return pending.add(step, step // 3, 0.5)


@pytest.mark.parametrize("seed", range(4))
def test_a_batch_gives_what_one_record_at_a_time_gives_and_the_rule_by_hand(tmp_path, seed):
    data = counts(seed, 40, unseen=(9, 10, 23))
    batched, single = queue(tmp_path, "batched"), queue(tmp_path, "single")
    records = []
    for step, d in enumerate(data, 1):
        records.append(take(batched, step, d))
        if step in (4, 8, 13, 20, 30):  # batches with and without unseen records, after the first one
            batched.flush()
    alone = []
    for step, d in enumerate(data, 1):
        alone.append(take(single, step, d))
        single.flush()
    batched.flush()
    on_disk = read_run(tmp_path / "batched").records
    assert len(on_disk) == 40
    for record, other, read in zip(records, alone, on_disk):
        for site in SITES:
            for field in FIELDS:
                for a, b in ((record, other), (record, read)):
                    np.testing.assert_array_equal(getattr(a.layers[site.name], field), getattr(b.layers[site.name], field))
    # The death rule by hand, unit by unit: a unit's death began at the first record of its current run of
    # dead records (records where it has no state do not break the run); it revived if it was dead at a record
    # and alive (not dead, with a state) at a later one.
    states = np.array([np.concatenate([r.layers[s.name].state for s in SITES]) for r in records])
    assert (states == DEAD).any() and (states == NO_STATE).any()
    for unit in range(states.shape[1]):
        began, was_dead, revived = ALIVE, False, False
        for row, record in enumerate(records):
            state = states[row, unit]
            if state == DEAD and began == ALIVE:
                began = record.step
            elif state not in (DEAD, NO_STATE):
                revived |= began != ALIVE or was_dead
                began = ALIVE
            was_dead = began != ALIVE
            site, index = _site_of(unit)
            stats = record.layers[site]
            assert (stats.died_step[index], stats.revived[index]) == (began, revived), (unit, row)
            assert stats.died_epoch[index] == (ALIVE if began == ALIVE else (began // 3))


def test_a_dead_unit_that_sees_no_input_then_fires_comes_back_within_a_batch(tmp_path):
    """Dead at record 1, no input at record 2 (it keeps its death), firing at record 3 with nothing else
    changed: revived, though records 2 and 3 have the same dead set."""
    units = sum(site.width for site in SITES)
    fired = np.full(units, 4.0)
    dead = fired.copy()
    dead[6] = 0  # site "b"'s second unit
    norms = np.ones(units, dtype=np.float32)
    pending = queue(tmp_path, "run")
    take(pending, 1, (np.stack([dead, dead]), norms, np.array([10, 10, 10])))
    pending.flush()
    unseen = take(pending, 2, (np.stack([dead, dead]), norms, np.array([10, 0, 10])))
    back = take(pending, 3, (np.stack([fired, fired]), norms, np.array([10, 10, 10])))
    pending.flush()
    assert unseen.layers["b"].state[1] == NO_STATE and unseen.layers["b"].died_step[1] == 1
    assert back.layers["b"].died_step[1] == ALIVE and back.layers["b"].revived[1]
    pending.close()


def _site_of(unit: int) -> tuple[str, int]:
    for site in SITES:
        if unit < site.width:
            return site.name, unit
        unit -= site.width
    raise IndexError(unit)


def test_records_reach_the_disk_within_the_flush_interval_when_read_and_at_flush(tmp_path):
    now = [0.0]
    pending = queue(tmp_path, "run", clock=lambda: now[0])
    data = counts(0, 6)
    take(pending, 1, data[0])
    take(pending, 2, data[1])
    assert not (tmp_path / "run" / "records.jsonl").read_bytes()  # batched: nothing written yet
    now[0] = FLUSH_SECONDS
    take(pending, 3, data[2])  # the interval is up: this record's step writes all three
    assert len(read_run(tmp_path / "run").records) == 3
    fourth = take(pending, 4, data[3])
    assert len(read_run(tmp_path / "run").records) == 3
    assert fourth.layers["a"].inputs == 10  # reading a record works it out, and writes it
    assert len(read_run(tmp_path / "run").records) == 4
    take(pending, 5, data[4])
    pending.flush()
    assert [r.step for r in read_run(tmp_path / "run").records] == [1, 2, 3, 4, 5]
    pending.close()


def test_a_full_batch_is_written_at_once(tmp_path, monkeypatch):
    monkeypatch.setattr(pending_module, "BATCH_UNITS", 3 * sum(site.width for site in SITES))
    pending = queue(tmp_path, "run")
    assert pending.capacity == 3
    for step, d in enumerate(counts(1, 3), 1):
        take(pending, step, d)
    assert len(read_run(tmp_path / "run").records) == 3
    pending.close()


def model_and_data() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)), torch.randn(16, 4)


def step(model, monitor, x) -> None:
    model.zero_grad()
    model(x).square().mean().backward()
    monitor.step()


def test_records_made_before_a_pause_are_written_during_it(tmp_path):
    model, x = model_and_data()
    monitor = Monitor(model, tmp_path / "run")
    for _ in range(3):
        step(model, monitor, x)
    deadline = time.monotonic() + 10 * FLUSH_SECONDS
    while len(read_run(tmp_path / "run").records) < 3:  # the training loop does nothing: the flusher writes
        assert time.monotonic() < deadline, "records waited more than 10 flush intervals"
        time.sleep(0.05)
    monitor.close()
    assert len(read_run(tmp_path / "run").records) == 3


def test_an_unclosed_monitor_writes_its_records_at_exit(tmp_path):
    script = ("import torch; from torch import nn; from relu_tui.monitor import Monitor\n"
              "m = nn.Sequential(nn.Linear(4, 8), nn.ReLU()); x = torch.randn(16, 4)\n"
              f"mon = Monitor(m, {str(tmp_path / 'run')!r})\n"
              "for _ in range(3):\n    m(x).sum().backward(); mon.step()\n")  # and exit at once, no close()
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)
    assert [r.step for r in read_run(tmp_path / "run").records] == [1, 2, 3]
    assert not (tmp_path / "run" / "closed.json").exists()  # not closed: not marked finished


def test_a_write_error_in_the_flusher_is_raised_at_the_next_step(tmp_path, monkeypatch):
    model, x = model_and_data()
    monitor = Monitor(model, tmp_path / "run")
    step(model, monitor, x)

    def full(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(RunWriter, "append_batch", full)
    deadline = time.monotonic() + 10 * FLUSH_SECONDS
    while monitor._pending._failed is None:
        assert time.monotonic() < deadline, "the flusher never tried to write"
        time.sleep(0.05)
    with pytest.raises(OSError, match="No space left"):
        step(model, monitor, x)
    monkeypatch.undo()
    monitor.close()
