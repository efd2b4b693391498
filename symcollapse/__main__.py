"""``python -m symcollapse``: the command line (same as the ``symcollapse`` script)."""

import sys

from symcollapse.cli import main

sys.exit(main())
