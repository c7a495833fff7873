"""The snapshot comparison forgives a figure's last digit (another CPU's rounding) and nothing else."""

from __future__ import annotations

import pytest

from .snapshot_figures import same_screen


def svg(text: str, style: str = "terminal-r1", x: str = "0") -> str:
    return f'<svg><style>.{style} {{ fill: #fff }}</style><text class="{style}" x="{x}" y="20">{text}</text></svg>'


@pytest.mark.parametrize("actual, stored", [
    ("loss&#160;0.6932", "loss&#160;0.6931"),
    ("w&#160;−0.0000", "w&#160;+0.0000"),
    ("0.1000&#160;|w|", "0.0999&#160;|w|"),
    ("grad&#160;1.00e-04", "grad&#160;9.99e-05"),
    ("acc&#160;47.6%", "acc&#160;47.5%"),
])
def test_the_last_digit_of_a_figure_may_differ_by_one(actual, stored):
    assert same_screen(svg(actual), svg(stored))


@pytest.mark.parametrize("actual, stored", [
    ("loss&#160;188.3912", "loss&#160;188.3909"),  # three units: not rounding
    ("loss&#160;0.6933", "loss&#160;0.6931"),
    ("✖&#160;13&#160;dead", "✖&#160;12&#160;dead"),  # counts are exact
    ("hidden2[0]", "hidden1[0]"),
    ("loss&#160;0.693", "loss&#160;0.6931"),  # another format
    ("▓▒", "▓░"),  # a glyph
    ("loss&#160;0.6931&#160;", "loss&#160;0.6931"),
])
def test_anything_else_must_match(actual, stored):
    assert not same_screen(svg(actual), svg(stored))


def test_colours_and_positions_must_match():
    assert not same_screen(svg("0.6931", style="terminal-r2"), svg("0.6931"))
    assert not same_screen(svg("0.6931", x="12.2"), svg("0.6931"))
