"""Hostile run logs: each ends in records read cleanly or one RunLogError line naming the file (and line),
in bounded time, with no control character, through read_run, RunLogTail.poll, the watch app and the CLI."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from relu_tui.monitor import RunLogError, RunLogTail, read_run
from relu_tui.monitor.reader import MAX_LINE_BYTES, MAX_META_BYTES
from relu_tui.monitor.runlog import META as META_NAME
from relu_tui.monitor.runlog import RECORDS

from .test_monitor_runlog import META, record, write_run

BOUND = 5.0  # seconds: any read of any input ends well within this
ESC = "\x1b"


def meta_dict() -> dict:
    return json.loads(META.to_json())


def record_dict(step: int = 1) -> dict:
    return json.loads(record(step).to_json())


def run_with(tmp: Path, *, meta: bytes | dict | None = None, lines: list[bytes | dict] | None = None,
             raw: bytes | None = None) -> Path:
    """A run directory: the good run with its meta.json and/or records.jsonl replaced."""
    write_run(tmp, [record(1), record(2)])
    if meta is not None:
        (tmp / META_NAME).write_bytes(json.dumps(meta).encode() if isinstance(meta, dict) else meta)
    if lines is not None:
        raw = b"".join((json.dumps(x).encode() + b"\n") if isinstance(x, dict) else x for x in lines)
    if raw is not None:
        (tmp / RECORDS).write_bytes(raw)
    return tmp


def changed(where: str, path: tuple, value) -> dict:
    """The good meta (``where="meta"``) or first record with one value at ``path`` replaced (or removed)."""
    data = meta_dict() if where == "meta" else record_dict()
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is _REMOVE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


_REMOVE = object()
L = "relu"  # the first layer of the good run (width 3)


def _bad_record(path, value):
    return lambda tmp: run_with(tmp, lines=[record_dict(0), changed("record", path, value)])


def _bad_meta(path, value):
    return lambda tmp: run_with(tmp, meta=changed("meta", path, value))


def _replace(name: str, make):
    def build(tmp: Path) -> Path:
        run_with(tmp)
        (tmp / name).unlink()
        make(tmp / name)
        return tmp
    return build


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def _sparse(size: int):
    def make(path: Path) -> None:
        with open(path, "wb") as file:
            file.truncate(size)
    return make


# name -> (build, expected): expected is a number of records read cleanly, or (file, line, words) of the error.
CASES = {
    "layer name a number": (_bad_meta(("layers", 0, "name"), 5), (META_NAME, None, "layers[0].name = 5")),
    "layer name a list": (_bad_meta(("layers", 1, "name"), ["a"]), (META_NAME, None, "expected a string")),
    "layer width a string": (_bad_meta(("layers", 0, "width"), "3"), (META_NAME, None, "layers[0].width")),
    "layer width true": (_bad_meta(("layers", 0, "width"), True), (META_NAME, None, "layers[0].width")),
    "layer width 10**30": (_bad_meta(("layers", 0, "width"), 10**30), (META_NAME, None, "about 31 digits")),
    "layer can_die a string": (_bad_meta(("layers", 0, "can_die"), "yes"), (META_NAME, None, "can_die")),
    "layer extra key": (_bad_meta(("layers", 0, "colour"), "red"), (META_NAME, None, "keys name")),
    "layers not a list": (_bad_meta(("layers",), {"a": 1}), (META_NAME, None, "layers = {'a': 1}")),
    "meta model missing": (_bad_meta(("model",), _REMOVE), (META_NAME, None, "no 'model'")),
    "meta every 1e400": (lambda tmp: run_with(tmp, meta=META.to_json().replace('"every": 1', '"every": 1e400')
                                              .encode()), (META_NAME, None, "every = inf")),
    "meta threshold NaN": (lambda tmp: run_with(tmp, meta=META.to_json().replace("0.1", "NaN").encode()),
                           (META_NAME, None, "sparse_threshold = nan")),
    "meta version 99": (_bad_meta(("version",), 99), (META_NAME, None, "format version 99")),
    "meta garbage": (lambda tmp: run_with(tmp, meta=b"\x00\xff garbage"), (META_NAME, None, "not valid JSON")),
    "meta UTF-16": (lambda tmp: run_with(tmp, meta=META.to_json().encode("utf-16")), 2),  # JSON allows it
    "meta with a BOM": (lambda tmp: run_with(tmp, meta=b"\xef\xbb\xbf" + META.to_json().encode()), 2),
    "meta nested 100000 deep": (lambda tmp: run_with(tmp, meta=_nested(100_000)), (META_NAME, None, "nested")),
    "meta 5000-digit integer": (lambda tmp: run_with(tmp, meta=META.to_json().replace('"every": 1', '"every": '
                                                     + "9" * 5000).encode()), (META_NAME, None, "not valid JSON")),
    "meta duplicate layer": (lambda tmp: run_with(tmp, meta=changed("meta", ("layers", 1, "name"), "relu")),
                             (META_NAME, None, "share a name")),
    "meta a directory": (_replace(META_NAME, Path.mkdir), (META_NAME, None, "is a directory")),
    "meta a FIFO": (_replace(META_NAME, os.mkfifo), (META_NAME, None, "FIFO")),
    "meta a symlink loop": (_replace(META_NAME, lambda p: p.symlink_to(p)), (META_NAME, None, "symbolic links")),
    "meta over the size cap": (_replace(META_NAME, _sparse(MAX_META_BYTES + 1)), (META_NAME, None, "larger than")),
    "records a directory": (_replace(RECORDS, Path.mkdir), (RECORDS, None, "is a directory")),
    "records a FIFO": (_replace(RECORDS, os.mkfifo), (RECORDS, None, "FIFO")),
    "records a symlink loop": (_replace(RECORDS, lambda p: p.symlink_to(p)), (RECORDS, None, "symbolic links")),
    "records /dev/zero": (_replace(RECORDS, lambda p: p.symlink_to("/dev/zero")), (RECORDS, None, "device")),
    "records /dev/stdin": (_replace(RECORDS, lambda p: p.symlink_to("/dev/stdin")), (RECORDS, None, "")),
    "records empty": (lambda tmp: run_with(tmp, raw=b""), 0),
    "records only empty lines": (lambda tmp: run_with(tmp, raw=b"\n\n  \n\r\n"), 0),
    "records with a BOM": (lambda tmp: run_with(tmp, raw=b"\xef\xbb\xbf" + record(1).to_json()), 1),
    "records binary garbage": (lambda tmp: run_with(tmp, raw=os.urandom(4000).replace(b"\n", b"") + b"\n"),
                               (RECORDS, 1, "not a JSON record")),
    "records a 10 MB line": (lambda tmp: run_with(tmp, raw=b'{"step": "' + b"x" * 10_000_000 + b'"}\n'),
                             (RECORDS, 1, "bad step 'xxx")),
    "records a 10 MB partial line": (lambda tmp: run_with(tmp, raw=record(1).to_json() + b"[" * 10_000_000), 1),
    "records a line over the cap": (lambda tmp: run_with(tmp, raw=b"", meta=None) and _sparse_records(tmp),
                                    (RECORDS, 1, "no line end")),
    "records nested 100000 deep": (lambda tmp: run_with(tmp, raw=_nested(100_000) + b"\n"),
                                   (RECORDS, 1, "nested too deeply")),
    "step 10**30": (_bad_record(("step",), 10**30), (RECORDS, 2, "bad step an integer of about 31 digits")),
    "step 1e400": (lambda tmp: run_with(tmp, raw=record(1).to_json().replace(b'"step":1', b'"step":1e400')),
                   (RECORDS, 1, "bad step inf")),
    "step negative": (_bad_record(("step",), -1), (RECORDS, 2, "bad step -1")),
    "step true": (_bad_record(("step",), True), (RECORDS, 2, "bad step True")),
    "epoch 10**30": (_bad_record(("epoch",), 10**30), (RECORDS, 2, "bad epoch")),
    "loss 1e400": (lambda tmp: run_with(tmp, raw=record(1).to_json().replace(b'"loss":', b'"loss":1e400,"x":')),
                   (RECORDS, 1, "bad loss inf")),
    "loss NaN": (lambda tmp: run_with(tmp, raw=record(1).to_json().replace(b'"loss":', b'"loss":NaN,"x":')),
                 (RECORDS, 1, "bad loss nan")),
    "loss a string": (_bad_record(("loss",), "low"), (RECORDS, 2, "bad loss 'low'")),
    "time missing": (_bad_record(("time",), _REMOVE), (RECORDS, 2, "bad time None")),
    "time Infinity": (lambda tmp: run_with(tmp, raw=record(1).to_json().replace(b'"time":', b'"time":Infinity,"x":')),
                      (RECORDS, 1, "bad time inf")),
    "record a list": (lambda tmp: run_with(tmp, raw=b"[1, 2]\n"), (RECORDS, 1, "not a JSON object")),
    "layers missing": (_bad_record(("layers",), _REMOVE), (RECORDS, 2, "not the ones meta.json lists")),
    "layer not an object": (_bad_record(("layers", L), [1]), (RECORDS, 2, "is not an object")),
    "inputs missing": (_bad_record(("layers", L, "inputs"), _REMOVE), (RECORDS, 2, "bad inputs None")),
    "inputs 10**30": (_bad_record(("layers", L, "inputs"), 10**30), (RECORDS, 2, "bad inputs")),
    "inputs a float": (_bad_record(("layers", L, "inputs"), 2.5), (RECORDS, 2, "bad inputs 2.5")),
    "active_share strings": (_bad_record(("layers", L, "active_share"), ["1", "2", "3"]),
                             (RECORDS, 2, "active_share holds values other than numbers")),
    "active_share nested": (_bad_record(("layers", L, "active_share"), [[1], [2], [3]]),
                            (RECORDS, 2, "active_share holds")),
    "active_share NaN": (lambda tmp: run_with(tmp, raw=_first_unit(b"active_share", b"NaN")), 1),
    "active_share 1e400": (lambda tmp: run_with(tmp, raw=_first_unit(b"active_share", b"1e400")), 1),
    "grad_norm a string": (_bad_record(("layers", L, "grad_norm"), "abc"), (RECORDS, 2, "grad_norm holds")),
    "state a list": (_bad_record(("layers", L, "state"), ["d", "d", "d"]), (RECORDS, 2, "state holds")),
    "state too short": (_bad_record(("layers", L, "state"), "d"), (RECORDS, 2, "state is not 3 values")),
    "died_step 1e400": (lambda tmp: run_with(tmp, raw=_first_unit(b"died_step", b"1e400")),
                        (RECORDS, 1, "died_step holds values other than whole numbers")),
    "died_step 10**30": (_bad_record(("layers", L, "died_step"), [10**30, None, None]),
                         (RECORDS, 2, "outside 0 to 2**63")),
    "died_step 10**400": (_bad_record(("layers", L, "died_step"), [10**400, None, None]),
                          (RECORDS, 2, "out of range")),
    "died_epoch negative": (_bad_record(("layers", L, "died_epoch"), [-5, None, None]), (RECORDS, 2, "outside")),
    "revived 2": (_bad_record(("layers", L, "revived"), [2, 0, 0]), (RECORDS, 2, "revived holds")),
    "revived 10**30": (_bad_record(("layers", L, "revived"), [10**30, 0, 0]), (RECORDS, 2, "revived holds")),
    "a layer name with escapes": (lambda tmp: run_with(tmp, meta=changed("meta", ("layers", 0, "name"),
                                                                         "\x1b]0;pwn\x07\x1b[2J"), raw=b""), 0),
    "escapes in a bad record's layer": (lambda tmp: _escaped_layer_bad_record(tmp), (RECORDS, 1, "\\x1b")),
}


def _first_unit(key: bytes, value: bytes) -> bytes:
    line = record(1).to_json()
    start = line.index(b'"' + key + b'":[') + len(key) + 4
    end = line.index(b",", start)
    return line[:start] + value + line[end:]


def _sparse_records(tmp: Path) -> Path:
    with open(tmp / RECORDS, "wb") as file:
        file.truncate(MAX_LINE_BYTES + 2)  # sparse: nothing on disk, no line end in it
    return tmp


def _escaped_layer_bad_record(tmp: Path) -> Path:
    meta = changed("meta", ("layers", 0, "name"), "\x1b[31mred")
    line = record(1).to_json().replace(b'"relu":', json.dumps("\x1b[31mred").encode() + b":", 1)
    return run_with(tmp, meta=meta, raw=line.replace(b'"inputs":', b'"inputs":-', 1))


def bounded(call):
    """``call()``'s result or exception, failing the test if it takes longer than BOUND seconds."""
    outcome: list = []

    def target():
        try:
            outcome.append(("ok", call()))
        except BaseException as exc:
            outcome.append(("raised", exc))

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert outcome, f"did not return within {BOUND} s"
    return outcome[0]


