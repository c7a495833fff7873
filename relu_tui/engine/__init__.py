"""The engine: data, model, the exact training loop, per-unit diagnosis, history, sweep and export.

It reads a :class:`~relu_tui.spec.scenario.Scenario` and never imports Textual or Rich: every part
works from a plain script, and the app drives it through :class:`~relu_tui.engine.session.Session`.
"""
