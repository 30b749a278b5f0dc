"""``python -m scratch``: the command line of ``scratch.cli``."""

from scratch.cli import main

raise SystemExit(main())
