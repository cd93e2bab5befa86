"""``python -m ridgeback``: the same command line as the ``ridgeback`` script."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
