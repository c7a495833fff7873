"""``python -m relu_tui`` is the ``relu-tui`` command."""

import sys

from .cli import main

sys.exit(main())