def check_error(exc: BaseException, expected: tuple) -> None:
    name, line, words = expected
    assert isinstance(exc, RunLogError), f"{type(exc).__name__}: {exc}"
    message = str(exc)
    where = f"{name}:{line}:" if line is not None else f"{name}:"
    assert where in message and words in message, message
    assert "\n" not in message and ESC not in message and len(message) < 400, message


@pytest.mark.parametrize("case", list(CASES))
def test_read_run_reads_cleanly_or_names_the_file_and_line(tmp_path, case):
    build, expected = CASES[case]
    run = build(tmp_path)
    kind, value = bounded(lambda: read_run(run))
    if isinstance(expected, int):
        assert kind == "ok", f"{type(value).__name__}: {value}"
        assert len(value.records) == expected
        value.steps, value.epochs, value.losses  # noqa: B018 - the arrays build without overflow
    else:
        assert kind == "raised"
        check_error(value, expected)


@pytest.mark.parametrize("case", list(CASES))
def test_poll_never_blocks_and_repeats_its_error_without_reading_again(tmp_path, case):
    build, expected = CASES[case]
    tail = RunLogTail(build(tmp_path))
    outcomes = [bounded(tail.poll) for _ in range(3)]
    for kind, value in outcomes:
        if kind == "raised":
            check_error(value, expected)
    if not isinstance(expected, int):
        assert outcomes[-1][0] == "raised"  # a record before the bad line may come first, never after


