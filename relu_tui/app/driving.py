"""Driving the app without a person: wait for the engine, step, save screenshots (tests and the CLI)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from textual.pilot import Pilot

from relu_tui.app.crashing import ReportingApp
from relu_tui.app.main import ReluApp
from relu_tui.files import WriteFailed, safe_filename, write_atomic
from relu_tui.spec.bundled import bundled
from relu_tui.spec.scenario import Scenario, load_scenario


async def settle(pilot: Pilot, timeout: float = 60.0) -> None:
    """Wait until every queued command has run and its result is drawn."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    await pilot.pause(0.06)
    while not app.settled():
        if loop.time() > deadline:
            raise TimeoutError("the app did not settle")
        await pilot.pause(0.02)
    await pilot.pause()


def screenshot(scenario: Scenario, path: Path, *, variant: str = "base", epochs: int = 0,
               size: tuple[int, int] = (120, 40), keys: tuple[str, ...] = ()) -> Path:
    """Open the app headless, train ``epochs`` epochs, press ``keys`` and save an SVG screenshot
    (replacing ``path`` whole: a failed write raises WriteFailed and leaves an earlier file intact)."""
    app = ReluApp(scenario, variant)
    svg: list[str] = []

    async def auto(pilot: Pilot) -> None:
        await settle(pilot)
        if epochs:
            app.submit(lambda session: session.step_epochs((variant,), epochs))
            await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        svg.append(app.export_screenshot())
        app.exit()

    _run_headless(app, size, auto)
    return _save(path, svg[0])


def watch_screenshot(run_dir: Path, path: Path, size: tuple[int, int] = (120, 40)) -> Path:
    """``relu-tui watch`` on a finished run, once it has read every record, as an SVG."""
    from relu_tui.app.watch import WatchApp
    from relu_tui.monitor.runlog import RECORDS

    app = WatchApp(run_dir, poll_seconds=0.05)
    records = (run_dir / RECORDS).read_bytes().count(b"\n")
    svg: list[str] = []

    async def auto(pilot: Pilot) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 60
        while app.view is None or app.view.n_records < records:
            if loop.time() > deadline:
                raise TimeoutError(f"the watch app did not read {run_dir}")
            await pilot.pause(0.1)
        svg.append(app.export_screenshot())
        app.exit()

    _run_headless(app, size, auto)
    return _save(path, svg[0])


def _save(path: Path, svg: str) -> Path:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise WriteFailed(path, exc) from exc
    return write_atomic(path, svg)


def _run_headless(app: ReportingApp, size: tuple[int, int], auto) -> None:
    """Run ``app`` under ``auto``; its crash is raised here (the app prints no traceback of its own)."""
    app.run(headless=True, size=size, auto_pilot=auto)
    if app.crash is not None:
        raise app.crash


def showcase(directory: Path, size: tuple[int, int] = (120, 40)) -> list[Path]:
    """The README's pictures: every bundled scenario at its showcase epoch, each variant, compared,
    and its sweep if it has one; then ``relu-tui watch`` on the demo run."""
    from relu_tui.monitor.demo import write_demo_run

    written = []
    for path in bundled():
        scenario = load_scenario(path)
        for variant in scenario.variant_names:
            name = safe_filename(scenario.name if variant == "base" else f"{scenario.name}-{variant}")
            written.append(screenshot(scenario, directory / f"{name}.svg", variant=variant,
                                      epochs=scenario.showcase_epoch, size=size))
        if scenario.variants:
            written.append(screenshot(scenario, directory / f"{safe_filename(scenario.name)}-compare.svg",
                                      epochs=scenario.showcase_epoch, size=size, keys=("c",)))
        if scenario.sweep is not None:
            written.append(screenshot(scenario, directory / f"{safe_filename(scenario.name)}-sweep.svg", size=size,
                                      keys=("w",)))
    with tempfile.TemporaryDirectory() as tmp:
        written.append(watch_screenshot(write_demo_run(Path(tmp) / "run"), directory / "watch.svg", size))
    return written
