"""Every number a command takes is checked against the bounds of the dataclass field it feeds, before any model
or data loads.

A batch size of 0 used to surface as `range() arg 3 must not be zero` after the model had loaded, and
`--top-k 0` answered an empty list. The limits are not declared here: a command names the dataclasses its
parameters feed (``@feeds``: a recipe section, ServeSettings, or its options class in distilkit/options.py),
a parameter feeds the field of its own name, and that field's declared bounds are the flag's
(distilkit/bounds.py). tests/test_cli_ranges.py walks every flag against its field.
"""
from __future__ import annotations

import dataclasses

from ..bounds import Bounds, check_value, field_bounds
from ..errors import DistilkitError


def feeds(*sources: type):
    """Declare the dataclasses a command's parameters feed: each parameter named like a field of one of them
    (the first that has it) takes that field's bounds, and its default must be the field's."""
    def mark(fn):
        fn.feeds = sources
        return fn
    return mark


def field_of(name: str, sources) -> tuple[type, str] | None:
    """(dataclass, field name) that the parameter ``name`` feeds, or None."""
    for cls in sources:
        if any(f.name == name for f in dataclasses.fields(cls)):
            return cls, name
    return None


def bounds_of(source: tuple[type, str] | None) -> Bounds | None:
    return None if source is None else field_bounds(source[0]).get(source[1])


def check_ranges(args: dict, numbers: dict[str, tuple[str, tuple[type, str] | None]]) -> None:
    """Refuse the first out-of-range number among ``args``; ``numbers`` maps each number's dest to its flag
    and the field it feeds."""
    for dest in sorted(numbers):
        value = args.get(dest)
        if value is None:
            continue
        flag, source = numbers[dest]
        limits = bounds_of(source)
        if limits is None:
            raise DistilkitError(f"{flag}: feeds no field with declared bounds (a distilkit bug: declare the "
                                 "field with bounded() in its dataclass and name the class in the command's @feeds)")
        check_value(flag, value, limits)
