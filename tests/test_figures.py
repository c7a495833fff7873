"""Trained figures on screen: the digits that read the same on every CPU."""

from __future__ import annotations

import pytest

from relu_tui.app.figures import significant


@pytest.mark.parametrize("value, text", [
    (188.3909, "188.4"),  # high_learning_rate: 188.3909 here, 188.3912 on an AVX-512 CPU
    (188.3912, "188.4"),
    (0.693147, "0.6931"),
    (2.3250196, "2.325"),
    (1234.56, "1235"),
    (0.0012, "0.001200"),
    (0.00012345, "1.234e-04"),
    (0.0, "0.000"),
])
def test_a_loss_is_written_to_four_significant_digits(value, text):
    assert significant(value) == text
