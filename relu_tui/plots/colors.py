"""Every colour relu-tui draws with, as hex strings: the charts' series here, the app's styles in
:mod:`relu_tui.app.palette` built from these (one table, usable without Rich by the headless plots)."""

# Units' states, indexed by state code: dead, negative, sparse, active. Red means dead, and only that.
STATE_COLOR = ("#e5484d", "#b46ee8", "#f0b429", "#46c46a")
POSITIVE_RAMP = ("#31446b", "#277f8e", "#3fb47a", "#a8d83a", "#fde725")  # viridis-like, dark -> bright
NEGATIVE_RAMP = ("#4a2067", "#7b2f9e", "#a64fc4", "#cf79e6", "#eeb0ff")
# On a 16-colour terminal (TERM=xterm) every reddish colour becomes the same bright red, so the
# classes and the weights use none.
CLASS_COLOR = ("#ffb000", "#48cae4", "#7ae582", "#c77dff", "#3a86ff", "#f4f1de", "#e67700", "#219ebc")
POSITIVE_WEIGHT_COLOR, NEGATIVE_WEIGHT_COLOR = "#48cae4", "#c77dff"  # like the heat ramps: cyan, violet
WHITE = "#ffffff"
DIM_COLOR = "#8a8a8a"
ZERO_CELL_COLOR, ZERO_BG_COLOR = "#6b6b6b", "#1c1c1c"
ALERT_BG = "#b3261e"  # divergence
AXIS_COLOR = DIM_COLOR
NEUTRAL = "#d0d0d0"  # a legend entry told by its glyph, not its colour


LOSS_COLOR, TRAIN_COLOR, TEST_COLOR, DEAD_SHARE_COLOR = "#ffffff", "#5fd75f", "#5fd7d7", "#ff5f87"
SERIES_COLORS = ("#ff5f5f", "#ffaf5f", "#ffff5f", "#5fd75f", "#5fd7d7", "#5f87ff", "#d75fd7", "#ffffff")
BOUND_COLOR = "#bcbcbc"  # an analytic bound, drawn under the measured lines (lighter than the axes)
TARGET_COLOR = DIM_COLOR  # the data a fit is drawn against
ZERO_COLOR = STATE_COLOR[0]  # the bar of exact zeros: the colour of death, as elsewhere
HISTOGRAM_COLOR = POSITIVE_RAMP[2]  # a layer's activations that are not exactly 0
OUTPUT_COLOR = "#5fd75f"  # what the network computes
