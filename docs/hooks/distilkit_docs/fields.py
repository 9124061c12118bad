"""A configuration dataclass as a table of its fields, and the recipe fields (``RunConfig`` and its sections).

Everything in a row comes from the field's declaration: its attribute docstring (``distilkit.config.field_docs``),
its type, its default, the members of a Choice enum with the comment beside each, and its declared bounds
(``distilkit.config.field_bounds``, the same declaration the recipe loader and the command line check).
"""
from __future__ import annotations

import dataclasses
import enum
import inspect
import re
import typing

from .text import code, first_paragraph, table

HEADER = ["Field", "Type", "Default", "Description"]


def choice_notes(cls: type[enum.Enum]) -> list[tuple[str, str]]:
    """(value, the comment beside it in the source) for each member of a Choice enum."""
    lines, _ = inspect.getsourcelines(cls)
    comments = {}
    for line in lines:
        found = re.match(r"\s+(\w+)\s*=\s*['\"][^'\"]*['\"]\s*(?:#\s*(.*))?$", line)
        if found:
            comments[found.group(1)] = (found.group(2) or "").strip()
    return [(m.value, comments.get(m.name, "")) for m in cls]


def bounds_text(cls) -> dict[str, str]:
    """The declared bounds of a dataclass's fields as text: {'batch_size': '>= 1 (examples per batch)'}."""
    from distilkit.config import field_bounds

    return {name: f"{b.rule()} ({b.what})" if b.what else b.rule() for name, b in field_bounds(cls).items()}


def default_text(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:
        value = f.default_factory()
        if dataclasses.is_dataclass(value):
            return "(section)"
    else:
        return "(required)"
    if isinstance(value, enum.Enum):
        value = value.value
    if value is None:
        return "`null`"
    if isinstance(value, bool):
        return code(str(value).lower())
    return code(repr(value) if isinstance(value, str) and not value else value)


def field_rows(cls, prefix: str) -> list[list[str]]:
    """One row per field (sections, themselves dataclasses, left out): name, type, default, and the
    description with its choices and bounds."""
    from distilkit.config import field_docs

    docs, hints, bounds = field_docs(cls), typing.get_type_hints(cls), bounds_text(cls)
    rows = []
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        if dataclasses.is_dataclass(hint):
            continue  # a section of its own
        kind = f.type if isinstance(f.type, str) else getattr(hint, "__name__", str(hint))
        text = docs.get(f.name, "")
        base = [a for a in typing.get_args(hint) if a is not type(None)] or [hint]
        choice = next((a for a in base if isinstance(a, type) and issubclass(a, enum.Enum)), None)
        if choice is not None:
            kind = "one of " + ", ".join(code(v) for v, _ in choice_notes(choice))
            notes = [f"{code(v)}: {c}" for v, c in choice_notes(choice) if c]
            if notes:
                text += " Choices: " + "; ".join(notes) + "."
        if f.name in bounds:
            text += f" **Bounds:** {bounds[f.name]}."
        rows.append([f"`{prefix}{f.name}`", code(kind) if choice is None else kind, default_text(f), text])
    return rows


def own_doc(cls) -> bool:
    """A docstring written for the class, not the one dataclasses makes up from the signature."""
    return bool(cls.__doc__) and not cls.__doc__.startswith(cls.__name__ + "(")


def list_entries(cls) -> list[tuple[str, type]]:
    """(field name, entry dataclass) for each ``list[SomeDataclass]`` field of ``cls`` (distill.transfer)."""
    found = []
    for name, hint in typing.get_type_hints(cls).items():
        args = typing.get_args(hint)
        if typing.get_origin(hint) is list and len(args) == 1 and dataclasses.is_dataclass(args[0]):
            found.append((name, args[0]))
    return found


def gen_recipe_fields() -> str:
    """The top-level keys of a recipe, then one table per section, and one per section field that is a list of
    entries (the fields of one entry, named ``section.field[].name``)."""
    from distilkit.config import RunConfig

    hints = typing.get_type_hints(RunConfig)
    out = ["### Top level", "", "Keys of the recipe file itself, beside its sections.", "",
           table(HEADER, field_rows(RunConfig, ""))]
    for f in dataclasses.fields(RunConfig):
        cls = hints[f.name]
        if not dataclasses.is_dataclass(cls):
            continue
        about = f"`{cls.__name__}`" + (f": {first_paragraph(cls.__doc__)}" if own_doc(cls) else "")
        out += ["", f"### `{f.name}`", "", about, "", table(HEADER, field_rows(cls, f"{f.name}."))]
        for name, entry in list_entries(cls):
            about = f"`{entry.__name__}`" + (f": {first_paragraph(entry.__doc__)}" if own_doc(entry) else "")
            out += ["", f"#### Each entry of `{f.name}.{name}`", "", about, "",
                    table(HEADER, field_rows(entry, f"{f.name}.{name}[]."))]
    return "\n".join(out)