def test_an_unreadable_file_is_named(tmp_path, monkeypatch):
    """Permissions 000 do not stop root (the tests' user), so the refusal is the OS's answer, simulated."""
    run = run_with(tmp_path)
    real_open = os.open

    def refuse(path, *args, **kwargs):
        if Path(path).name == RECORDS:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    with pytest.raises(RunLogError, match=r"records\.jsonl: cannot be read: Permission denied"):
        read_run(run)


def test_a_run_dir_that_is_a_file_or_missing_says_so(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(RunLogError, match="file: not a directory"):
        read_run(tmp_path / "file")
    with pytest.raises(RunLogError, match="missing: no such directory"):
        read_run(tmp_path / "missing")


def test_a_records_file_replaced_by_another_with_the_same_line_lengths_is_read_again(tmp_path):
    run = run_with(tmp_path)
    tail = RunLogTail(run)
    assert [r.step for r in tail.poll()] == [1, 2]
    first = (run / RECORDS).read_bytes()
    other = first.replace(b'"time":17', b'"time":18') + record(3).to_json()  # another run, written in place
    assert [len(line) for line in other.splitlines()[:2]] == [len(line) for line in first.splitlines()]
    with open(run / RECORDS, "r+b") as file:  # same inode, same first line length
        file.write(other)
    steps = [r.step for r in tail.poll()]
    assert steps == [1, 2, 3] and tail.generation == 1 and "replaced or truncated after 2 lines" in tail.notice


def test_a_records_file_swapped_for_a_new_one_is_read_again(tmp_path):
    run = run_with(tmp_path)
    tail = RunLogTail(run)
    assert len(tail.poll()) == 2
    (run / "new").write_bytes(record(9).to_json())
    os.replace(run / "new", run / RECORDS)
    assert [r.step for r in tail.poll()] == [9] and tail.generation == 1


def test_a_deleted_run_directory_is_said_as_such_and_a_new_run_there_is_followed(tmp_path):
    run = run_with(tmp_path / "run")
    tail = RunLogTail(run)
    assert len(tail.poll()) == 2
    for path in run.iterdir():
        path.unlink()
    run.rmdir()
    assert tail.poll() == [] and tail.meta is None and tail.notice == f"the run directory {run} was deleted"
    write_run(run, [record(4)])
    assert [r.step for r in tail.poll()] == [4] and tail.generation == 1


def test_a_partial_last_line_is_not_read_again_while_it_grows(tmp_path, monkeypatch):
    """Only the bytes after what a poll already scanned are read, until the line ends."""
    from relu_tui.monitor import reader

    run = run_with(tmp_path, raw=record(1).to_json() + b"[" * 1_000_000)
    reads: list[int] = []
    real = reader._read_regular
    monkeypatch.setattr(reader, "_read_regular", lambda path, offset, size: reads.append(size) or real(path, offset, size))
    tail = RunLogTail(run)
    assert len(tail.poll()) == 1
    reads.clear()
    for _ in range(3):
        assert tail.poll() == []
    assert sum(reads) <= 3 * 4096  # the first bytes, checked for a replacement; never the megabyte again
    with open(run / RECORDS, "ab") as file:
        file.write(b"x" * 10)
    reads.clear()
    assert tail.poll() == [] and 10 in reads and max(reads) <= 4096


# -- relu-tui watch on hostile logs: the status names the problem, the app keeps running, q quits ------------
WATCHED = {
    "records a FIFO": "records.jsonl: is a FIFO (named pipe), not a regular file",
    "records a directory": "records.jsonl: is a directory",
    "meta garbage": "meta.json: not valid JSON",
    "meta version 99": "meta.json: format version 99 is not one this relu-tui reads",
    "step 10**30": "records.jsonl:2: bad step an integer of about 31 digits",
    "records nested 100000 deep": "records.jsonl:1: not a JSON record (nested too deeply)",
    "escapes in a bad record's layer": "records.jsonl:1: layer '\\x1b[31mred': bad inputs",
}


def _screen_text(app) -> str:
    from relu_tui.app.widgets.lines import TextPanel

    return "\n".join(panel.text.plain for panel in app.query(TextPanel))


@pytest.mark.parametrize("case", list(WATCHED))
def test_watch_names_the_problem_keeps_running_and_quits_on_q(tmp_path, case):
    import asyncio

    from relu_tui.app.watch import WatchApp

    run = CASES[case][0](tmp_path)

    async def scenario() -> None:
        app = WatchApp(run, poll_seconds=0.05)
        async with app.run_test(size=(120, 40)) as pilot:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + BOUND
            while WATCHED[case] not in _screen_text(app):
                assert loop.time() < deadline, _screen_text(app)
                await pilot.pause(0.05)
            assert "reading again every" in _screen_text(app) and ESC not in _screen_text(app)
            await pilot.pause(0.2)  # polls again and again: still running, still saying it
            assert app.is_running and WATCHED[case] in _screen_text(app)
            await pilot.press("q")
            await pilot.pause(0.1)
            assert not app.is_running
    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_watch_shows_a_layer_name_with_escapes_made_visible(tmp_path):
    import asyncio

    from relu_tui.app.watch import WatchApp

    write_run(tmp_path, [])
    meta = changed("meta", ("layers", 0, "name"), "\x1b]0;pwn\x07")
    meta["model"] = "Net\x1b[2J"
    (tmp_path / META_NAME).write_text(json.dumps(meta))
    line = record(1).to_json().replace(b'"relu":', json.dumps("\x1b]0;pwn\x07").encode() + b":", 1)
    (tmp_path / RECORDS).write_bytes(line)

    async def scenario() -> None:
        app = WatchApp(tmp_path, poll_seconds=0.05)
        async with app.run_test(size=(120, 40)) as pilot:
            while app.view is None:
                await pilot.pause(0.05)
            text = _screen_text(app)
            assert "\\x1b]0;pwn\\x07" in text and "Net\\x1b[2J" in text and ESC not in text and "\x07" not in text
    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_watch_says_a_log_was_truncated_or_its_run_deleted_and_follows_what_comes_next(tmp_path):
    import asyncio

    from relu_tui.app.watch import WatchApp

    run = run_with(tmp_path / "run")

    async def until(pilot, condition) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BOUND
        while not condition():
            assert loop.time() < deadline, _screen_text(pilot.app)
            await pilot.pause(0.05)

    async def scenario() -> None:
        app = WatchApp(run, poll_seconds=0.05)
        async with app.run_test(size=(120, 40)) as pilot:
            await until(pilot, lambda: app.view is not None and app.view.n_records == 2)
            (run / RECORDS).write_bytes(record(7).to_json())  # truncated and rewritten in place
            await until(pilot, lambda: "replaced or truncated after 2 lines" in _screen_text(app))
            await until(pilot, lambda: app.view.n_records == 1 and app.view.last.step == 7)
            for path in run.iterdir():
                path.unlink()
            run.rmdir()
            await until(pilot, lambda: f"the run directory {run} was deleted" in _screen_text(app))
            assert app.is_running
    asyncio.run(asyncio.wait_for(scenario(), 30))


def test_the_watch_command_on_a_fifo_log_quits_on_q_in_a_real_terminal(tmp_path):
    import pty
    import select
    import subprocess
    import sys
    import time

    run = CASES["records a FIFO"][0](tmp_path)
    leader, follower = pty.openpty()
    os.set_blocking(leader, False)
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    process = subprocess.Popen([sys.executable, "-m", "relu_tui", "watch", str(run)], stdin=follower,
                               stdout=follower, stderr=follower, env=env, close_fds=True, start_new_session=True)
    os.close(follower)
    seen, deadline = b"", time.monotonic() + 60

    def drain() -> bytes:  # the app blocks on a full terminal: keep reading what it draws
        if select.select([leader], [], [], 0.2)[0]:
            try:
                return os.read(leader, 65536)
            except OSError:  # the app closed the terminal
                pass
        return b""

    try:
        while b"FIFO" not in seen:
            assert time.monotonic() < deadline and process.poll() is None, seen[-2000:]
            seen += drain()
        os.write(leader, b"q")
        while process.poll() is None:
            assert time.monotonic() < deadline, "q did not quit"
            drain()
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)


