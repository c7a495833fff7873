"""Driving the app in tests: build it, press keys and wait for the engine thread."""

from __future__ import annotations

import asyncio
import functools

from textual.pilot import Pilot

from relu_tui import find_scenario, load_scenario
from relu_tui.app import ReluApp
from relu_tui.app.driving import settle


def make_app(name: str = "negative_init", variant: str = "base", **kwargs) -> ReluApp:
    scenario = load_scenario(find_scenario(name)) if name else None
    return ReluApp(scenario, variant, **kwargs)


async def press(pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def sync(test):
    """Run an async test function to completion (no asyncio plugin needed)."""
    @functools.wraps(test)
    def wrapper(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))
    return wrapper


async def on_engine(pilot: Pilot, app: ReluApp, read):
    """``read(session)`` run by the engine thread as a command, so on the state of the epoch on screen
    (between keys the thread may have stepped an epoch ahead of it, which a command first rewinds)."""
    box = []
    app.submit(lambda session: box.append(read(session)))
    await settle(pilot)
    return box[0]
