"""The valid range of a number, declared once on the dataclass field it limits; everything else reads it.

A field declares its limits with ``bounded`` (or takes another field's with ``like``), its dataclass's
``__post_init__`` calls ``check_bounds``, the command line checks each flag against the field it feeds
(cli/ranges.py) and the docs render ``field_bounds``. A recipe, a server setting and the flag that sets them
cannot disagree about a limit, because there is only one declaration. (Re-exported by ``distilkit.config``.)
"""
from __future__ import annotations

import dataclasses
import math
from typing import NamedTuple

from .errors import DistilkitError

KEY = "distilkit.bounds"  # the key of a field's metadata that holds its Bounds
SAME = object()  # like(): keep the default of the field the bounds come from


class Bounds(NamedTuple):
    """The valid range of one number. ``low``/``high`` of None: unbounded on that side; ``low_open``: ``low``
    itself is refused (the number must be above it), ``high_open`` likewise."""

    low: float | None
    high: float | None
    what: str
    """What the number counts, shown after every refusal: 'examples per batch'."""
    low_open: bool = False
    high_open: bool = False

    def rule(self) -> str:
        """'>= 1', '> 0', 'between 1 and 65535', 'in [0, 1)'."""
        low = None if self.low is None else _num(self.low)
        high = None if self.high is None else _num(self.high)
        if high is None:
            return f"{'>' if self.low_open else '>='} {low}"
        if low is None:
            return f"{'<' if self.high_open else '<='} {high}"
        if not (self.low_open or self.high_open):
            return f"between {low} and {high}"
        return f"in {'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"

    def refusal(self, value: float) -> str | None:
        """Why ``value`` is out of range ('must be >= 1 (examples per batch)'), or None when it is in range."""
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number ({self.what})"
        below = self.low is not None and (value <= self.low if self.low_open else value < self.low)
        above = self.high is not None and (value >= self.high if self.high_open else value > self.high)
        return f"must be {self.rule()} ({self.what})" if below or above else None


def bounded(default=dataclasses.MISSING, what: str = "", *, at_least: float | None = None,
            above: float | None = None, at_most: float | None = None, below: float | None = None):
    """A dataclass field with a default and declared bounds: ``port: int = bounded(8000, "a TCP port",
    at_least=1, at_most=65535)``. ``above``/``below`` exclude the bound itself (``above=0``: must be > 0)."""
    if (at_least is not None and above is not None) or (at_most is not None and below is not None):
        raise TypeError("bounded: give at_least or above, and at_most or below, not both")
    limits = Bounds(at_least if above is None else above, at_most if below is None else below, what,
                    low_open=above is not None, high_open=below is not None)
    return dataclasses.field(default=default, metadata={KEY: limits})


def like(cls, name: str, default=SAME):
    """A field with the bounds declared on ``cls.name`` (and its default unless another is given; pass
    ``dataclasses.MISSING`` for a required field): the same number in another place, its limit declared once."""
    source = next(f for f in dataclasses.fields(cls) if f.name == name)
    return dataclasses.field(default=source.default if default is SAME else default, metadata=dict(source.metadata))


def field_bounds(cls) -> dict[str, Bounds]:
    """The declared bounds of a dataclass (or instance), by field name: ``{"port": Bounds(low=1, high=65535,
    what='a TCP port', low_open=False, high_open=False)}``. Fields without bounds are absent."""
    return {f.name: f.metadata[KEY] for f in dataclasses.fields(cls) if KEY in f.metadata}


def check_value(where: str, value, limits: Bounds) -> None:
    """The one check: refuse ``value`` outside ``limits`` as one line, '{where} {value}: must be ... (what)'."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return  # not a number ('tune', 'auto'): the field's own parsing speaks for it
    why = limits.refusal(value)
    if why:
        raise DistilkitError(f"{where} {_num(value)}: {why}")


def check_bounds(obj, prefix: str = "") -> None:
    """Check every bounded field of a dataclass instance; messages name the field as ``prefix + name``
    ('model.max_length 4: must be between 8 and 8192 (tokens per example)'). None means 'not set'."""
    for name, limits in field_bounds(obj).items():
        value = getattr(obj, name)
        if value is not None:
            check_value(prefix + name, value, limits)


def field_docs(cls) -> dict[str, str]:
    """The attribute docstring of each field (the string under it), on one line; a subclass's own wins."""
    import ast
    import inspect
    import textwrap
    from itertools import pairwise

    docs: dict[str, str] = {}
    for klass in reversed([k for k in inspect.getmro(cls) if dataclasses.is_dataclass(k)]):
        body = ast.parse(textwrap.dedent(inspect.getsource(klass))).body[0].body
        for node, after in pairwise(body):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and isinstance(after, ast.Expr)
                    and isinstance(after.value, ast.Constant) and isinstance(after.value.value, str)):
                docs[node.target.id] = " ".join(after.value.value.split())
    return docs


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
