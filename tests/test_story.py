"""The whole story on screen: explanations, help prose, regression labels, legible compare columns."""

from __future__ import annotations

from textual.widgets import Static

from relu_tui import loads_scenario
from relu_tui.app.help_screen import HelpScreen
from relu_tui.app.main import ReluApp

from .app_helpers import settle, sync

SIZE = (120, 40)

TWO_PARAGRAPHS = '''
title = "Two paragraphs"
description = """
The first paragraph is
written over three
lines.

The second one over
two.
"""
[data]
generator = "xor"
[[model.layers]]
width = 2
'''


@sync
async def test_help_reflows_the_story_and_keeps_its_paragraphs():
    app = ReluApp(loads_scenario(TWO_PARAGRAPHS))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "The first paragraph is written over three lines.\n\nThe second one over two." in text
