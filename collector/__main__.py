"""``python -m collector [command]``: the same as the ``collector`` console script (default command: run)."""

import sys

from collector.cli import main

sys.exit(main())
