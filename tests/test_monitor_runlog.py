"""The run log: round trip, reading a run while it is written or after it was killed, and malformed files."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relu_tui.engine.records import ALIVE, DEAD, SPARSE
from relu_tui.errors import InputError, ScenarioError
from relu_tui.monitor import LayerInfo, LayerStats, NoRunError, RunLogError, RunLogTail, RunMeta, RunRecord, read_run
from relu_tui.monitor.runlog import NO_STATE, PAYLOAD, RECORDS
from relu_tui.monitor.writer import RunWriter

LAYERS = (LayerInfo("relu", "ReLU", True, "unit", 3, "fc"), LayerInfo("conv.1", "GELU", False, "channel", 2, "conv.0"))
META = RunMeta(model="Net", layers=LAYERS, sparse_threshold=0.1, every=1, world_size=1,
               created="2025-01-01T00:00:00+00:00")


def record(step: int, seed: int = 0) -> RunRecord:
    rng = np.random.default_rng(seed + step)
    layers = {}
    for info in META.layers:
        width = info.width
        layers[info.name] = LayerStats(
            inputs=int(rng.integers(0, 1000)),
            active_share=rng.random(width).astype(np.float32),
            state=rng.integers(NO_STATE, 4, width).astype(np.int8),
            grad_norm=np.where(rng.random(width) < 0.2, np.nan, rng.random(width) * 10.0 ** rng.integers(-9, 3))
            .astype(np.float32),
            died_step=np.where(rng.random(width) < 0.5, ALIVE, rng.integers(0, step + 1, width)),
            died_epoch=np.where(rng.random(width) < 0.5, ALIVE, rng.integers(0, 9, width)),
            revived=rng.random(width) < 0.3,
        )
    return RunRecord(step=step, epoch=None if step % 3 == 0 else step // 2,
                     loss=None if step == 2 else float(rng.random()), time=1.7e9 + step, layers=layers)


def write_run(run_dir, records: list[RunRecord]) -> bytes:
    """The run written by a RunWriter; the bytes of its records.jsonl."""
    writer = RunWriter(run_dir)
    writer.start(META)
    for r in records:
        writer.append(r)
    writer.close()
    return (run_dir / RECORDS).read_bytes()


def write_run_records(run_dir, records: list[RunRecord]) -> None:
    with open(run_dir / RECORDS, "ab") as file:
        for r in records:
            file.write(r.to_json())


def assert_same(read: list[RunRecord], written: list[RunRecord]) -> None:
    assert len(read) == len(written)
    for a, b in zip(read, written):
        assert (a.step, a.epoch, a.time) == (b.step, b.epoch, b.time)
        assert (a.loss is None) == (b.loss is None) and np.float32(a.loss or 0) == np.float32(b.loss or 0)
        for name, stats in b.layers.items():
            for field in vars(stats):
                np.testing.assert_array_equal(getattr(a.layers[name], field), getattr(stats, field), err_msg=field)


def test_round_trip(tmp_path):
    written = [record(step) for step in range(1, 6)]
    write_run(tmp_path, written)
    log = read_run(tmp_path)
    assert log.meta == META
    assert_same(log.records, written)
    assert log.steps.tolist() == [1, 2, 3, 4, 5] and log.epochs.tolist() == [0, 1, -1, 2, 2]
    assert np.isnan(log.losses[1]) and log.array("conv.1", "revived").shape == (2, 5)
    assert log.array("relu", "died_step")[:, 4].tolist() == written[4].layers["relu"].died_step.tolist()
    with pytest.raises(KeyError, match=r"no layer 'x' in this run; it has relu, conv\.1"):
        log.array("x")
    with pytest.raises(ValueError, match="no per-unit field 'bias'"):
        log.array("relu", "bias")


def test_the_documented_line(tmp_path):
    stats = LayerStats(inputs=20, active_share=np.array([0, 0.05, 1], np.float32),
                       state=np.array([DEAD, SPARSE, NO_STATE], np.int8),
                       grad_norm=np.array([0, 0.1, np.inf], np.float32),
                       died_step=np.array([4, ALIVE, ALIVE]), died_epoch=np.array([ALIVE, ALIVE, ALIVE]),
                       revived=np.array([False, True, False]))
    line = RunRecord(step=7, epoch=None, loss=0.25, time=1.5, layers={"relu": stats}).to_json()
    assert line == (b'{"step":7,"epoch":null,"loss":0.25,"time":1.5,"layers":{"relu":{"inputs":20,'
                    b'"active_share":[0.0,0.05,1.0],"state":"ds-","grad_norm":[0.0,0.1,null],"dormant":[null,null,null],'
                    b'"died_step":[4,null,null],'
                    b'"died_epoch":[null,null,null],"revived":[0,1,0]}}}\n')


def test_a_run_killed_mid_line(tmp_path):
    """Cut at every byte of the last line: the complete records read, no error; the rest completes it."""
    written = [record(step) for step in range(1, 4)]
    full = write_run(tmp_path, written)
    last = full.rindex(b"\n", 0, len(full) - 1) + 1
    path = tmp_path / RECORDS
    tail = RunLogTail(tmp_path)
    for cut in range(last, len(full)):
        path.write_bytes(full[:cut])
        assert_same(read_run(tmp_path).records, written[:2])
        if cut == last:
            assert_same(tail.poll(), written[:2])
        assert tail.poll() == []
        with open(path, "ab") as file:
            file.write(full[cut:])
        assert_same(read_run(tmp_path).records, written)
    assert_same(tail.poll(), written[2:])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12), n=st.integers(0, 6))
def test_tail_reads_each_record_once_however_the_bytes_arrive(tmp_path_factory, cuts, n):
    run_dir = tmp_path_factory.mktemp("run")
    written = [record(step, seed=n) for step in range(1, n + 1)]
    full = write_run(run_dir, written)
    path = run_dir / RECORDS
    path.write_bytes(b"")
    tail, seen = RunLogTail(run_dir), []
    for cut in sorted({min(c, len(full)) for c in cuts}) + [len(full)]:
        with open(path, "ab") as file:
            file.write(full[path.stat().st_size:cut])
        seen += tail.poll()
        complete = full[:cut].count(b"\n")
        assert len(seen) == complete
    assert_same(seen, written)


def test_a_corrupt_line_is_named_after_the_records_before_it(tmp_path):
    full = write_run(tmp_path, [record(1), record(2), record(3)])
    lines = full.splitlines(keepends=True)
    (tmp_path / RECORDS).write_bytes(lines[0] + b'{"step": 2, "lay\n' + lines[2])
    with pytest.raises(RunLogError, match=r"records\.jsonl:2: not a JSON record") as caught:
        read_run(tmp_path)
    assert isinstance(caught.value, InputError) and not isinstance(caught.value, ScenarioError)
    assert caught.value.line == 2
    tail = RunLogTail(tmp_path)
    assert [r.step for r in tail.poll()] == [1]
    with pytest.raises(RunLogError, match=r"records\.jsonl:2:"):
        tail.poll()


@pytest.mark.parametrize(("change", "problem"), [
    ((b'"inputs":', b'"inputs":-'), "bad inputs"),
    ((b'"state":"', b'"state":"x'), "state is not 3 values"),
    ((b'"relu":', b'"other":'), "its layers are not the ones meta.json lists"),
    ((b'"died_step":[', b'"died_step":["a",'), "died_step is not 3 values"),
    ((b'"step":1', b'"step":"1"'), "bad step '1'"),
])
def test_a_malformed_record_is_named(tmp_path, change, problem):
    line = record(1).to_json().replace(*change, 1)
    write_run(tmp_path, [])
    (tmp_path / RECORDS).write_bytes(record(0).to_json() + b"\n" + line)
    with pytest.raises(RunLogError, match=rf"records\.jsonl:3: .*{problem}"):  # the blank line 2 is skipped
        read_run(tmp_path)


def test_no_run_yet(tmp_path):
    with pytest.raises(NoRunError, match=r"no run here yet: no meta\.json \(a relu_tui\.Monitor writes it"):
        read_run(tmp_path)
    with pytest.raises(NoRunError, match="missing: no such directory"):
        read_run(tmp_path / "missing")
    tail = RunLogTail(tmp_path)
    assert tail.poll() == [] and tail.meta is None
    write_run(tmp_path, [])
    assert tail.poll() == [] and tail.meta == META
    log = read_run(tmp_path)
    assert log.records == [] and log.array("relu").shape == (3, 0) and log.array("relu", "state").dtype == np.int8


def test_malformed_meta_and_a_shrunk_log(tmp_path):
    (tmp_path / "meta.json").write_text('{"format": "relu-tui-run", "version": 99}')
    with pytest.raises(RunLogError, match=r"meta\.json: format version 99 is not one this relu-tui reads"):
        read_run(tmp_path)
    (tmp_path / "meta.json").unlink()
    write_run(tmp_path, [record(1)])
    tail = RunLogTail(tmp_path)
    assert len(tail.poll()) == 1
    (tmp_path / RECORDS).write_bytes(b"")  # truncated: the tail starts over and says so
    assert tail.poll() == [] and tail.generation == 1 and "truncated after 1 lines" in tail.notice
    write_run_records(tmp_path, [record(5)])
    assert [r.step for r in tail.poll()] == [5]


def test_the_writer_never_overwrites_a_run(tmp_path):
    write_run(tmp_path, [record(1)])
    with pytest.raises(FileExistsError):
        write_run(tmp_path, [])
    assert len(read_run(tmp_path).records) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json", "records.bin", "records.jsonl"]  # no temp file


def test_the_binary_form_is_the_text_form_s_numbers(tmp_path):
    written = [record(step) for step in range(1, 4)]
    write_run(tmp_path / "binary", written)
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "meta.json").write_text(META.to_json())
    write_run_records(tmp_path / "text", written)
    assert_same(read_run(tmp_path / "binary").records, read_run(tmp_path / "text").records)
    line = (tmp_path / "binary" / RECORDS).read_bytes().split(b"\n")[1]
    assert b'"payload":[150,150],"layers":{"relu":{"inputs":' in line  # 5 units, 30 bytes each


@pytest.mark.parametrize(("damage", "words"), [
    (lambda run: (run / PAYLOAD).unlink(), "records.bin, which does not exist"),
    (lambda run: (run / PAYLOAD).write_bytes((run / PAYLOAD).read_bytes()[:200]), "which holds only 200"),
    (lambda run: (run / PAYLOAD).write_bytes(b"\x07" * 450), "state holds codes other than -1 to 3"),
    (lambda run: (run / RECORDS).write_bytes((run / RECORDS).read_bytes().replace(b"[0,150]", b"[0,149]")),
     "its payload is said to be 149 bytes; its layers need 150"),
])
def test_a_damaged_payload_is_named(tmp_path, damage, words):
    write_run(tmp_path, [record(step) for step in range(1, 4)])
    damage(tmp_path)
    with pytest.raises(RunLogError, match=r"records\.jsonl:[12]: .*" + words.replace(".", r"\.")):
        read_run(tmp_path)


def test_a_wide_record_round_trips_in_binary(tmp_path):
    """131,072 units, 30 bytes each in records.bin (what it costs is measured by `relu-tui bench --only monitor`)."""
    width = 2**17
    rng = np.random.default_rng(0)
    stats = LayerStats(inputs=64, active_share=rng.random(width).astype(np.float32),
                       state=rng.integers(0, 4, width).astype(np.int8), grad_norm=rng.random(width).astype(np.float32),
                       died_step=np.full(width, ALIVE), died_epoch=np.full(width, ALIVE), revived=np.zeros(width, bool))
    meta = RunMeta(model="Wide", layers=(LayerInfo("relu", "ReLU", True, "unit", width, "fc"),), sparse_threshold=0.1,
                   every=1, world_size=1, created="2025-01-01T00:00:00+00:00")
    writer = RunWriter(tmp_path)
    writer.start(meta)
    for step in range(1, 6):
        writer.append(RunRecord(step=step, epoch=None, loss=None, time=0.0, layers={"relu": stats}))
    writer.close()
    assert (tmp_path / PAYLOAD).stat().st_size == 5 * 30 * width
    np.testing.assert_array_equal(read_run(tmp_path).records[-1].layers["relu"].active_share, stats.active_share)
