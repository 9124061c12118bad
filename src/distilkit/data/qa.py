"""Extractive question-answering data: SQuAD v1.1/v2.0 JSON, JSON Lines, parquet or hub datasets,
read into a ``QASplit`` and validated before any training.

Validation is where QA data usually goes wrong: an ``answer_start`` that is off by a character or
two (COVID-QA's first release had 234 such offsets), an answer that is not in its context at all,
empty fields, repeated ids. ``validate`` counts each problem per file and applies the
``qa.bad_answers`` policy: refuse with the first bad row named, move a misplaced answer to its
nearest exact occurrence, or skip what cannot be repaired. Nothing is ever dropped uncounted.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..config import AnswerRepair, DataConfig, OnEmpty, QAConfig
from ..errors import DistilkitError
from ..io import PathLock, write_atomic
from .formats import read_records


@dataclass
class QASplit:
    source: str
    ids: list[str]
    questions: list[str]
    contexts: list[str]
    answers: list[dict] | None
    """Per example {"text": [...], "answer_start": [...]}; empty lists mark an unanswerable (v2) question."""
    rows: list[str]
    notes: list[str] = field(default_factory=list)
    report: dict = field(default_factory=dict)
    """What validation found in this source: misplaced, fixed, not found, empty, duplicates, skipped."""

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_unanswerable(self) -> bool:
        return bool(self.answers) and any(not a["text"] for a in self.answers)

    def subset(self, n: int | None, seed: int) -> "QASplit":
        if n is None or n >= len(self):
            return self
        return self.take(sorted(random.Random(seed).sample(range(len(self)), n)),
                         f"sampled {n} of {len(self)} questions (seed {seed})")

    def take(self, keep: list[int], note: str | None = None) -> "QASplit":
        pick = lambda xs: None if xs is None else [xs[i] for i in keep]  # noqa: E731
        return QASplit(self.source, pick(self.ids), pick(self.questions), pick(self.contexts), pick(self.answers),
                       pick(self.rows), self.notes + ([note] if note else []), self.report)

    @classmethod
    def concat(cls, splits: list["QASplit"]) -> "QASplit":
        first = splits[0]
        if len(splits) == 1:
            return first
        join = lambda name: [x for s in splits for x in getattr(s, name)]  # noqa: E731
        answers = join("answers") if all(s.answers is not None for s in splits) else None
        return cls(" + ".join(s.source for s in splits), join("ids"), join("questions"), join("contexts"), answers,
                   join("rows"), [n for s in splits for n in s.notes], {s.source: s.report for s in splits})


# --- reading -----------------------------------------------------------------------------------

def _flat_records(source: str):
    """Yield (row, record) with one question per record, flattening SQuAD's article/paragraph nesting."""
    for row, record in read_records(source):
        if "paragraphs" not in record:
            yield str(row), record
            continue
        for p, paragraph in enumerate(record.get("paragraphs") or []):
            for q, qa in enumerate(paragraph.get("qas") or []):
                answers = qa.get("answers") or []
                if qa.get("is_impossible"):
                    answers = []
                yield (f"article {row} paragraph {p + 1} question {q + 1}",
                       {"id": qa.get("id"), "question": qa.get("question"), "context": paragraph.get("context"),
                        "answers": answers})


def _answers(value, where: str) -> dict:
    """Normalise the answer forms in the wild to {"text": [...], "answer_start": [...]}."""
    if value is None:
        return {"text": [], "answer_start": []}
    if isinstance(value, dict) and "text" in value:
        texts, starts = value.get("text"), value.get("answer_start")
        texts = [texts] if isinstance(texts, str) else list(texts or [])
        starts = [starts] if isinstance(starts, int) else list(starts if starts is not None else [])
    elif isinstance(value, list) and all(isinstance(a, dict) for a in value):
        texts = [a.get("text") for a in value]
        starts = [a.get("answer_start") for a in value]
    else:
        raise DistilkitError(f"{where}: answers must be {{\"text\": [...], \"answer_start\": [...]}} or a list of "
                             f"{{\"text\", \"answer_start\"}}, not {type(value).__name__}: fix the row")
    if len(texts) != len(starts):
        raise DistilkitError(f"{where}: {len(texts)} answer texts but {len(starts)} answer_start values: give one "
                             "start per answer")
    for text, start in zip(texts, starts):
        if not isinstance(text, str) or isinstance(start, bool) or not isinstance(start, int):
            raise DistilkitError(f"{where}: each answer needs a text string and an integer answer_start "
                                 f"(got {text!r}, {start!r}): fix the row")
    return {"text": texts, "answer_start": starts}


