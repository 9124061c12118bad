"""Perturbations for invariance and directional behaviour tests, one function each and a registry by name.

A perturbation takes one text and a seeded ``random.Random`` and returns the changed text. Which field it
changes (a QA example's context or question, a classifier's text) is the test's choice (``field``), so the
same ``lowercase`` serves both kinds. A perturbation that leaves an example as it was is an error in the tests
file, not a pass: the spec refuses it (see spec.py).
"""
from __future__ import annotations

import random
import re
from typing import Callable

from ...errors import DistilkitError

Perturbation = Callable[..., str]
PERTURBATIONS: dict[str, Perturbation] = {}


def perturbation(fn: Perturbation) -> Perturbation:
    PERTURBATIONS[fn.__name__] = fn
    return fn


# Eye markers in the spellings clinic notes use, each with its mirror; case is kept as written. Short markers
# count only as whole tokens not touching '/' or a letter, so `r/v` (review) and `rev` are never swapped.
EYE_PAIRS = [("left", "right"), ("Left", "Right"), ("LEFT", "RIGHT"), ("l)", "r)"), ("L)", "R)"),
             ("Lt", "Rt"), ("lt", "rt"), ("LT", "RT"), ("LE", "RE"), ("OS", "OD"), ("L", "R"), ("l", "r")]
_MIRROR = {a: b for a, b in EYE_PAIRS} | {b: a for a, b in EYE_PAIRS}
_EYES = re.compile(r"(?<![\w/])(" + "|".join(re.escape(m) for m in sorted(_MIRROR, key=len, reverse=True))
                   + r")(?![\w/])")


@perturbation
def swap_eyes(text: str, rng: random.Random) -> str:
    """Every left-eye marker becomes the right-eye one and back (`l)`/`r)`, `LE`/`RE`, `OS`/`OD`, `Lt`/`Rt`,
    `L`/`R`, `left`/`right`)."""
    return _EYES.sub(lambda m: _MIRROR[m.group(1)], text)


_SIDES = {"left": [a for a, _ in EYE_PAIRS], "right": [b for _, b in EYE_PAIRS]}
_NOT_A_DRUG = re.compile(r"^(\d|(cf|hm|pl|npl|nlp|va|v/a|vis|vision|iop|oct|since|eye|today|observe|obs)\b)", re.I)
_JOINER = r"[+/,;]"


@perturbation
def remove_treatment(text: str, rng: random.Random, eye: str = "left", words: int = 1, marker_after: bool = False,
                     instead: str | None = None) -> str:
    """The treatment of one ``eye`` (left or right) taken out of a note: the first marker of that eye (`l)`, `LE`,
    `OS`, `Lt eye`, `left eye`...) followed by a drug of ``words`` words, and that drug, removed (`4/52 rev + l)
    eylea r) beovu` -> `4/52 rev + r) beovu`), or with ``instead`` the drug replaced by those words (`l) observe`).
    ``marker_after``: the drug comes before its marker (`eylea LE`). A marker followed by an acuity or a label
    (`L 6/12`, `RE VA`) is not a treatment. The note no longer records a drug for that eye: a directional test
    expects no answer after it."""
    if eye not in _SIDES:
        raise TypeError(f"eye must be 'left' or 'right', not {eye!r}")
    marker = r"(?<![\w/])(?:" + "|".join(re.escape(m) for m in sorted(_SIDES[eye], key=len, reverse=True)) \
        + r")(?:\s+eye)?(?![\w/])"
    drug = r"[^\s,;+.]+" + r"(?:\s+[^\s,;+.]+)" * (max(1, words) - 1)  # a full stop ends the drug
    pattern = re.compile(rf"(?P<drug>{drug})\s+{marker}" if marker_after else rf"{marker}\s+(?P<drug>{drug})")
    for m in pattern.finditer(text):
        if _NOT_A_DRUG.match(m.group("drug")):
            continue
        if instead is not None:
            return text[:m.start("drug")] + instead + text[m.end("drug"):]
        out = text[:m.start()] + text[m.end():]
        out = re.sub(rf"\s*{_JOINER}\s*(?={_JOINER}|[.]|$)", "", out)  # a joiner left with nothing after it
        out = re.sub(r"^\s*[+/,;.]\s*", "", out)
        out = re.sub(rf":\s*{_JOINER}\s*", ": ", out)
        return re.sub(r"[ \t]{2,}", " ", out).strip()
    return text


@perturbation
def lowercase(text: str, rng: random.Random) -> str:
    """The whole text in lower case."""
    return text.lower()


@perturbation
def uppercase(text: str, rng: random.Random) -> str:
    """The whole text in upper case."""
    return text.upper()


@perturbation
def replace(text: str, rng: random.Random, map: dict[str, str] | None = None) -> str:
    """Each key of ``map`` replaced by its value, everywhere (a separator, a question's wording, an
    abbreviation); keys are plain text, not patterns."""
    for old, new in (map or {}).items():
        text = text.replace(old, new)
    return text


@perturbation
def add_remark(text: str, rng: random.Random, remarks: list[str] | None = None, where: str = "end",
               joiner: str = ". ") -> str:
    """One of ``remarks`` (drawn per example) added at the ``end`` or ``start``: something the answer must
    not depend on."""
    remark = rng.choice(remarks or ["pt well"])
    return f"{text}{joiner}{remark}" if where == "end" else f"{remark}{joiner}{text}"


@perturbation
def typo(text: str, rng: random.Random, count: int = 1) -> str:
    """``count`` typing slips: two neighbouring letters swapped inside words of four letters or more."""
    words = text.split(" ")
    spots = lambda w: [j for j in range(1, len(w) - 2) if w[j] != w[j + 1]]  # noqa: E731 (swaps that change w)
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha() and spots(w)]
    for i in rng.sample(long, min(count, len(long))):
        w = words[i]
        j = rng.choice(spots(w))
        words[i] = w[:j] + w[j + 1] + w[j] + w[j + 2:]
    return " ".join(words)


def get_perturbation(name: str, where: str) -> Perturbation:
    if name not in PERTURBATIONS:
        raise DistilkitError(f"{where}: perturbation '{name}' is unknown; known: {', '.join(PERTURBATIONS)}")
    return PERTURBATIONS[name]
