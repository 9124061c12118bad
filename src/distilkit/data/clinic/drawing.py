"""Drawing one note: its content (which eyes, which drugs, which acuities), then a family for every dimension
the note shows, among the families the split allows and that fit the content, giving the note's fields as token
lists in clinic order. Where none fits (an unseen split that allows only a two-eye phrasing, and a one-eye note)
the note is drawn again from the same stream, so a seed still gives the same notes and a prefix never depends on n.

Apart from notes.py, which turns the fields drawn here into text and questions (and copies, and the endless
stream), because the draws are what a seed pins: every change here changes the data, while the rendering can be
read, and changed, without touching them.
"""
from __future__ import annotations

import random

from ...errors import DistilkitError
from .detail import Detail, eye_remark, procedure_line
from .families import EYES, TREATMENT, Mark, block, table
from .holdout import FAMILIES
from .vocab import DOSE_FORMS, DRUGS, FEES, FLUID, PREP, REMARKS, case, typo
from .wording import HISTORY, INTERVAL, VA, acuity

# Clinic order; the two per-eye blocks follow the note's eye order, which is left-first half the time.
# Remarks: up to two, a fluid finding, and with procedure detail a per-eye line and a procedure line.
CLINIC_ORDER = ["history", "va", "remark0", "remark1", "remark2", "remark3", "remark4", "block0", "block1", "prep",
                "drug", "interval", "fee"]
MAX_ATTEMPTS = 1000


class _Misfit(Exception):
    """No allowed family of a dimension fits this note's content: draw another note."""


class Note:
    """One note being drawn: its content, the family chosen per dimension (``fam``) and the families its
    text really shows (``used``; an eye notation picked but never written is not recorded)."""

    def __init__(self, rng: random.Random, allowed: dict[str, list[str]], detail: Detail = Detail.PLAIN):
        self.rng, self.allowed = rng, allowed
        self.rich = detail is not Detail.PLAIN  # every extra draw hangs on it, so plain notes stay as pinned
        self.traps = detail is Detail.PROCEDURE
        self.reworded = detail.includes(Detail.PROCEDURE_WORDING)
        self.blocky = detail.includes(Detail.PROCEDURE_BLOCKS)
        self.tabular = detail.includes(Detail.PROCEDURE_TABLES)
        self.fam: dict[str, str] = {}
        self.used: dict[str, str] = {}
        self.drugs: dict[str, str] = {}  # eye -> drug as written, in the order the note mentions them
        self.acuity: dict[str, tuple[str, list[str]]] = {}
        self.marks: dict[str, str] = {}  # eye -> marker, cased once per note so a note keeps one style
        self.lone = self.same_drug = False
        self.nfields = 0
        self.kinds: list[list[str]] = []  # the drugs drawn (all spellings), whether or not written
        self.eyes: list[str] = []  # every eye the note is about, in the order it mentions them
        self.dose_form: str | None = None  # how a dose follows each drug ("{d}/0.05ml"), or None: no doses

    def case(self, word: str) -> str:
        return case(self.rng, word)

    def pick(self, dim: str) -> str:
        table = FAMILIES[dim]
        names = [f for f in self.allowed[dim] if table[f].fits(self)]
        if not names:
            raise _Misfit(dim)
        self.fam[dim] = self.rng.choices(names, [table[f].weight for f in names])[0]
        return self.fam[dim]

    def use(self, dim: str) -> None:
        self.used[dim] = self.fam[dim]

    @property
    def current(self) -> set[str]:
        """What an earlier drug (history, switch) must not be: the note's drugs, or with slips in their spelling
        every spelling of the drugs drawn ("eyela" must not let "eylea" pass as the previous drug)."""
        if not self.rich:
            return {d.lower() for d in self.drugs.values()}  # as the pinned plain notes were drawn
        return {word for kind in self.kinds for word in kind}

    @property
    def drug_eyes(self) -> list[str]:
        return list(self.drugs)

    @property
    def suffix_ok(self) -> bool:
        return EYES[self.fam["eyes"]].impl[1]

    def mark(self, eye: str) -> Mark:
        self.use("eyes")
        return Mark(self.marks[eye], eye)

    def drug(self, eye: str) -> tuple[str, str]:
        return f"drug:{eye}", self.drugs[eye]


def _content(n: Note) -> None:
    rng = n.rng
    # Left-first as often as right-first: a 3:1 right-first grammar taught a model to answer by position.
    eyes = rng.choices([["L"], ["R"], ["R", "L"], ["L", "R"]], [3, 3, 2, 2])[0]
    mode = rng.choices(["each", "same", "first", "none"], [4, 3, 2, 1])[0] if len(eyes) == 2 else \
        rng.choices(["each", "none"], [6, 1])[0]
    kinds = n.kinds = rng.sample(DRUGS, 2)

    def written(kind: list[str]) -> str:  # the drug as typed, now and then with a slip in it
        word = n.case(rng.choice(kind))
        return typo(rng, word) if n.rich and rng.random() < 0.06 else word
    same = written(kinds[0])
    for k, eye in enumerate({"each": eyes, "same": eyes, "first": eyes[:1], "none": []}[mode]):
        n.drugs[eye] = same if mode == "same" else written(kinds[k])
    n.eyes = eyes
    n.dose_form = rng.choice(DOSE_FORMS) if n.rich and rng.random() < 0.2 else None
    n.same_drug = mode == "same"
    va_eyes = rng.choices([eyes, eyes[:1], eyes[-1:], []], [5, 2, 1, 2])[0] or ([] if n.drugs else eyes)
    if len(va_eyes) == 2 and rng.random() < 0.25:
        va_eyes = va_eyes[::-1]  # the VA line need not follow the treatment's eye order
    # A lone acuity in a one-eye note often has no eye marker: it is the patient's.
    n.lone = len(eyes) == 1 and len(va_eyes) == 1 and rng.random() < 0.5
    if va_eyes:
        scale = n.pick("va_scale")
        n.acuity = {e: acuity(scale, rng) for e in va_eyes}


