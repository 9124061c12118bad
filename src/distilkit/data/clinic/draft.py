"""One styled note being drawn (styles.py writes it): its content, and the families its surface takes among those the
split allows, recording those it shows (``used``, as a grammar note's families)."""
from __future__ import annotations

import random

from .drawing import _tag_interval
from .families import EYES, SEPARATOR, Mark
from .holdout import FAMILIES
from .vocab import DOSE_FORMS, DOSES, DRUGS, case, other_drug, typo
from .wording import INTERVAL, acuity

# What an untreated eye is said to have (also appended to some grammar notes' treatment: styled.negate).
NEGATIONS = ["nil", "obs", "observe", "no inj", "no tx", "not treated", "no treatment", "untreated", "dry, observe",
             "no IVI today", "monitor", "stable, obs", "inactive, observe", "no inj today"]


class Draft:
    """One styled note being written: its content (``t`` the eye named first and treated unless nothing is, ``o``
    the other), the families its surface takes and the families it shows (``used``)."""

    def __init__(self, rng: random.Random, allowed: dict[str, list[str]], style: str, scenario: str,
                 prefer: dict[str, float]):
        self.rng, self.allowed, self.scenario = rng, allowed, scenario
        self.used = {"style": style}
        names = allowed["eyes"] if not prefer else [f for f in allowed["eyes"] if f in prefer] \
            or [f for f in allowed["eyes"] if EYES[f].impl[1]] or allowed["eyes"]
        self.eyes_family = rng.choices(names, [prefer.get(f, EYES[f].weight) for f in names])[0]
        marks, self.suffix_ok = EYES[self.eyes_family].impl
        self.marks = {e: _slip(rng, case(rng, m)) for e, m in marks.items()}
        self.t, self.o = rng.sample("LR", 2)
        kinds = rng.sample(DRUGS, 2)
        first, second = (self._written(k) for k in kinds)
        eyes = {"one": [self.t], "one_other": [self.t], "two": [self.t, self.o], "same": [self.t, self.o]}
        self.drugs = {e: (first if k == 0 or scenario == "same" else second)
                      for k, e in enumerate(eyes.get(scenario, []))}
        self.named = [self.t] + ([self.o] if scenario in ("one_other", "two", "same")
                                 or (scenario == "none" and rng.random() < 0.6) else [])
        self.old = case(rng, other_drug(rng, {w for kind in kinds for w in kind}))  # an earlier drug, never an answer
        va_eyes = rng.choices([self.named, self.named[:1], self.named[-1:], []], [5, 2, 1, 2])[0]
        self.scale = self._pick("va_scale")
        self.va = {e: acuity(self.scale, rng) for e in va_eyes}
        self.question = self._pick("question")
        self.used["question"] = self.question
        self.dose_form = rng.choice(DOSE_FORMS) if rng.random() < 0.3 else None
        self.she, self.her = rng.choice([("she", "her"), ("he", "his")])

    def _written(self, kind: list[str]) -> str:
        word = case(self.rng, self.rng.choice(kind))
        return typo(self.rng, word) if self.rng.random() < 0.06 else word

    def _pick(self, dim: str) -> str:
        names = self.allowed[dim]
        return self.rng.choices(names, [FAMILIES[dim][f].weight for f in names])[0]

    def m(self, eye: str) -> Mark:
        self.used["eyes"] = self.eyes_family
        return Mark(self.marks[eye], eye)

    def d(self, eye: str, dose: bool = True) -> list:
        """The eye's drug, tagged (`drug:B` for one mention of both eyes' drug), and its dose if the note gives
        doses."""
        word = self.drugs[self.t if eye == "B" else eye]
        form = self.dose_form if dose and word.lower() in DOSES else None
        return [(f"drug:{eye}", word)] + (form.format(d=DOSES[word.lower()]).split() if form else [])

    def v(self, eye: str) -> list:
        self.used["va_scale"] = self.scale
        value, extra = self.va[eye]
        return [(f"va:{eye}", value)] + extra

    def neg(self) -> list[str]:
        return case(self.rng, self.rng.choice(NEGATIONS)).split()

    def interval(self) -> list:
        """The review interval in one of the split's interval families, its value tagged, or [] (half the notes)."""
        if self.rng.random() < 0.5:
            return []
        name = self.used["interval"] = self._pick("interval")
        return _tag_interval(name, INTERVAL[name].impl(self.rng))

    def separator(self, among: tuple[str, ...] = ()) -> str:
        """The string between the note's fields: one of the split's separator families (not mixed; among those
        named, where the split allows any)."""
        names = [f for f in self.allowed["separator"] if SEPARATOR[f].impl]
        names = [f for f in names if f in among] or names or ["space"]
        name = self.used["separator"] = self.rng.choices(names, [SEPARATOR[f].weight for f in names])[0]
        return SEPARATOR[name].impl


def _slip(rng: random.Random, marker: str) -> str:
    """Now and then a slip in a spelled-out marker (`rigth eye`, `lef eye`): the question still names the eye."""
    word = marker.split()[0]
    return typo(rng, word) + marker[len(word):] if len(word) >= 4 and word.isalpha() and rng.random() < 0.08 \
        else marker
