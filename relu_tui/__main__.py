"""``python -m relu_tui`` is the ``relu-tui`` command."""

import sys

from relu_tui.cli import main

sys.exit(main())