def _va_tokens(n: Note, label: str | None) -> list:
    family, tokens = n.fam["va"], []
    marker_first = family == "marker_label"
    for k, (eye, (value, extra)) in enumerate(n.acuity.items()):
        tag = ("va:P" if n.lone else f"va:{eye}", value)
        if family in ("value_marker", "sentence"):  # the value, then its eye; no pinhole between them
            tokens += ([",", "and"] if family == "sentence" else [","]) if k else []
            tokens += [tag, "in", n.mark(eye)] if family == "sentence" else [tag, n.mark(eye)]
            continue
        tokens += [","] if k and (marker_first or n.rng.random() < 0.2) else []
        head = [n.mark(eye), label] if marker_first else [] if n.lone else [n.mark(eye)]
        tokens += head + [tag] + extra
    return (label.split() if label and not marker_first else []) + tokens


def _tag_interval(family: str, tokens: list[str]) -> list:
    """The interval's tokens with its value tagged ("interval:N"), so that a question about the review interval
    (asked only with unanswerable questions on, unanswerable.py) has a span: `4/52` of `4/52 rev`, `6 weeks` of
    `review in 6 weeks`. The note's text is the same as untagged (one space joins the two words either way)."""
    if family == "value_word":
        return [("interval:N", tokens[0])] + tokens[1:]
    if family == "spelled":
        return tokens[:-2] + [("interval:N", f"{tokens[-2]} {tokens[-1]}")]
    return tokens[:-1] + [("interval:N", tokens[-1])]


def _fields(n: Note) -> list[list]:
    """The note's fields as token lists, in clinic order; answer tokens are (tag, text), tags like 'drug:L'."""
    rng, fields = n.rng, {}
    n.pick("eyes")
    n.marks = {e: n.case(m) for e, m in EYES[n.fam["eyes"]].impl[0].items()}
    treatment = n.pick("treatment") if n.drugs else None
    if n.acuity:
        labels = VA[n.pick("va")].impl
        label = rng.choice(labels) if labels else None
        label = n.case(label) if label else None
        n.use("va")
        n.use("va_scale")
    if n.blocky and treatment not in (None, "blocks") and len(n.drugs) == 1 and set(n.acuity) == {"L", "R"} \
            and "blocks" in n.allowed["treatment"] and rng.random() < 0.5:
        treatment = n.fam["treatment"] = "blocks"  # one eye treated, each eye's block: the other says `observe`
    if n.tabular and treatment and set(n.acuity) == {"L", "R"} and "blocks" in n.allowed["treatment"] \
            and rng.random() < (0.4 if treatment == "blocks" else 0.25):
        treatment = n.fam["treatment"] = "blocks"
        fields["block0"] = table(n, label)  # both eyes' blocks as the columns of one table
    elif treatment == "blocks":
        for k, eye in enumerate(n.eyes):  # separate fields, so an order family can split them
            fields[f"block{k}"] = block(n, eye, label)
    elif treatment:
        fields["drug"] = TREATMENT[treatment].impl(n)
    if n.acuity and treatment != "blocks":
        fields["va"] = _va_tokens(n, label)
    if treatment:
        n.use("treatment")
    if rng.random() < 0.75:
        fields["interval"] = _tag_interval(n.pick("interval"), INTERVAL[n.fam["interval"]].impl(rng))
        n.use("interval")
    if rng.random() < 0.5:
        fields["fee"] = rng.choice([["hn"], [], []]) + [f"${rng.choice(FEES)}"]
    if treatment and rng.random() < 0.15:  # drops and antiseptic beside the injection: drug-like, never the answer
        fields["prep"] = rng.choice([[], ["prep"], ["+"]])[:1] + rng.choice(PREP).split()
    if rng.random() < 0.5:
        fields["history"] = HISTORY[n.pick("history")].impl(n)
        n.use("history")
    remarks = rng.sample(REMARKS, rng.choice([0, 0, 1, 1, 2])) + ([rng.choice(FLUID)] if rng.random() < 0.4 else [])
    remarks = [r.split() for r in remarks]
    if n.rich and rng.random() < 0.3:  # eye markers away from the treatment and VA: not only the answer's eye
        remarks.append(eye_remark(n))
    if n.rich and treatment and rng.random() < 0.3:
        remarks.append(procedure_line(rng, n.traps))
    fields.update((f"remark{k}", r) for k, r in enumerate(remarks))
    ordered = [fields[k] for k in sorted(fields, key=CLINIC_ORDER.index)]  # a field missing from the order fails
    n.nfields = len(ordered)
    if n.nfields >= 2:  # one field has no order and no separator to speak of
        ordered = FAMILIES["order"][n.pick("order")].impl(ordered, rng)
        n.pick("separator")
        n.use("order"), n.use("separator")
    n.pick("question")
    n.use("question")
    return ordered


def draw_note(rng: random.Random, allowed: dict[str, list[str]], detail: Detail = Detail.PLAIN
              ) -> tuple[Note, list[list]]:
    for _ in range(MAX_ATTEMPTS):
        n = Note(rng, allowed, detail)
        try:
            _content(n)
            return n, _fields(n)
        except _Misfit:
            continue
    raise DistilkitError("no note fits the held-out clinic families together ("
                         + ", ".join(f"{d}: {'/'.join(f)}" for d, f in allowed.items()) + "); hold out fewer")
