"""Assembling one note: the note drawn (drawing.py: its content and one family per dimension, as fields), its
rendered text, its questions, its copies (swap_eyes) and the endless stream of notes a split is cut from.

The rendering and the questions draw from the note's random stream too, after the fields: a copy of a note is
rendered from the same random state as the note itself, so it has the same gaps and the same question wording.
"""
from __future__ import annotations

import random
from typing import Callable, Iterator

from .detail import Detail
from .drawing import CLINIC_ORDER, MAX_ATTEMPTS, Note, draw_note  # noqa: F401  (public here)
from .families import Cell, Mark, separators
from .styled import Restyle
from .unanswerable import NoAnswerPlan
from .vocab import DOSES
from .wording import CLINICIAN_WORDING, QUESTION

EYE_WORDS = {"L": "left", "R": "right"}


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
                unanswerable: float = 0.0, styles: float = 0.0
                ) -> Iterator[tuple[list[dict], dict[str, list[dict]], dict[str, str]]]:
    """Endless (examples, {name: examples of its copy}, families) per note; what comes first never depends on
    how much is drawn, nor on copies. copies: name -> (transform(fields, marks) -> fields or None, id tag), e.g.
    swap_eyes: each copy is rendered from the same random state (same gaps, same question wording) and answered
    from the transformed note; a transform returning None makes no copy of that note. detail: Detail.PROCEDURE
    draws other notes than PLAIN from the same seed.

    unanswerable: the share of questions with no answer in the note (unanswerable.py), added after each note's
    answerable questions and drawn from a random stream of their own, so the notes and their answerable questions
    are those of unanswerable=0 (which draws nothing more: its output is the same, byte for byte); a copy asks
    them too, with the same words, answered from the changed note. Their rows carry ``is_impossible`` (every row
    does when the share is above 0) and the kind of each, as ``row.kind`` (unanswerable.Row).

    styles (a training split's, with unanswerable above 0): the share of notes written in other hands' styles
    (styled.py: letters, nurse records, one-eye shorthand; each after the grammar note it follows, with its family
    record's "style"), some grammar notes naming their untreated eye too; drawn from a stream of their own."""
    rng, index = random.Random(seed), 0
    plan = NoAnswerPlan(unanswerable, seed) if unanswerable else None
    restyle = Restyle(seed, allowed, plan, styles) if plan and styles else None
    while True:
        n, fields = draw_note(rng, allowed, detail)
        state = rng.getstate()
        side = plan.note(index, n, fields) if plan else None  # may write an observation-only visit as such
        own = restyle.negate(index, n, fields) if restyle else None  # may name the untreated eye
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
        styled = restyle.note(own, index, copies) if restyle else None
        if styled:
            yield styled
        index += 1
