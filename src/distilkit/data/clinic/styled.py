"""Where training meets the other hands' styles (``make-clinic-data --train-styles SHARE``, train only, with
unanswerable questions on): styled notes (styles.py) between the grammar's notes, and grammar notes that name their
untreated eye.

- **Styled notes**: after each training note, with the odds that make SHARE of the notes styled, one note in a style
  of styles.STYLES, asked one or two questions it answers and one or two it does not (unanswerable.candidates: the
  untreated or unmentioned eye's drug or acuity, a drug at an observation visit, a missing interval), worded in one of
  the split's question families. Their ids end ``s-qK``; an eye-swap twin (``sx-qK``) asks the same words of the
  note with its eye markers swapped, so "left eye drug?" is answered in one and has no answer in the other.
- **Negated other eye**: NEGATED of the grammar's notes that treat one eye (not blocks, not a lone unmarked acuity)
  also name the other eye as untreated after the treatment, in the note's own notation (`l) eylea, r) nil`,
  `OS inj avastin + OD observe`, `eylea LE, no treatment to RE`), or say `only` (`l) eylea only`): their other
  eye's drug becomes an ``untreated_eye`` question, and they now have eye-swap twins.

Both count towards the split's questions and its unanswerable share (NoAnswerPlan's quota), and draw from a random
stream of their own per note (``clinic-styles:SEED:NOTE``): the grammar's notes and their answerable questions are
those of a share of 0, and a share of 0 draws nothing (the files of before, byte for byte).
"""
from __future__ import annotations

import random
from collections import Counter
from types import SimpleNamespace
from typing import Callable

from .draft import NEGATIONS, Draft
from .families import Mark
from .styles import STYLES
from .unanswerable import Ask, NoAnswerPlan, Row, candidates, wording
from .vocab import case

NEGATED = 0.3  # grammar notes treating one eye that also name the other as untreated (or say `only`)
# A styled note's unanswerable questions, by kind: the other eye's drug above all (what the model got wrong).
WEIGHTS = {"untreated_eye": 4, "unmentioned_eye": 3, "no_drug": 2, "no_acuity": 1.5, "no_interval": 0.5}
ATTACHED = {",", ".", ":", ")"}  # written without a space before them (and nothing is after "(")


def render(fields: list[list], gaps: list[str]) -> tuple[str, dict[str, tuple[int, str]]]:
    """A styled note's text (fields apart by ``gaps``) and where each tagged answer starts."""
    text, spans = "", {}
    for i, field in enumerate(fields):
        text += gaps[i - 1] if i else ""
        for j, tok in enumerate(field):
            tag, word = tok if isinstance(tok, tuple) else (None, tok)
            text += " " if j and word not in ATTACHED and field[j - 1] != "(" else ""
            if tag:
                spans[tag] = (len(text), word)
            text += word
    return text, spans


