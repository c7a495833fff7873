"""Errors reading a run log: an :class:`~relu_tui.errors.InputError` naming the file and line, like every
error a user's bad input raises, so ``str()`` is one line and the CLI prints it as it prints the others."""

from __future__ import annotations

from relu_tui.errors import InputError


class RunLogError(InputError):
    """A run log directory is unreadable or malformed (its ``source`` and ``line`` say where)."""


class NoRunError(RunLogError):
    """The directory holds no run yet: it does not exist or has no ``meta.json``."""
