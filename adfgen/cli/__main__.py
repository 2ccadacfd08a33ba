"""`python -m adfgen.cli`: the same entry point as the `adfgen` script."""

import sys

from adfgen.cli import main

sys.exit(main())