NO_ANSWERS = '{"text": [], "answer_start": []}'


def _impossible(record: dict, answers: dict, where: str) -> None:
    """SQuAD v2's ``is_impossible``, where a row has it, must agree with its answers: true with no answer, false
    with at least one. A disagreement is refused (which one is wrong is the writer's call, not ours)."""
    if "is_impossible" not in record or record["is_impossible"] is None:
        return
    flag = record["is_impossible"]
    if not isinstance(flag, bool):
        raise DistilkitError(f"{where}: is_impossible is {flag!r}: give true (no answer in the context) or false")
    if flag and answers["text"]:
        raise DistilkitError(f"{where}: is_impossible is true but the row has {len(answers['text'])} answer(s) "
                             f"({answers['text'][0]!r}): give \"answers\": {NO_ANSWERS} or is_impossible false")
    if not flag and not answers["text"]:
        raise DistilkitError(f"{where}: is_impossible is false but the row has no answer: give its answer, or "
                             "is_impossible true")


def _field(record: dict, column: str, where: str, setting: str):
    if column not in record:
        raise DistilkitError(f"{where} has no column '{column}' (columns: {', '.join(map(str, record))}): "
                             f"set qa.{setting} or fix the file")
    value = record[column]
    if value is not None and not isinstance(value, str):
        raise DistilkitError(f"{where}: '{column}' is a {type(value).__name__}, not text: store it as a string")
    return value or ""


def read_qa(source: str, qa: QAConfig, require_answers: bool = True) -> QASplit:
    """Read ``source`` without judging it: ``validate`` does that."""
    ids, questions, contexts, answers, rows = [], [], [], [], []
    for row, record in _flat_records(source):
        where = f"{source}: {'row ' if row.isdigit() else ''}{row}"
        questions.append(_field(record, qa.question_column, where, "question_column"))
        contexts.append(_field(record, qa.context_column, where, "context_column"))
        ids.append(str(record.get(qa.id_column) if record.get(qa.id_column) is not None else f"row-{row}"))
        rows.append(row)
        if require_answers or qa.answers_column in record:
            require_answers = True
            if qa.answers_column not in record:
                raise DistilkitError(f"{where} has no column '{qa.answers_column}': set qa.answers_column or "
                                     "fix the file")
            answers.append(_answers(record[qa.answers_column], where))
            _impossible(record, answers[-1], where)
    if not ids:
        raise DistilkitError(f"{source}: no questions found: check the file (SQuAD JSON or one "
                             "{\"question\", \"context\", \"answers\"} object per line)")
    return QASplit(source, ids, questions, contexts, answers if require_answers else None, rows)


# --- validation --------------------------------------------------------------------------------

def nearest_occurrence(context: str, text: str, start: int) -> int | None:
    """Start of the exact occurrence of ``text`` in ``context`` closest to ``start``; None if absent."""
    best, at = None, context.find(text)
    while at != -1:
        if best is None or abs(at - start) < abs(best - start):
            best = at
        at = context.find(text, at + 1)
    return best


def _where(split: QASplit, i: int) -> str:
    row = split.rows[i]
    return f"{split.source}: {'row ' if row.isdigit() else ''}{row} (id {split.ids[i]})"


def _check_answers(split: QASplit, i: int, policy: AnswerRepair, counts: dict) -> bool:
    """Check (and under 'fix'/'skip' repair) example i's answers in place; False means skip it."""
    context, answer = split.contexts[i], split.answers[i]
    starts = list(answer["answer_start"])
    for k, (text, start) in enumerate(zip(answer["text"], starts)):
        if context[start:start + len(text)] == text and text.strip() and start >= 0:
            continue
        counts["misplaced"] += 1
        found = nearest_occurrence(context, text, start) if text.strip() else None
        if found is None:
            counts["not_found"] += 1
            if policy is AnswerRepair.SKIP:
                return False
            if not text.strip():
                raise DistilkitError(f"{_where(split, i)}: an answer text is empty ({text!r} at {start}): a question "
                                     f"without an answer has \"answers\": {NO_ANSWERS} (and \"is_impossible\": "
                                     "true), not an empty text; or set qa.bad_answers=skip to skip (and count) such "
                                     "questions")
            raise DistilkitError(f"{_where(split, i)}: answer {text!r} does not occur in its context: fix the "
                                 "answer, or set qa.bad_answers=skip to skip (and count) such questions")
        if policy is AnswerRepair.ERROR:
            raise DistilkitError(f"{_where(split, i)}: answer {text!r} is not at answer_start {start} (found at "
                                 f"{found}): fix the offsets, or use --fix-offsets (qa.bad_answers=fix) to move "
                                 "each answer to its nearest exact occurrence")
        starts[k] = found
        counts["fixed"] += 1
    split.answers[i] = {"text": answer["text"], "answer_start": starts}
    return True


