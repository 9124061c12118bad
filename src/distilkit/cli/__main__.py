"""``python -m distilkit.cli``: the same as the ``distilkit`` command."""
import sys

from . import main

sys.exit(main())
