"""The scenario layer: what a scenario file may say, checked key by key, as frozen dataclasses.

Nothing here imports torch, Textual or Rich, so ``relu-tui check`` and the parser's tests stay fast.
The registries a new feature extends live here: activations, weight and bias inits, data generators.
"""
