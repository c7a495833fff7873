"""The scenarios shipped with relu-tui, and resolving a bare name like ``negative_init`` to its file."""

from __future__ import annotations

import os
from pathlib import Path

from relu_tui.errors import ScenarioError
from relu_tui.spec.validate import did_you_mean


def scenarios_dir() -> Path:
    """Installed wheels carry the scenarios inside the package; a source checkout has them at the top."""
    package = Path(__file__).parent.parent
    packaged = package / "scenarios"
    return packaged if packaged.is_dir() else package.parent / "scenarios"


def bundled() -> list[Path]:
    return sorted(scenarios_dir().glob("*.toml"))


def find_scenario(name: str | Path) -> Path:
    """A regular file, else the bundled scenario called ``name`` (with or without ``.toml``), else any
    other thing at that path (a directory, a FIFO, a symlink loop), for loading to say what it is."""
    path = Path(name)
    if path.is_file():
        return path
    stem = path.name.removesuffix(".toml")
    if path.parent == Path("."):
        for candidate in bundled():
            if candidate.stem == stem:
                return candidate
    if _lexists(path):
        return path
    names = [p.stem for p in bundled()]
    raise ScenarioError("file not found", source=str(name),
                        expected="a scenario .toml file or a bundled name (" + ", ".join(names) + ")",
                        hint=did_you_mean(stem, names))


def _lexists(path: Path) -> bool:
    try:
        os.lstat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return False
    return True
