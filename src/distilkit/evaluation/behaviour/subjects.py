"""What a behaviour test asks of each kind of model, one class per predictor task and a registry by task.

A subject turns a tests-file example into the model's inputs (a QA example is one context with one or more
questions; a classifier example is one text), runs them through the predictor's ``call`` and reduces each
output to a value that can be compared: the SQuAD-normalised answer, or the top label. The runner (run.py)
never knows which kind it tests.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Protocol

from ...errors import DistilkitError


@dataclass(frozen=True)
class Not:
    """An expectation that the output is anything but ``value`` (a directional test's 'no longer joy')."""
    value: str

    def __str__(self) -> str:
        return f"not {self.value}"


@dataclass
class Example:
    inputs: list[dict[str, str]]
    """The model inputs of one example (a QA example: one per question, sharing the context)."""
    expected: list | None
    """Per input, the output it must give before any perturbation (None: not stated)."""
    after: list | None = None
    """Directional tests: per input, the output it must give after the perturbation."""
    source: str = ""
    """Where the example came from (for error messages): 'examples[3]' or 'template 1, fill {...}'."""


class Subject(Protocol):
    task: ClassVar[str]
    fields: ClassVar[tuple[str, ...]]
    """Input fields a perturbation may change; the first is the default."""

    def parse(self, raw: dict, where: str, directional: bool) -> Example: ...

    def outputs(self, predictor, inputs: list[dict[str, str]]) -> list[str]: ...

    def validate(self, examples: list[Example], predictor, where: str) -> None: ...


def matches(got: str, expected) -> bool:
    """Whether an output meets an expectation (a value, or ``Not(value)``)."""
    return got != expected.value if isinstance(expected, Not) else got == expected


def _need(raw: dict, key: str, where: str, hint: str):
    if not isinstance(raw, dict) or key not in raw:
        raise DistilkitError(f"{where}: missing '{key}': {hint}")
    return raw[key]


class Scored(str):
    """An output as compared (a normalised answer), remembering the model's confidence in it (``score``): a
    failure's report shows how sure the model was of a wrong answer (an answer for the wrong eye at 0.99)."""

    def __new__(cls, text: str, score: float | None = None):
        self = super().__new__(cls, text)
        self.score = score
        return self


NO_ANSWER = "<no answer>"
"""What a QA test expects (and what a model's output reads as) where the context records no answer: a model
trained with unanswerable questions answers `"answer": null` there (docs/behaviour-tests.md)."""


class QuestionAnswering:
    task = "question-answering"
    fields = ("context", "question")

    def parse(self, raw: dict, where: str, directional: bool) -> Example:
        hint = "a QA example is {context: ..., questions: {QUESTION: ANSWER, ...}} (or question: / answer:)"
        context = _need(raw, "context", where, hint)
        asks = raw.get("questions") or ({raw["question"]: raw.get("answer")} if "question" in raw else None)
        if not isinstance(context, str) or not isinstance(asks, dict) or not asks:
            raise DistilkitError(f"{where}: {hint}")
        questions = list(asks)
        expected = [None if a is None else self.normal(str(a)) for a in asks.values()]
        after = None
        if directional:
            after_raw = _need(raw, "after", where, "a directional QA example states the answers after the "
                              "perturbation: after: {QUESTION: ANSWER} for each of its questions")
            missing = [q for q in questions if q not in after_raw]
            if missing:
                raise DistilkitError(f"{where}: 'after' has no answer for question '{missing[0]}': give one per question")
            after = [self.normal(str(after_raw[q])) for q in questions]
        return Example([{"question": q, "context": context} for q in questions],
                       None if all(e is None for e in expected) else expected, after)

    @staticmethod
    def normal(answer: str | None) -> str:
        """The SQuAD-normalised answer; NO_ANSWER stays as written (no answer is not an empty span)."""
        from ...metrics.squad import normalize_answer

        return NO_ANSWER if answer is None or answer.strip() == NO_ANSWER else normalize_answer(answer)

    def outputs(self, predictor, inputs: list[dict[str, str]]) -> list[str]:
        answers = predictor.call([(i["question"], i["context"]) for i in inputs])
        return [Scored(self.normal(a[0]["answer"]), float(a[0]["score"])) if a else Scored("") for a in answers]

    def validate(self, examples: list[Example], predictor, where: str) -> None:
        pass  # any answer text is a possible answer


class TextClassification:
    task = "text-classification"
    fields = ("text",)

    def parse(self, raw: dict, where: str, directional: bool) -> Example:
        text = _need(raw, "text", where, "a classifier example is {text: ..., label: ...} (label optional in "
                     "invariance tests)")
        if not isinstance(text, str):
            raise DistilkitError(f"{where}: 'text' must be a string")
        after = None
        if directional:
            spec = _need(raw, "after", where, "a directional example states the output after the perturbation: "
                         "after: {label: NAME} or after: {not_label: NAME}")
            if not isinstance(spec, dict) or len(spec) != 1 or not {"label", "not_label"} >= set(spec):
                raise DistilkitError(f"{where}: after must be {{label: NAME}} or {{not_label: NAME}}, got {spec}")
            after = [str(spec["label"]) if "label" in spec else Not(str(spec["not_label"]))]
        return Example([{"text": text}], [str(raw["label"])] if "label" in raw else None, after)

    def outputs(self, predictor, inputs: list[dict[str, str]]) -> list[str]:
        return [p[0]["label"] for p in predictor.call([i["text"] for i in inputs])]

    def validate(self, examples: list[Example], predictor, where: str) -> None:
        labels = predictor.labels
        for ex in examples:
            for value in (ex.expected or []) + (ex.after or []):
                name = value.value if isinstance(value, Not) else value
                if name not in labels:
                    raise DistilkitError(f"{where} ({ex.source}): label '{name}' is not one of the model's labels: "
                                         f"{', '.join(labels)}")


SUBJECTS: dict[str, Subject] = {s.task: s for s in (QuestionAnswering(), TextClassification())}


def get_subject(task: str, where: str) -> Subject:
    if task not in SUBJECTS:
        raise DistilkitError(f"{where}: task '{task}' has no behaviour tests; known: {', '.join(SUBJECTS)}")
    return SUBJECTS[task]
