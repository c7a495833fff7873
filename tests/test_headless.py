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


def test_plotting_from_the_cli_imports_neither_textual_nor_rich():
    modules = imported_after("import io, contextlib\nfrom relu_tui.cli import main\n"
                             "with contextlib.redirect_stdout(io.StringIO()):\n"
                             "    main(['run', 'negative_init', '--epochs', '3', '--plot'])")
    assert "plotext" in modules
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich")}
