"""Extractive question answering: ``POST /v1/models/{name}/qa`` (the Hugging Face question-answering task)."""
from __future__ import annotations

from typing import Any, Hashable, Optional, Union

from pydantic import Field, StrictBool, StrictStr

from ...errors import DistilkitError
from .base import Body, Route, Work, invalid, one_or_many, tokens


class QAInput(Body):
    question: StrictStr
    """The question."""
    context: StrictStr
    """The text to find the answer in."""


class QAParameters(Body):
    top_k: Optional[int] = Field(None, ge=1, le=20)
    """Answers per question, best first (default 1: one answer, not a list)."""
    max_answer_len: Optional[int] = Field(None, ge=1, le=512)
    """Longest answer, in tokens (default: the model folder's)."""
    doc_stride: Optional[int] = Field(None, ge=1)
    """Tokens of overlap between the windows of a long context (below the model's max_length; default: the
    folder's)."""
    handle_impossible_answer: Optional[StrictBool] = None
    """Answer "" (start 0, end 0, the no-answer score) where the context records none: the folder's null threshold,
    or, for a folder without one, wherever the no-answer score beats the best span's. Default false: always the
    best span."""


class QABody(Body):
    question: Optional[Union[StrictStr, list[StrictStr]]] = None
    """A question, or a list of them (native form; with ``context``)."""
    context: Optional[Union[StrictStr, list[StrictStr]]] = None
    """The text to find the answer in (a list: one per question)."""
    inputs: Optional[Union[QAInput, list[QAInput]]] = None
    """The Hugging Face form instead of question and context: {"question", "context"}, or a list of them."""
    top_k: int = Field(1, ge=1, le=20)
    """Answers per question, best first."""
    best_span: StrictBool = False
    """Where the model answers that the context records none (`"answer": null, "no_answer": true`, models trained
    with questions that have no answer), also give the best span it found, under `best_span`."""
    parameters: Optional[QAParameters] = None
    """The Hugging Face Inference API's options (what huggingface_hub's question_answering sends): when given,
    answers are {"answer", "score", "start", "end"} as that client parses: a no-answer is "" only with
    handle_impossible_answer, else the best span."""


class QARoute(Route):
    task = "question-answering"
    path = "qa"
    request = QABody
    example = {"question": "which drug in the left eye?", "context": "4/52 rev + l) eylea hn $95"}

    def questions(self, body: QABody) -> tuple[bool, list[str], list[str]]:
        if body.inputs is not None:
            if body.question is not None or body.context is not None:
                raise invalid("inputs: give either inputs ({question, context}) or question and context, not both")
            single, pairs = one_or_many(body.inputs)
            return single, [p.question for p in pairs], [p.context for p in pairs]
        if body.question is None or body.context is None:
            missing = "question" if body.question is None else "context"
            raise invalid(f"{missing}: missing: give question and context (or inputs: {{question, context}})")
        single = isinstance(body.question, str)
        if single != isinstance(body.context, str):
            raise invalid("question and context: give both as strings, or both as lists of the same length")
        return single, [body.question] if single else list(body.question), \
            [body.context] if single else list(body.context)

    def prepare(self, body: QABody) -> Work:
        single, questions, contexts = self.questions(body)
        field = "inputs" if body.inputs is not None else None
        questions = self.texts(questions, f"{field}.question" if field else "question")
        contexts = self.texts(contexts, f"{field}.context" if field else "context")
        if len(questions) != len(contexts):
            raise invalid(f"context: {len(contexts)} contexts for {len(questions)} questions: give one per question")
        hf = body.parameters
        k = (hf.top_k or 1) if hf else body.top_k
        impossible = bool(hf and hf.handle_impossible_answer)
        stride = hf.doc_stride if hf else None
        if self.predictor is not None:  # refused here, by the predictor's rule: in the batch it would fail others
            try:
                self.predictor.check_overrides(stride, hf.max_answer_len if hf else None)
            except DistilkitError as exc:
                raise invalid(f"parameters.{exc}") from None
        threshold = None
        if impossible and self.predictor is not None and not self.predictor.says_no_answer:
            threshold = 0.0  # the pipeline's rule: no answer wherever the null score beats the best span's
        # The Hugging Face form asks one more answer, so that dropping a no-answer still leaves top_k spans.
        key = (k + 1 if hf else k, body.best_span, stride, hf.max_answer_len if hf else None, threshold)

        def finish(outputs: list) -> Any:
            if hf:
                outputs = [hf_answers(o, k, impossible) for o in outputs]
            answers = [o[0] if k == 1 else o for o in outputs]
            return answers[0] if single else answers
        return Work(list(zip(questions, contexts)), key,
                    sum(tokens(q) + tokens(c) for q, c in zip(questions, contexts)), finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        top_k, best_span, stride, longest, threshold = key
        return predictor.predict([q for q, _ in items], [c for _, c in items], top_k=top_k, best_span=best_span,
                                 doc_stride=stride, max_answer_len=longest, null_threshold=threshold)


def hf_answers(answers: list[dict], k: int, impossible: bool) -> list[dict]:
    """Answers in the Inference API's shape: {"answer", "score", "start", "end"}; a no-answer is "" at 0-0 when
    ``impossible`` (handle_impossible_answer), else dropped for the spans behind it."""
    out = []
    for a in answers:
        if a.get("no_answer"):
            if impossible:
                out.append({"answer": "", "score": a["score"], "start": 0, "end": 0})
            continue
        out.append({key: a[key] for key in ("answer", "score", "start", "end")})
    return out[:k] or [{"answer": "", "score": 0.0, "start": 0, "end": 0}]
