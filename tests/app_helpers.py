"""Driving the app in tests: build it, wait for the engine thread, press keys."""

from __future__ import annotations

import asyncio
import functools

from textual.pilot import Pilot

from relu_tui import find_scenario, load_scenario
from relu_tui.app import ReluApp


def make_app(name: str = "negative_init", variant: str = "base", **kwargs) -> ReluApp:
    scenario = load_scenario(find_scenario(name)) if name else None
    return ReluApp(scenario, variant, **kwargs)


async def settle(pilot: Pilot, timeout: float = 30.0) -> None:
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


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def sync(test):
    """Run an async test function to completion (no asyncio plugin needed)."""
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return wrapper