def validate(split: QASplit, qa: QAConfig, on_empty: OnEmpty = OnEmpty.ERROR) -> QASplit:
    """Count and handle every problem of a split (see the module docstring); returns the usable examples."""
    counts = {"examples": len(split), "misplaced": 0, "fixed": 0, "not_found": 0, "empty_question": 0,
              "empty_context": 0, "duplicate_ids": 0, "skipped": 0}
    seen: dict[str, int] = {}
    keep = []
    for i in range(len(split)):
        ok = _check_fields(split, i, qa, on_empty, counts, seen)
        if ok and split.answers is not None:
            ok = _check_answers(split, i, qa.bad_answers, counts)
        if ok:
            keep.append(i)
            seen[split.ids[i]] = i
        else:
            counts["skipped"] += 1
    out = split.take(keep) if len(keep) < len(split) else split
    out.report = counts
    problems = {k: v for k, v in counts.items() if k != "examples" and v}
    if problems:
        found = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in problems.items())
        out.notes = out.notes + [f"validation: {found}"]
    return out


def _check_fields(split, i, qa: QAConfig, on_empty: OnEmpty, counts: dict, seen: dict) -> bool:
    for name, value, column in (("question", split.questions[i], qa.question_column),
                                ("context", split.contexts[i], qa.context_column)):
        if not value.strip():
            counts[f"empty_{name}"] += 1
            if on_empty is OnEmpty.SKIP:
                return False
            raise DistilkitError(f"{_where(split, i)} has an empty '{column}': fill it in, or set data.on_empty=skip "
                                 "to skip (and count) such questions")
    if split.ids[i] in seen:
        counts["duplicate_ids"] += 1
        if qa.bad_answers is not AnswerRepair.SKIP:
            first = split.rows[seen[split.ids[i]]]
            raise DistilkitError(f"{_where(split, i)} repeats the id of {first}: ids must be unique (metrics are "
                                 "per id); fix them, or set qa.bad_answers=skip to skip (and count) repeats")
        return False
    return True


def load_qa_split(source: str | list[str], data: DataConfig, qa: QAConfig, require_answers: bool = True) -> QASplit:
    """Read and validate one source, or several (a list) joined into one split."""
    sources = [source] if isinstance(source, str) else list(source)
    splits = [validate(read_qa(s, qa, require_answers), qa, data.on_empty) for s in sources]
    return QASplit.concat(splits)


def check_files(sources: list[str], fix_offsets: bool, output: str | None, question_column: str = "question",
                context_column: str = "context", answers_column: str = "answers", id_column: str = "id") -> dict:
    """The validator as a command: a report per source; with ``fix_offsets`` and ``output``, the
    repaired usable examples of all sources written as JSON Lines."""
    import json
    from pathlib import Path

    qa = QAConfig(question_column=question_column, context_column=context_column, answers_column=answers_column,
                  id_column=id_column, bad_answers=AnswerRepair.SKIP)
    reports, usable = {}, []
    for source in sources:
        split = validate(read_qa(source, qa), qa, OnEmpty.SKIP)
        report = dict(split.report)
        report["usable"] = len(split)
        if not fix_offsets:  # counted as repairable, not repaired
            report["fixable"] = report.pop("fixed")
        reports[source] = report
        usable.append(split)
    if output:
        joined = QASplit.concat(usable)
        path = Path(output)
        text = "".join(json.dumps({"id": joined.ids[i], "question": joined.questions[i], "context": joined.contexts[i],
                                   "answers": joined.answers[i]}, ensure_ascii=False) + "\n"
                       for i in range(len(joined)))
        with PathLock(path, "--output"):  # others may be reading it (a training run) or writing it
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text)
        reports["written"] = {"file": str(path), "examples": len(joined)}
    return reports
