"""The family registry and the choice of which families a split may use.

``FAMILIES[dimension][name]`` lists every named surface family; ``DEFAULT_HOLDOUT`` holds out one family
in every dimension, each chosen so that a pretrained encoder could plausibly generalise to it from its
neighbours (``Rt``/``Lt`` from ``Rt eye``/``LE``, ``Vision:`` from ``VA``, `` | `` from `` / ``) rather
than meeting something it has no way to know (``OS``/``OD`` abbreviate Latin and are rare in pretraining
text, so holding them out would measure vocabulary, not phrasing).

``VALIDATION_HOLDOUT`` is a second, disjoint set, kept out of train, test and test_unseen alike and written as
``validation_unseen``: validation drawn from the training grammar saturates (a model reaches 100 EM on it)
and so cannot choose for notes written by another hand, while a validation split of unseen families can.
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
# Disjoint from DEFAULT_HOLDOUT; none of order/interval/history (with one family held for test, holding a second
# would leave train a single one), each again reachable from neighbours (`L eye` from `Lt eye` and `left eye`, `; `
# from `, `, "the left eye's drug" from "the drug used on the left eye"). Not a VA scale (`72 letters` answers with
# its unit, a rule no neighbour shows) nor the casual questions ("What did the left eye get today?" names neither
# drug nor acuity): a first choice of both made validation measure those two and little else (EM 55).
VALIDATION_HOLDOUT = ("eyes.l_eye", "separator.semicolon", "treatment.injection_to", "va.bare", "question.possessive")


def parse_holdout(spec: str | Iterable[str] | None, default: tuple[str, ...] = DEFAULT_HOLDOUT,
                  flag: str = "--holdout-families") -> tuple[str, ...]:
    """Held-out family names from 'none', 'default' (or None), 'a.b,c.d' or an iterable of names.

    Refuses an unknown name, and holding out every family of a dimension (train would have none to use).
    """
    if spec is None:
        return default
    if isinstance(spec, str):
        if spec.strip().lower() in ("none", ""):
            return ()
        if spec.strip().lower() == "default":
            return default
        spec = spec.split(",")
    names = list(dict.fromkeys(s.strip() for s in spec if s.strip()))
    for name in names:
        if name not in FAMILY_NAMES:
            raise DistilkitError(f"{flag}: unknown clinic family {name!r}: give dimension.family names from "
                                 f"{', '.join(FAMILY_NAMES)} (or 'none', or 'default')")
    check_train_keeps_one(names, flag)
    return tuple(names)


def check_train_keeps_one(names: Iterable[str], flag: str) -> None:
    """Refuse held-out names that leave a dimension without any family for train."""
    names = set(names)
    for dim, table in FAMILIES.items():
        if all(f"{dim}.{name}" in names for name in table):
            raise DistilkitError(f"{flag} holds out every {dim} family, so train would have none; "
                                 f"keep at least one of {', '.join(dim + '.' + n for n in table)}")


def check_disjoint(test: Iterable[str], validation: Iterable[str]) -> None:
    """The two held-out sets together must leave train a family per dimension, and may not share a family."""
    both = sorted(set(test) & set(validation))
    if both:
        raise DistilkitError(f"--validation-holdout shares {', '.join(both)} with --holdout-families: a family held "
                             "out for validation must not be in test_unseen; drop it from one of them")
    check_train_keeps_one(set(test) | set(validation), "--holdout-families with --validation-holdout")


def allowed_families(holdout: Iterable[str], unseen: bool = False, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """Per dimension, the families a split may draw: all but the held-out and excluded ones, or (unseen) only the
    held-out ones in every dimension that has any and all but the excluded ones in the others."""
    held, gone = set(holdout), set(exclude)
    out = {}
    for dim, table in FAMILIES.items():
        mine = [name for name in table if f"{dim}.{name}" in held]
        out[dim] = mine if unseen and mine else [name for name in table if f"{dim}.{name}" not in held | gone]
    return out
