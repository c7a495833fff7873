"""The colours of the charts' series, the same wherever a chart is drawn (app, compare, watch, CLI)."""

LOSS_COLOR, TRAIN_COLOR, TEST_COLOR, DEAD_SHARE_COLOR = "#ffffff", "#5fd75f", "#5fd7d7", "#ff5f87"
SERIES_COLORS = ("#ff5f5f", "#ffaf5f", "#ffff5f", "#5fd75f", "#5fd7d7", "#5f87ff", "#d75fd7", "#ffffff")
BOUND_COLOR = "#bcbcbc"  # an analytic bound, drawn under the measured lines (lighter than the axes)
TARGET_COLOR = "#8a8a8a"  # the data a fit is drawn against
ZERO_COLOR = "#e5484d"  # the bar of exact zeros: the colour of death, as elsewhere
HISTOGRAM_COLOR = "#3fb47a"  # a layer's activations that are not exactly 0
OUTPUT_COLOR = "#5fd75f"  # what the network computes
