"""`relu-tui watch`: the app on a run log written by a Monitor, while it is written, cut short or absent."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import torch
from torch import nn

from relu_tui.app import watch as app_watch
from relu_tui.app.watch import Followed, RunFollower, RunHeatmap, WatchApp
from relu_tui.app.widgets.lines import TextPanel
from relu_tui.cli import main
from relu_tui.engine.records import DEAD
from relu_tui.monitor import Monitor
from relu_tui.monitor.reader import RunLogTail
from relu_tui.monitor.runlog import RECORDS

from .app_helpers import sync

SIZE = (120, 40)


def model_and_data() -> tuple[nn.Module, torch.Tensor]:
    """Four hidden ReLU units on positive inputs; units 0 and 1 have all-negative weights (dead)."""
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 1))
    with torch.no_grad():
        model[0].weight[:2] = -model[0].weight[:2].abs() - 0.1
        model[0].bias.fill_(0.0)
    return model, torch.rand(32, 3)


def train(model: nn.Module, monitor: Monitor, x: torch.Tensor, steps: int) -> None:
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = (model(x) - 1).square().mean()
        loss.backward()
        optimizer.step()
        monitor.step(loss)


def recorded_run(tmp_path, steps: int):
    """A finished run of ``steps`` records; its directory and records file."""
    run = tmp_path / "run"
    model, x = model_and_data()
    with Monitor(model, run) as monitor:
        train(model, monitor, x, steps)
    return run, run / RECORDS


async def until(pilot, condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        assert loop.time() < deadline, "the watch app did not update"
        await pilot.pause(0.05)


def status(app: WatchApp) -> str:
    return app.query_one("#status", TextPanel).text.plain


@sync
async def test_an_empty_directory_says_there_is_no_run_yet_then_follows_the_run_as_it_is_written(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    app = WatchApp(run, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "no run here yet" in status(app))
        assert "meta.json" in status(app) and "Monitor" in status(app)
        model, x = model_and_data()
        monitor = Monitor(model, run)
        train(model, monitor, x, 3)
        await until(pilot, lambda: app.view is not None and app.view.n_records == 3)
        assert "2 dead" in status(app) and "3 records" in status(app) and "step 3" in status(app)
        layer = app.view.record.layers[0]
        assert layer.state[:2].tolist() == [DEAD, DEAD] and layer.grad_norm[:2].tolist() == [0.0, 0.0]
        train(model, monitor, x, 4)  # the run goes on while the app watches
        await until(pilot, lambda: app.view.n_records == 7)
        assert "step 7" in status(app)
        heatmap = app.query_one(RunHeatmap)
        assert heatmap.snapshot is app.view and heatmap.snapshot.traces.states.shape == (4, 7)
        inspector = app.query_one("#inspector", TextPanel).text.plain
        assert "1[0]" in inspector and "dead" in inspector and "exactly 0" in inspector
        await pilot.press("down", "down")
        assert app.selected == (0, 2) and "1[2]" in app.query_one("#inspector", TextPanel).text.plain
        await pilot.press("v")
        assert heatmap.mode == "gradient"
        monitor.close()


@sync
async def test_a_log_cut_mid_line_shows_every_complete_record_and_the_rest_when_it_arrives(tmp_path):
    run, log = recorded_run(tmp_path, 5)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:4]) + lines[4][: len(lines[4]) // 2])  # killed while writing record 5
    app = WatchApp(run, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.view is not None)
        await pilot.pause(0.3)
        assert app.view.n_records == 4 and "stopped" not in status(app)
        with open(log, "ab") as file:
            file.write(lines[4][len(lines[4]) // 2:])
        await until(pilot, lambda: app.view.n_records == 5)


@sync
async def test_a_corrupt_line_is_named_and_read_again_once_it_is_fixed(tmp_path):
    run, log = recorded_run(tmp_path, 3)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(b"".join(lines[:2]) + b'{"step": "three"}\n')
    app = WatchApp(run, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: "reading again" in status(app))
        assert "records.jsonl:3: bad step 'three'" in status(app) and app.view.n_records == 2
        log.write_bytes(b"".join(lines))
        await until(pilot, lambda: app.view.n_records == 3 and "finished: the Monitor was closed after 3 steps" in status(app))


def test_watch_on_a_file_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "log.txt"
    path.write_text("x")
    assert main(["watch", str(path)]) == 2
    assert "is a file" in capsys.readouterr().err


def test_the_demo_run_has_its_eight_born_dead_units_and_the_watch_screenshot_shows_them(tmp_path):
    from relu_tui.app.driving import watch_screenshot
    from relu_tui.monitor import read_run
    from relu_tui.monitor.demo import write_demo_run

    run = write_demo_run(tmp_path / "run", epochs=2)
    log = read_run(run)
    assert len(log.records) == 8  # 2 epochs x 16 steps, a record every 4
    assert (log.records[-1].layers["1"].state[:8] == DEAD).all()
    svg = watch_screenshot(run, tmp_path / "watch.svg").read_text()
    assert "relu-tui&#160;watch" in svg and "8&#160;dead" in svg


def test_the_follower_holds_a_new_view_until_the_last_is_drawn_then_posts_the_newest(tmp_path):
    run, log = recorded_run(tmp_path, 4)
    lines = log.read_bytes().splitlines(keepends=True)
    log.write_bytes(lines[0])
    posted: list[Followed] = []
    arrived = threading.Condition()

    class App:  # what the thread needs of an app: it runs, and takes messages from any thread
        is_running = True

        def post_message(self, message: Followed) -> None:
            with arrived:
                posted.append(message)
                arrived.notify_all()

    def frames(count: int) -> list[Followed]:
        with arrived:
            assert arrived.wait_for(lambda: len(posted) >= count, timeout=10), posted
        return posted

    follower = RunFollower(App(), run, poll_seconds=0.01)
    follower.start()
    try:
        assert frames(1)[0].view.n_records == 1
        for line in lines[1:]:  # two more records while the first frame is not drawn yet
            with open(log, "ab") as file:
                file.write(line)
            time.sleep(0.1)
        assert len(posted) == 1
        follower.drawn(0.0)
        assert frames(2)[1].view.n_records == 4 and len(posted) == 2  # the newest view, in one frame
    finally:
        follower.stop()
        follower.join(5)


def test_quitting_never_waits_for_a_poll(tmp_path, monkeypatch):
    polling, release = threading.Event(), threading.Event()

    def hang(self):
        polling.set()
        release.wait(30)
        return []

    monkeypatch.setattr(RunLogTail, "poll", hang)
    app = WatchApp(tmp_path, poll_seconds=0.05)

    async def scenario() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, polling.is_set)
            await pilot.press("q")
            await pilot.pause(0.1)
            assert not app.is_running

    start = time.monotonic()
    try:
        asyncio.run(scenario())  # its end would wait for a thread of the loop's executor, not for a daemon
        assert time.monotonic() - start < 10 and app.follower.is_alive()  # the poll still hangs; the app is gone
    finally:
        release.set()


@sync
async def test_a_failure_on_the_follower_thread_ends_the_app_with_a_crash_log(tmp_path, monkeypatch):
    class Planted(RuntimeError):
        pass

    def fail(*_args):
        raise Planted("planted")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setattr(app_watch, "run_view", fail)
    run, _ = recorded_run(tmp_path, 2)
    app = WatchApp(run, poll_seconds=0.05)
    with pytest.raises(Planted):
        async with app.run_test(size=SIZE) as pilot:
            await until(pilot, lambda: app.crash is not None)
    assert app.return_code == 1 and isinstance(app.crash, Planted)
    assert "in work" in app.crash_log.read_text() and "in fail" in app.crash_log.read_text()
