"""The app in a real pseudo-terminal, as over SSH: the first frame comes before PyTorch, a step
sends few bytes, and the screen shows the new epoch. (Byte counts, not timings: CI stays deterministic.)"""

from __future__ import annotations

import pytest

from relu_tui.bench.terminal import Terminal


def test_first_frame_shows_the_scenario_while_pytorch_loads_then_steps_send_few_bytes():
    with Terminal(["negative_init"], (120, 40)) as term:
        term.wait_for(lambda t: "Quit" in t.screen.display[-1] and "loading PyTorch" in t.status, timeout=60)
        assert "Born dead: negative weights" in term.screen.display[0]
        assert "hidden1  1 × relu" in term.text  # the network as the scenario describes it
        term.wait_for(Terminal.ready, timeout=120)
        term.pump()
        assert term.epoch() == 0
        sizes = []
        for epoch in range(1, 4):
            term.press(" ")
            count, _ = term.pump(until=lambda t, epoch=epoch: t.epoch() == epoch)
            sizes.append(count)
            assert term.epoch() == epoch
        assert "1 dead" in term.status and "exactly 0" in term.text
        assert max(sizes) < 20 * 1024, sizes  # issue 5's budget for negative_init


def test_a_step_of_the_64_unit_net_stays_under_its_byte_budget(tmp_path):
    from relu_tui.bench.engine import CASE_B

    path = tmp_path / "b.toml"
    path.write_text(CASE_B)
    with Terminal([str(path)], (120, 40)) as term:
        term.wait_for(Terminal.ready, timeout=120)
        term.pump()
        sizes = []
        for epoch in range(1, 4):
            term.press(" ")
            count, _ = term.pump(until=lambda t, epoch=epoch: t.epoch() == epoch)
            sizes.append(count)
        assert max(sizes) < 40 * 1024, sizes


def test_the_terminal_reports_an_app_that_never_draws_what_was_expected():
    with Terminal(["negative_init"], (120, 40)) as term, pytest.raises(TimeoutError, match="the screen shows"):
        term.wait_for(lambda t: "no such text" in t.text, timeout=1.0)


@pytest.mark.parametrize("scenario", ["bench_b", "high_learning_rate"])
def test_steps_drawn_in_pieces_leave_the_screen_a_full_repaint_draws(tmp_path, scenario):
    """Each step repaints only the cells that changed; the screen must be the one a full repaint
    (forced by a resize away and back) draws, cell by cell."""
    from relu_tui.bench.engine import CASE_B

    path = tmp_path / "b.toml"
    path.write_text(CASE_B)
    with Terminal([str(path) if scenario == "bench_b" else scenario], (120, 40)) as term:
        term.wait_for(Terminal.ready, timeout=120)
        term.pump()
        for epoch in range(1, 9):
            term.press(" ")
            term.pump(until=lambda t, epoch=epoch: t.epoch() == epoch)
        pieces = term.cells()
        term.resize(100, 40)
        term.pump(quiet=0.5)
        term.resize(120, 40)
        term.pump(until=lambda t: "Quit" in t.screen.display[-1], quiet=0.5)
        assert term.cells() == pieces
