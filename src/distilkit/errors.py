"""One exception type for problems the user can fix.

The CLI prints a `DistilkitError` as a single line (``error: ...``) with no traceback, so
every message must name the file, row or field at fault *and* the fix.
"""


class DistilkitError(Exception):
    """A bad input or setting, reported as one line that names what is wrong and how to fix it."""


def first_line(exc: BaseException) -> str:
    """The first line of ``exc``'s message, or its type's name when it has none: what a one-line error quotes of
    an exception raised by a library (whose messages often run to many lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
