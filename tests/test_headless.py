"""The domain is usable without the UI: no module below the app imports Textual."""

from __future__ import annotations

import subprocess
import sys

DOMAIN = ["relu_tui", "relu_tui.spec.scenario", "relu_tui.engine.data", "relu_tui.engine.model", "relu_tui.engine.trainer",
          "relu_tui.engine.diagnosis", "relu_tui.engine.explanations", "relu_tui.engine.history", "relu_tui.engine.records", "relu_tui.engine.report",
          "relu_tui.engine.snapshot", "relu_tui.engine.sweep", "relu_tui.engine.threads", "relu_tui.bench", "relu_tui.bench.interactive",
          "relu_tui.bench.scale", "relu_tui.bench.terminal", "relu_tui.engine.session", "relu_tui.engine.exporting",
          "relu_tui.cli"]


def imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_the_domain_never_imports_textual():
    modules = imported_after("\n".join(f"import {m}" for m in DOMAIN) + "\nimport relu_tui; relu_tui.Trainer")
    assert not {m for m in modules if m.split(".")[0] in ("textual", "rich")}


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