@pytest.mark.parametrize(("make", "words"), [
    (lambda p: p.symlink_to(p), "Too many levels of symbolic links"),
    (os.mkfifo, "is not a directory"),
    (lambda p: p.write_text("x"), "is a file"),
])
def test_the_watch_command_on_a_bad_path_exits_2_with_one_line(tmp_path, capsys, make, words):
    from relu_tui.cli import main

    path = tmp_path / "run\x1b[2J"
    make(path)
    assert bounded(lambda: main(["watch", str(path)])) == ("ok", 2)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err and "run\\x1b[2J" in err and ESC not in err


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
    | st.sampled_from([2**63, 2**63 - 1, -1, 0, 1]) | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from([1e308, -1e308, 3.4028235e38, 3.5e38, 1e-45]) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8)


def _paths(data, prefix=()):
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _paths(value, (*prefix, index))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(where=st.sampled_from(["meta", "record"]), pick=st.integers(0, 10**6), value=JSON_VALUES)
def test_any_value_anywhere_reads_cleanly_or_is_one_run_log_error(tmp_path_factory, where, pick, value):
    run = tmp_path_factory.mktemp("run")
    data = meta_dict() if where == "meta" else record_dict()
    paths = list(_paths(data))[1:]
    path = paths[pick % len(paths)]
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    text = json.dumps(data).encode()
    if where == "meta":
        run_with(run, meta=text)
    else:
        run_with(run, raw=text + b"\n")
    try:
        log = read_run(run)
    except RunLogError as exc:
        assert "\n" not in str(exc) and ESC not in str(exc) and len(str(exc)) < 400
    else:
        log.steps, log.epochs, log.losses  # noqa: B018 - the arrays build
        for info in log.meta.layers:
            assert log.array(info.name).shape == (info.width, len(log.records))
