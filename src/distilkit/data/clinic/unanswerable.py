"""Questions a note does not answer (``make-clinic-data --unanswerable SHARE``), in SQuAD v2 form.

A model trained only on questions that have an answer answers every question: asked the drug of the left eye of
`4/52 rev + r) eylea hn $95`, it says `eylea`, the right eye's drug, with 99.8% confidence. These questions teach
it that the note may record nothing: their rows have ``"answers": {"text": [], "answer_start": []}`` and
``"is_impossible": true``. Kinds (``KINDS``), drawn by weight among those a note allows:

- ``untreated_eye``: the drug of an eye the note names but does not treat (`r) eylea, VA L 6/9`, left eye?), an
  untreated eye's block or table column (`L: observe`, `IVI  Eylea  -`) included;
- ``unmentioned_eye``: the drug or acuity of an eye the note never names (a one-eye note, the other eye);
- ``no_acuity``: an acuity the note does not record (none at all, or only the other eye's);
- ``no_drug``: the drug of a visit with no treatment (an acuity-only note), half of them written as an
  observation-only visit (`VA R 6/9 L 6/12 observe both eyes`, `no inj today`);
- ``no_interval``: the review interval of a note that gives none. So that an interval question is no cue for "no
  answer", one note in ten that has an interval is asked it too, answered with its value (`4/52` of `4/52 rev`,
  `6 weeks` of `review in 6 weeks`).

Each note's answerable questions come first and are those of ``--unanswerable 0``; its unanswerable ones (at most
two) follow, as many as keep the split's share at SHARE of its questions (a running quota, so the share is met
over the split, not in every note). Everything here draws from a random stream of its own per note
(``clinic-unanswerable:SEED:NOTE``), never from the note's, so the notes, their wording and their answerable
questions do not move; a share of 0 draws nothing and writes the files of before, byte for byte. An eye-swap twin
asks its note's unanswerable questions with the same words, answered from the swapped note: "left eye's drug?" has
no answer in `r) eylea, VA L 6/9` and is `eylea` in its twin `l) eylea, VA R 6/9`, a pair that differs only in the
marker.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

from .families import Mark
from .vocab import case
from .wording import CLINICIAN_WORDING, QUESTION

EYE_WORDS = {"L": "left", "R": "right"}
MAX_PER_NOTE = 2
ASKED_INTERVAL = 0.1  # notes with an interval that are asked it (answerable), so the question is no cue for none
OBSERVED = 0.5  # acuity-only notes written as an observation-only visit
OBSERVE = [["observe"], ["obs"], ["no", "inj", "today"], ["no", "tx"], ["monitor"], ["observe", "only"],
           ["no", "IVI", "today"], ["not", "treated", "today"]]
OBSERVE_BOTH = [["observe", "both", "eyes"], ["obs", "OU"], ["no", "inj", "either", "eye"]]
INTERVAL_QUESTIONS = ["When is the next review?", "What is the review interval?", "When should the patient come back?",
                      "Follow-up interval?", "When is the patient to be seen again?", "When is the next visit?"]


class Kind(NamedTuple):
    weight: float
    description: str


KINDS = {
    "untreated_eye": Kind(3, "the drug of an eye the note names but does not treat"),
    "unmentioned_eye": Kind(2, "the drug or acuity of an eye the note never names"),
    "no_acuity": Kind(2, "an acuity the note does not record (none, or only the other eye's)"),
    "no_drug": Kind(2, "the drug of a visit with no treatment (half of them written as observation-only)"),
    "no_interval": Kind(1, "the review interval of a note that gives none"),
}


class Row(dict):
    """A generated row (plain JSON when written) that also says which kind of unanswerable question it is
    (``kind``; None for a question with an answer), for the split's counts and for tests."""

    kind: str | None = None


@dataclass(frozen=True)
class Ask:
    question: str
    field: str
    """What is asked: drug, va or interval."""
    eye: str
    """L, R, P (the patient: an acuity asked without an eye) or N (no eye: the interval)."""
    kind: str | None
    """The kind of unanswerable question in the note it was drawn for; None for an answerable interval question."""


def resolve(ask: Ask, spans: dict[str, tuple[int, str]]) -> tuple[int, str] | None:
    """(start, text) of the ask's answer in a rendered note, or None: the note records none."""
    if ask.field == "drug":
        return spans.get(f"drug:{ask.eye}") or spans.get("drug:B")
    if ask.field == "va":
        return spans.get(f"va:{ask.eye}")
    return spans.get("interval:N")


