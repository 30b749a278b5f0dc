"""``python -m oracle.checks PATH``: the same as ``deepscratch check PATH``."""

import sys

from oracle.checks.cli import main

sys.exit(main())
