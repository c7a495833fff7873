"""The pure renderers under the app's panels: braille charts, heat codes, and the thread policy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rich.style import Style

from relu_tui import find_scenario, load_scenario, loads_scenario
from relu_tui.app.palette import HEAT_GLYPHS, HEAT_STYLES, coded_segments, heat_codes, levels
from relu_tui.app.widgets.chart import Series, render_chart
from relu_tui.bench.engine import CASE_B, mlp_toml
from relu_tui.engine.threads import SMALL_WORK, epoch_work, suit_threads

BRAILLE = 0x2800


def dots(lines) -> np.ndarray:
    """The chart as a boolean canvas (2 dots wide, 4 tall per cell)."""
    bits = {(0, 0): 0x01, (1, 0): 0x02, (2, 0): 0x04, (3, 0): 0x40, (0, 1): 0x08, (1, 1): 0x10, (2, 1): 0x20, (3, 1): 0x80}
    text = ["".join(s.text for s in line) for line in lines]
    canvas = np.zeros((4 * len(text), 2 * len(text[0])), dtype=bool)
    for r, row in enumerate(text):
        for c, char in enumerate(row):
            code = ord(char) - BRAILLE if char != " " else 0
            for (dr, dc), bit in bits.items():
                canvas[4 * r + dr, 2 * c + dc] = bool(code & bit)
    return canvas


def test_a_flat_line_at_the_top_fills_the_first_dot_row_only():
    lines = render_chart([Series(np.array([0.0, 10.0]), np.array([1.0, 1.0]), "#ffffff")], 10, 3, (0, 10), (0, 1))
    canvas = dots(lines)
    assert canvas[0].all() and not canvas[1:].any()
    assert all(s.style == Style(color="#ffffff") for s in lines[0])


def test_a_rising_line_is_connected_from_bottom_left_to_top_right():
    lines = render_chart([Series(np.array([0.0, 1.0]), np.array([0.0, 1.0]), "red")], 4, 4, (0, 1), (0, 1))
    canvas = dots(lines)
    assert canvas[-1, 0] and canvas[0, -1]
    assert all(canvas[:, c].any() for c in range(canvas.shape[1]))  # no column left out
    rows = [np.flatnonzero(canvas[:, c]) for c in range(canvas.shape[1])]
    assert all(a.min() >= b.min() for a, b in zip(rows, rows[1:]))  # it only goes up


def test_nan_leaves_a_gap_and_a_series_outside_its_x_range_draws_nothing_there():
    x = np.arange(10, dtype=float)
    y = np.where(x < 5, 0.5, np.nan)
    canvas = dots(render_chart([Series(x, y, "red")], 10, 2, (0, 9), (0, 1)))
    assert canvas[:, :8].any() and not canvas[:, 11:].any()


def test_the_last_series_drawn_owns_a_shared_cell_and_dotted_lines_skip_dots():
    flat = np.array([0.0, 1.0]), np.array([0.5, 0.5])
    lines = render_chart([Series(*flat, "red"), Series(*flat, "blue")], 6, 1, (0, 1), (0, 1))
    assert {s.style.color.name for s in lines[0] if s.text.strip()} == {"blue"}
    solid = dots(render_chart([Series(*flat, "red")], 12, 1, (0, 1), (0, 1))).sum()
    dotted = dots(render_chart([Series(*flat, "red", dotted=True)], 12, 1, (0, 1), (0, 1))).sum()
    assert 0 < dotted < solid


def test_heat_codes_keep_zero_sign_level_and_non_finite_apart():
    values = np.array([0.0, 0.01, 0.5, 1.0, 5.0, -0.01, -1.0, math.nan, math.inf])
    codes = heat_codes(values, 1.0)
    assert codes.tolist() == [0, 1, 3, 5, 5, 6, 10, 11, 11]
    assert levels(np.array([0.19, 0.21, 0.99]), 1.0).tolist() == [0, 1, 4]
    assert HEAT_GLYPHS[codes[0]] == "·" and HEAT_GLYPHS[codes[-1]] == "!"


def test_coded_segments_merge_runs_of_a_code():
    glyphs = np.array(HEAT_GLYPHS)
    segments = coded_segments(np.array([0, 0, 3, 3, 3, 0]), glyphs, list(HEAT_STYLES))
    assert [(s.text, s.style) for s in segments] == [("··", HEAT_STYLES[0]), ("▓▓▓", HEAT_STYLES[3]), ("·", HEAT_STYLES[0])]


def test_small_networks_train_on_one_thread_large_ones_on_every_core(monkeypatch):
    import torch

    small = load_scenario(find_scenario("negative_init"))
    assert epoch_work(small) == 5 * 160  # 2-1-1: 3 + 2 parameters, 160 training samples
    assert epoch_work(loads_scenario(CASE_B)) < SMALL_WORK
    large = loads_scenario(mlp_toml("c", "random_teacher", 10000, 256, 2, '"full"', "n_features = 784\nn_classes = 10"))
    assert epoch_work(large) > SMALL_WORK
    before = torch.get_num_threads()
    monkeypatch.setattr("os.cpu_count", lambda: 8)
    try:
        assert suit_threads(small) == 1 and torch.get_num_threads() == 1
        assert suit_threads(large) == 8
        assert suit_threads(large, beside_ui=True) == 7
    finally:
        torch.set_num_threads(before)


@pytest.mark.parametrize("width", [1, 2, 7])
def test_charts_fit_any_width(width):
    lines = render_chart([Series(np.arange(5.0), np.arange(5.0) / 4, "red")], width, 2, (0, 4), (0, 1))
    assert [sum(len(s.text) for s in line) for line in lines] == [width, width]


def test_a_gradient_axis_with_one_norm_has_one_tick():
    from relu_tui.app.widgets.gradients import axis_text

    one = math.log10(5e-5)
    assert axis_text(one, one, 28) == "all 5.0e-05"
    assert axis_text(math.log10(2e-3), math.log10(3e-1), 20) == "2.0e-03      3.0e-01"