class NoAnswerPlan:
    """The running quota of one split's stream: answerable questions seen and unanswerable ones added."""

    def __init__(self, share: float, seed: int):
        self.ratio, self.seed = share / (1 - share), seed
        self.answerable = self.unanswerable = 0

    def note(self, index: int, n, fields: list[list]) -> "NoteAsks":
        """This note's own random stream; an acuity-only note may first be written as observation-only (its
        fields change before rendering, so an eye-swap twin shows the same words)."""
        side = random.Random(f"clinic-unanswerable:{self.seed}:{index}")
        if not n.drugs and side.random() < OBSERVED:
            va = next(f for f in fields if any(isinstance(t, tuple) and t[0].startswith("va:") for t in f))
            phrase = side.choice(OBSERVE + (OBSERVE_BOTH if len(n.acuity) == 2 else []))
            va += [case(side, word) for word in phrase]
        return NoteAsks(self, side)

    @staticmethod
    def row(r: dict) -> Row:
        return Row({**r, "is_impossible": False})

    @staticmethod
    def ask(ask: Ask, seed: int, index: int, context: str, spans: dict, k: int, twin: str = "") -> Row:
        found = resolve(ask, spans)
        answers = {"text": [found[1]], "answer_start": [found[0]]} if found else {"text": [], "answer_start": []}
        row = Row({"id": f"clinic-s{seed}-{index:06d}{twin}-q{k}", "question": ask.question, "context": context,
                   "answers": answers, "is_impossible": found is None})
        row.kind = None if found else ask.kind
        return row


class NoteAsks:
    def __init__(self, plan: NoAnswerPlan, side: random.Random):
        self.plan, self.side = plan, side

    def asks(self, n, fields: list[list], spans: dict, answered: int) -> list[Ask]:
        """The questions added to a note that already has ``answered`` answerable ones: an interval question
        now and then, and as many unanswerable ones as the quota wants (at most MAX_PER_NOTE)."""
        side, plan = self.side, self.plan
        extra = []
        if "interval:N" in spans and side.random() < ASKED_INTERVAL:
            extra.append(Ask(side.choice(INTERVAL_QUESTIONS), "interval", "N", None))
        plan.answerable += answered + len(extra)
        wanted = min(MAX_PER_NOTE, round(plan.ratio * plan.answerable) - plan.unanswerable)
        choices = candidates(fields, spans)
        while wanted > 0 and choices:
            kind, field, eye = side.choices(choices, [KINDS[c[0]].weight for c in choices])[0]
            choices.remove((kind, field, eye))
            extra.append(Ask(wording(n, side, field, eye, spans), field, eye, kind))
            plan.unanswerable += 1
            wanted -= 1
        return extra


def candidates(fields: list[list], spans: dict) -> list[tuple[str, str, str]]:
    """(kind, field, eye) of every question this note leaves without an answer."""
    marked = {t.eye for field in fields for t in field if isinstance(t, Mark)}
    tags = [tag.split(":") for tag in spans]
    drugs = {e for kind, eye in tags if kind == "drug" for e in ("LR" if eye == "B" else eye)}
    acuities = {eye for kind, eye in tags if kind == "va"}
    named = {e for tag in spans for e in "LR" if tag.endswith(e) or tag == "drug:B"}  # as notes._questions
    found = []
    for eye in "LR":
        if not drugs:
            found.append(("no_drug", "drug", eye))
        elif eye not in drugs:
            found.append(("untreated_eye" if eye in marked else "unmentioned_eye", "drug", eye))
        if "P" not in acuities and eye not in acuities:  # a lone acuity is the patient's: no eye is asked of it
            found.append(("no_acuity" if eye in marked or not marked else "unmentioned_eye", "va", eye))
    if not acuities and len(named) <= 1:  # "this patient" only where the note names at most one eye
        found.append(("no_acuity", "va", "P"))
    if "interval:N" not in spans:
        found.append(("no_interval", "interval", "N"))
    return found


def wording(n, side: random.Random, field: str, eye: str, spans: dict) -> str:
    """The question in the note's own question family (or, with clinicians' wordings on, now and then theirs)."""
    if field == "interval":
        return side.choice(INTERVAL_QUESTIONS)
    kind = 0 if field == "drug" else 2 if eye == "P" else 1
    templates = QUESTION[n.fam["question"]].impl[kind]
    treated = any(tag.startswith("drug") for tag in spans)
    if n.reworded and treated and side.random() < 0.33:
        templates = CLINICIAN_WORDING[kind]
    word = EYE_WORDS.get(eye, "left")
    return side.choice(templates).format(e=word, E=word.capitalize())
