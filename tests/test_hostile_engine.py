"""Hostile inputs seen from the engine: CSV decoding, messages, divergence as a state, memory estimates."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from relu_tui.cli import USAGE, main
from relu_tui.engine import footprint
from relu_tui.engine.trainer import Trainer
from relu_tui.errors import ScenarioError
from relu_tui.spec.scenario import load_scenario, loads_scenario

HOSTILE = Path(__file__).resolve().parent / "hostile"


def test_bom_csv_without_header_keeps_its_first_row():
    scenario = load_scenario(HOSTILE / "csv_bom_no_header.toml")
    assert scenario.data.n_samples == 10
    assert scenario.data.table.feature_names == ("x1", "x2")
    assert scenario.data.table.features[0].tolist() == [0.0, 0.0]


def test_bom_csv_header_names_its_first_column_plainly():
    assert load_scenario(HOSTILE / "csv_bom_header.toml").data.table.feature_names == ("a", "b")


def test_latin1_csv_names_the_line():
    with pytest.raises(ScenarioError) as info:
        load_scenario(HOSTILE / "csv_latin1.toml")
    assert (info.value.key, info.value.problem) == ("data.csv", "not UTF-8 text at line 3 (byte 0xe9)")


def test_every_part_of_a_message_is_made_visible():
    err = ScenarioError("bad\x1b[2J", source="a\x1b]0;x\x07.toml", key="k\x9b", value={"\x1b": "\x1b"},
                        expected="e\u202e", hint="did you mean '\x1b'?")
    assert err.message == ("a\\x1b]0;x\\x07.toml: k\\x9b = {\\x1b = '\\x1b'}: bad\\x1b[2J; expected e\\u202e "
                           "(did you mean '\\x1b'?)")


def test_a_huge_integer_is_shown_shortened():
    err = ScenarioError("bad value", key="seed", value=-(10**5000))
    assert err.message == "<scenario>: seed = -100000000000… (5001 digits): bad value"


def test_control_characters_allowed_only_as_newlines_and_tabs_in_the_description():
    body = '[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 1\n'
    assert loads_scenario('description = "a\\n\\tb"\n' + body).description == "a\n\tb"
    with pytest.raises(ScenarioError, match="has control characters"):
        loads_scenario('description = "a\\u001b[2J"\n' + body)


def test_a_default_name_from_an_odd_file_name_is_file_safe(tmp_path):
    path = tmp_path / "my scenario (copy).toml"
    path.write_text('[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 1\n')
    assert load_scenario(path).name == "my_scenario__copy_"


DIVERGING = sorted(p for p in HOSTILE.glob("*diverges.toml"))


@pytest.mark.parametrize("path", DIVERGING, ids=[p.stem for p in DIVERGING])
def test_finite_values_that_blow_up_training_are_divergence(path):
    trainer = Trainer(load_scenario(path))
    record = trainer.step_epochs(3)
    assert trainer.diverged and record.diverged


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "table"])
def test_run_output_of_a_diverging_scenario_is_plain_text(fmt, capsys):
    assert main(["run", str(HOSTILE / "learning_rate_1e30_diverges.toml"), "--format", fmt]) == 0
    out, err = capsys.readouterr()
    assert err == "" and out.isascii() and "\x1b" not in out
    if fmt == "jsonl":
        assert json.loads(out.splitlines()[-1])["diverged"] is True


def test_divergence_at_epoch_0_offers_no_rewind():
    from relu_tui.app.widgets.panels import status_text
    from relu_tui.engine.snapshot import take_snapshot

    trainer = Trainer(load_scenario(HOSTILE / "shift_3e38_diverges.toml"))
    assert trainer.diverged and trainer.epoch == 0
    text = status_text(take_snapshot(trainer, samples=[0, 1]), playing=False, speed="1x", position=(1, 1)).plain
    assert "DIVERGED at epoch 0" in text and "The initial weights already give it" in text
    assert "rewind" not in text


# --------------------------------------------------------------------------- memory

def _peak(script: str, cwd: Path) -> tuple[int, str, int]:
    """Run ``script`` (which sets ``code``) in a fresh interpreter: its exit code, its stderr and its
    peak resident memory in bytes (VmHWM)."""
    code = script + ("\nprint(open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr)"
                     "\nsys.exit(code)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True, timeout=300)
    *lines, hwm = result.stderr.splitlines()
    return result.returncode, "\n".join(lines), int(hwm) * 1024


MID = """\
[data]
generator = "xor"
n_samples = 20000

[[model.layers]]
width = 512
repeat = 3

[training]
optimizer = "adam"
learning_rate = 0.001
epochs = 5
"""


def test_estimate_is_within_a_factor_of_two_of_the_measured_peak(tmp_path):
    path = tmp_path / "mid.toml"
    path.write_text(MID)
    estimate = footprint.check_memory(load_scenario(path), available=2**60)
    code, err, peak = _peak(f"import sys\nfrom relu_tui.cli import main\ncode = main(['run', {str(path)!r}])",
                            tmp_path)
    assert code == 0, err
    assert peak / 2 < estimate < peak * 2, (estimate, peak)


def test_refusal_is_instant_and_allocates_nothing_big(tmp_path):
    script = textwrap.dedent(f"""\
        import sys
        from relu_tui.cli import main
        code = main(['run', {str(HOSTILE / "memory_wide_deep.toml")!r}])
        assert 'torch' not in sys.modules, 'PyTorch imported before the refusal'""")
    code, err, peak = _peak(script, tmp_path)
    assert code == 2 and "of memory" in err and len(err.splitlines()) == 1, err
    assert peak < 150 * 2**20  # the interpreter and the scenario, nothing of the 186 GB


def test_the_flag_skips_the_check(monkeypatch, capsys):
    monkeypatch.setattr(footprint, "available_memory", lambda: 2**20)
    path = str(HOSTILE / "name_dotted_ok.toml")
    assert main(["check", path]) == 2
    assert "needs about" in capsys.readouterr().err
    assert main(["check", path, "--no-memory-check"]) == 0
    assert main(["run", path, "--epochs", "0", "--no-memory-check"]) == 0


def test_a_sweep_too_large_is_refused(tmp_path, capsys):
    path = tmp_path / "sweep.toml"
    path.write_text('[data]\ngenerator = "xor"\n[[model.layers]]\nwidth = 1\n'
                    '[sweep]\nwidths = [256]\ntrials = 1000000\npoints = 100000\n')
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sweep: needs about" in err and len(err.splitlines()) == 1


def test_available_memory_is_read():
    free = footprint.available_memory()
    assert free is None or free >= 0


def test_help_documents_the_flag(capsys):
    assert "--no-memory-check" in USAGE
    with pytest.raises(SystemExit):
        main(["check", "--help"])
    assert "--no-memory-check" in capsys.readouterr().out
