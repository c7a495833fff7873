"""What a plain script pays: reading a scenario loads no torch.

That no layer below the app imports Textual or Rich is import-linter's contract (pyproject.toml).
"""

from __future__ import annotations

import subprocess
import sys


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_loading_a_scenario_does_not_import_torch():
    modules = imported_after("from relu_tui import load_scenario, find_scenario\n"
                             "load_scenario(find_scenario('negative_init'))")
    assert "torch" not in modules
