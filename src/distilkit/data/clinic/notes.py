"""Assembling one note: its content, one family per dimension, the rendered text and its questions.

A note is drawn in two steps. First the content (which eyes, which drugs, which acuities), then a family
for every dimension the note shows, among the families the split allows and that fit the content. Where
none fits (an unseen split that allows only a two-eye phrasing, and a one-eye note) the note is drawn
again from the same stream, so a seed still gives the same notes and a prefix never depends on n.
"""
from __future__ import annotations

import random
from typing import Callable, Iterator

from ...errors import DistilkitError
from .detail import Detail, eye_remark, procedure_line
from .families import EYES, TREATMENT, Cell, Mark, block, separators, table
from .holdout import FAMILIES
from .vocab import DOSE_FORMS, DOSES, DRUGS, FEES, FLUID, PREP, REMARKS, case, typo
from .wording import CLINICIAN_WORDING, HISTORY, INTERVAL, QUESTION, VA, acuity
from .unanswerable import NoAnswerPlan

EYE_WORDS = {"L": "left", "R": "right"}
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


def _render(n: Note, fields: list[list]) -> tuple[str, dict[str, tuple[int, str]]]:
    """Join fields into the note text and record where each tagged answer starts."""
    gaps = separators(n.fam["separator"], len(fields) - 1, n.rng) if len(fields) >= 2 else []
    text, spans = "", {}
    for i, field in enumerate(fields):
        if i:  # a table (families.table) stands on lines of its own
            text += "\n" if isinstance(fields[i - 1][-1], Cell) or isinstance(field[0], Cell) else gaps[i - 1]
        for j, tok in enumerate(field):
            tag, word = tok if isinstance(tok, tuple) else (None, tok)
            text += " " if j and word != "," and not isinstance(word, Cell) and not isinstance(field[j - 1], Cell) \
                else ""
            if tag:
                spans[tag] = (len(text), word)
            text += word
            if tag and tag.startswith("drug") and n.dose_form and word.lower() in DOSES:
                text += " " + n.dose_form.format(d=DOSES[word.lower()])  # after the answer, never in it
    return text, spans


def _questions(n: Note, seed: int, index: int, context: str, spans: dict, twin: str = "") -> list[dict]:
    rng, wording = n.rng, QUESTION[n.fam["question"]].impl  # (drug, VA of an eye, VA of the patient) templates
    named = {e for tag in spans for e in "LR" if tag.endswith(e) or tag == "drug:B"}
    treated = any(tag.startswith("drug") for tag in spans)

    def ask(kind: int, eye: str = "L") -> str:
        templates = wording[kind]
        if n.reworded and treated and rng.random() < 0.33:  # drawn only then: other notes keep their wording
            templates = CLINICIAN_WORDING[kind]
        return rng.choice(templates).format(e=EYE_WORDS[eye], E=EYE_WORDS[eye].capitalize())

    asks = []
    for tag, span in spans.items():
        kind, eye = tag.split(":")
        if kind == "interval":
            continue  # asked only beside unanswerable questions (unanswerable.py), never here
        if kind == "drug":
            asks += [(ask(0, e), span) for e in ("LR" if eye == "B" else eye)]
        elif eye == "P" or (len(named) == 1 and rng.random() < 0.4):
            asks.append((ask(2), span))  # "this patient" only when the note names at most one eye
        else:
            asks.append((ask(1, eye), span))
    chosen = rng.sample(asks, rng.randint(1, min(3, len(asks))))
    return [{"id": f"clinic-s{seed}-{index:06d}{twin}-q{k + 1}", "question": q, "context": context,
             "answers": {"text": [text], "answer_start": [start]}} for k, (q, (start, text)) in enumerate(chosen)]


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


def swap_eyes(fields: list[list], marks: dict[str, str]) -> list[list] | None:
    """The note's fields with every eye marker naming the other eye and every answer tag following it, or None
    when the note does not mark both eyes (swapping one marker only relabels the note; no contrast to learn).

    The drugs and acuities stay where they are: what moves is which eye they belong to, so a model that
    answers a left-eye question by position (the first drug) gets one of the pair wrong.
    """
    if {t.eye for field in fields for t in field if isinstance(t, Mark)} != {"L", "R"}:
        return None
    other = {"L": "R", "R": "L"}

    def swap(tok):
        if isinstance(tok, Mark):
            return tok.swapped(marks)
        if isinstance(tok, tuple):
            kind, eye = tok[0].split(":")
            return f"{kind}:{other.get(eye, eye)}", tok[1]
        return tok
    return [[swap(t) for t in field] for field in fields]


def note_stream(seed: int, allowed: dict[str, list[str]],
                copies: dict[str, tuple[Callable, str]] | None = None, detail: Detail = Detail.PLAIN,
                unanswerable: float = 0.0) -> Iterator[tuple[list[dict], dict[str, list[dict]], dict[str, str]]]:
    """Endless (examples, {name: examples of its copy}, families) per note; what comes first never depends on
    how much is drawn, nor on copies. copies: name -> (transform(fields, marks) -> fields or None, id tag), e.g.
    swap_eyes: each copy is rendered from the same random state (same gaps, same question wording) and answered
    from the transformed note; a transform returning None makes no copy of that note. detail: Detail.PROCEDURE
    draws other notes than PLAIN from the same seed.

    unanswerable: the share of questions with no answer in the note (unanswerable.py), added after each note's
    answerable questions and drawn from a random stream of their own, so the notes and their answerable questions
    are those of unanswerable=0 (which draws nothing more: its output is the same, byte for byte); a copy asks
    them too, with the same words, answered from the changed note. Their rows carry ``is_impossible`` (every row
    does when the share is above 0) and the kind of each, as ``row.kind`` (unanswerable.Row)."""
    rng, index = random.Random(seed), 0
    plan = NoAnswerPlan(unanswerable, seed) if unanswerable else None
    while True:
        n, fields = draw_note(rng, allowed, detail)
        state = rng.getstate()
        side = plan.note(index, n, fields) if plan else None  # may write an observation-only visit as such
        context, spans = _render(n, fields)
        group, made = _questions(n, seed, index, context, spans), {}
        asks = side.asks(n, fields, spans, len(group)) if side else []
        if plan:
            group = [plan.row(r) for r in group] + [plan.ask(a, seed, index, context, spans, len(group) + k + 1)
                                                    for k, a in enumerate(asks)]
        for name, (transform, tag) in (copies or {}).items():
            changed = transform(fields, n.marks)
            if changed:
                n.rng = random.Random()
                n.rng.setstate(state)
                twin_context, twin_spans = _render(n, changed)
                made[name] = _questions(n, seed, index, twin_context, twin_spans, twin=tag)
                n.rng = rng
                if plan:
                    made[name] = [plan.row(r) for r in made[name]] + [
                        plan.ask(a, seed, index, twin_context, twin_spans, len(made[name]) + k + 1, tag)
                        for k, a in enumerate(asks)]
        yield group, made, dict(n.used)
        index += 1
