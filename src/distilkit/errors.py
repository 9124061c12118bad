"""One exception type for problems the user can fix.

The CLI prints a `DistilkitError` as a single line (``error: ...``) with no traceback, so
every message must name the file, row or field at fault *and* the fix.
"""


class DistilkitError(Exception):
    """A bad input or setting, reported as one line that names what is wrong and how to fix it."""
