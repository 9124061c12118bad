"""The family registry and the choice of which families a split may use.

``FAMILIES[dimension][name]`` lists every named surface family; ``DEFAULT_HOLDOUT`` holds out one family
in every dimension, each chosen so that a pretrained encoder could plausibly generalise to it from its
neighbours (``Rt``/``Lt`` from ``Rt eye``/``LE``, ``Vision:`` from ``VA``, `` | `` from `` / ``) rather
than meeting something it has no way to know (``OS``/``OD`` abbreviate Latin and are rare in pretraining
text, so holding them out would measure vocabulary, not phrasing).
"""
from __future__ import annotations

from collections.abc import Iterable

from ...errors import DistilkitError
from .families import EYES, ORDER, SEPARATOR, TREATMENT
from .wording import HISTORY, INTERVAL, QUESTION, VA, VA_SCALE

FAMILIES = {"order": ORDER, "eyes": EYES, "separator": SEPARATOR, "treatment": TREATMENT, "va": VA,
            "va_scale": VA_SCALE, "question": QUESTION, "interval": INTERVAL, "history": HISTORY}
FAMILY_NAMES = [f"{dim}.{name}" for dim, table in FAMILIES.items() for name in table]
DEFAULT_HOLDOUT = ("order.reversed", "eyes.rt_lt", "separator.pipe", "treatment.label_given", "va.word",
                   "va_scale.imperial", "question.medication", "interval.spelled", "history.sentence")


def parse_holdout(spec: str | Iterable[str] | None) -> tuple[str, ...]:
    """Held-out family names from 'none', 'default' (or None), 'a.b,c.d' or an iterable of names.

    Refuses an unknown name, and holding out every family of a dimension (train would have none to use).
    """
    if spec is None:
        return DEFAULT_HOLDOUT
    if isinstance(spec, str):
        if spec.strip().lower() in ("none", ""):
            return ()
        if spec.strip().lower() == "default":
            return DEFAULT_HOLDOUT
        spec = spec.split(",")
    names = list(dict.fromkeys(s.strip() for s in spec if s.strip()))
    for name in names:
        if name not in FAMILY_NAMES:
            raise DistilkitError(f"unknown clinic family {name!r}: give dimension.family names from "
                                 f"{', '.join(FAMILY_NAMES)} (or 'none', or 'default')")
    for dim, table in FAMILIES.items():
        if all(f"{dim}.{name}" in names for name in table):
            raise DistilkitError(f"--holdout-families holds out every {dim} family, so train would have none; "
                                 f"keep at least one of {', '.join(dim + '.' + n for n in table)}")
    return tuple(names)


def allowed_families(holdout: Iterable[str], unseen: bool = False) -> dict[str, list[str]]:
    """Per dimension, the families a split may draw: all but the held-out ones, or (unseen) only the held-out
    ones in every dimension that has any and all families in the others."""
    held = set(holdout)
    out = {}
    for dim, table in FAMILIES.items():
        mine = [name for name in table if f"{dim}.{name}" in held]
        out[dim] = mine if unseen and mine else [name for name in table if f"{dim}.{name}" not in held]
    return out
