"""`python -m validator.cli`: the same as the `dqv` command."""

import sys

from validator.cli.main import main

sys.exit(main())
