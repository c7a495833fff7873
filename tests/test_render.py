"""The pure renderers under the app's panels: heat codes, gradient axes, changed cells, and the thread policy."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from relu_tui import find_scenario, load_scenario, loads_scenario
from relu_tui.app.palette import HEAT_GLYPHS, HEAT_STYLES, coded_segments, heat_codes, levels
from relu_tui.app.widgets.lines import changed_cells
from relu_tui.bench.engine import CASE_B, mlp_toml
from relu_tui.engine.threads import SMALL_WORK, epoch_work, suit_threads


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


def test_a_gradient_axis_with_one_norm_has_one_tick():
    from relu_tui.app.widgets.gradients import axis_text

    one = math.log10(5e-5)
    assert axis_text(one, one, 28) == "all 5.0e-05"
    assert axis_text(math.log10(2e-3), math.log10(3e-1), 20) == "2.0e-03      3.0e-01"


_CELL = st.tuples(st.sampled_from("ab█⠁ "), st.sampled_from([None, Style(color="red"), Style(bold=True)]))


def _strip(cells: list[tuple[str, Style | None]], merged: bool) -> Strip:
    segments = [Segment(char, style) for char, style in cells]
    return Strip(Segment.simplify(segments) if merged else segments)


@given(st.lists(_CELL, min_size=1, max_size=14), st.data())
def test_a_changed_line_repaints_from_its_first_differing_cell_to_its_last(before, data):
    after = list(before)
    for k in data.draw(st.lists(st.integers(0, len(before) - 1), max_size=3)):
        after[k] = data.draw(_CELL)
    old, new = _strip(before, data.draw(st.booleans())), _strip(after, data.draw(st.booleans()))
    differing = [k for k, (a, b) in enumerate(zip(before, after)) if a != b]
    span = changed_cells(old, new)
    if differing:
        assert span is not None and span[0] <= differing[0] and span[1] > differing[-1]
    else:  # the same cells, perhaps cut into other segments
        assert span is None or 0 <= span[0] < span[1] <= len(before)
    assert changed_cells(new, new) is None
