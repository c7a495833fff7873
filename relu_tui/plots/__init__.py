"""Charts drawn with plotext: what each chart shows (curves, the sweep, a layer's histogram, the fit)
and how a chart becomes lines of terminal text.

Imports neither Textual nor Rich, so the headless CLI can print the same charts the app shows
(``relu-tui run --plot``); the app turns the lines into its own strips.
"""