class Restyle:
    """One training split's styled notes and negated eyes (the share of styled notes: ``share``)."""

    def __init__(self, seed: int, allowed: dict[str, list[str]], plan: NoAnswerPlan, share: float):
        self.seed, self.allowed, self.plan = seed, allowed, plan
        self.odds = share / (1 - share)  # styled notes per grammar note

    def negate(self, index: int, n, fields: list[list]) -> random.Random:
        """Maybe name the untreated eye of a grammar note that treats one (fields change before rendering, so an
        eye-swap twin shows the same words); returns the note's own stream, for the styled note after it."""
        rng = random.Random(f"clinic-styles:{self.seed}:{index}")
        if len(n.drugs) != 1 or n.lone or n.fam.get("treatment") in (None, "blocks") or rng.random() >= NEGATED:
            return rng
        (treated,) = n.drugs
        other = "R" if treated == "L" else "L"
        field = next(f for f in fields if any(isinstance(t, tuple) and t[0].startswith("drug:") for t in f))
        mark, neg = Mark(n.marks[other], other), case(rng, rng.choice(NEGATIONS)).split()
        forms = [[",", mark, *neg], ["+", mark, *neg], ["/", mark, *neg], ["only"]]
        if n.suffix_ok:  # the marker after its words: not a label (`no treatment to L:`)
            forms += [[",", "no", "treatment", "to", mark], [",", case(rng, rng.choice(["no inj", "no tx", "nil"])),
                                                             mark]]
        field += rng.choice(forms)
        n.used["style"] = "only" if field[-1] == "only" else "negated"
        return rng

    def note(self, rng: random.Random, index: int, copies: dict[str, tuple[Callable, str]] | None):
        """(examples, {name: examples of its copy}, families) of the styled note after note ``index``, or None."""
        if rng.random() >= self.odds:
            return None
        name = rng.choices(list(STYLES), [s.weight for s in STYLES.values()])[0]
        style = STYLES[name]
        d = Draft(rng, self.allowed, name, rng.choices(list(style.scenarios), list(style.scenarios.values()))[0],
                  style.eyes)
        fields, gaps = style.write(d)
        context, spans = render(fields, gaps)
        asks = self.asks(d, fields, spans)
        group = [self.row(a, index, fields, context, spans, k + 1, "s") for k, a in enumerate(asks)]
        if not group:
            return None
        self.plan.answerable += sum(not r["is_impossible"] for r in group)
        self.plan.unanswerable += sum(r["is_impossible"] for r in group)
        made = {}
        for copy, (transform, tag) in (copies or {}).items():
            changed = transform(fields, d.marks)
            if changed:
                text, where = render(changed, gaps)
                made[copy] = [self.row(a, index, changed, text, where, k + 1, "s" + tag) for k, a in enumerate(asks)]
        return group, made, d.used

    def row(self, ask: Ask, index: int, fields: list[list], context: str, spans: dict, k: int, tag: str) -> Row:
        """The ask answered from this note; a question asked with an answer in the note and without one in its twin
        takes the kind that note gives it."""
        row = NoAnswerPlan.ask(ask, self.seed, index, context, spans, k, tag)
        if row["is_impossible"] and row.kind is None:
            row.kind = next(kind for kind, field, eye in candidates(fields, spans)
                            if (field, eye) == (ask.field, ask.eye))
        return row

    @staticmethod
    def asks(d: Draft, fields: list[list], spans: dict) -> list[Ask]:
        """One or two questions the note answers, then one or two it does not, in the note's question family."""
        rng, n = d.rng, SimpleNamespace(fam={"question": d.question}, reworded=True)
        answered = []
        for tag in spans:
            kind, eye = tag.split(":")
            if kind == "drug":
                answered += [("drug", e) for e in ("LR" if eye == "B" else eye)]
            elif kind == "va" or (kind == "interval" and rng.random() < 0.3):
                answered.append((kind, eye))
        asks = [Ask(wording(n, rng, field, eye, spans), field, eye, None)
                for field, eye in rng.sample(answered, min(len(answered), rng.choice([1, 2, 2])))]
        choices = candidates(fields, spans)
        for _ in range(min(len(choices), rng.choice([1, 1, 2]))):
            kind, field, eye = rng.choices(choices, [WEIGHTS[c[0]] for c in choices])[0]
            choices.remove((kind, field, eye))
            asks.append(Ask(wording(n, rng, field, eye, spans), field, eye, kind))
        return asks


def style_counts(rows: list[dict], records: list[dict]) -> dict[str, int]:
    """Notes per style: the grammar's ("grammar"), those naming their untreated eye, and each of styles.STYLES."""
    notes = {r["id"].rsplit("-q", 1)[0].removesuffix("x"): rec.get("style", "grammar") for r, rec in zip(rows, records)}
    return dict(sorted(Counter(notes.values()).items()))


def styles_text(share: float, counts: dict[str, int]) -> str:
    """The README's sentence on the training notes in other hands' styles (styled.py)."""
    return (f" A share of {share} of train's notes is written in other hands' styles (ids `...s-qK`): "
            + "; ".join(f"`{k}` ({v.example})" for k, v in STYLES.items()) + ", and some grammar notes name their "
            "untreated eye (`negated`: `l) eylea, r) nil`) or say `only`. Train's notes per style: "
            + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".")
