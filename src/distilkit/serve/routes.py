"""One route per model kind, in a registry keyed by the predictor's task.

A route names its URL (``/v1/models/{name}/<path>``), its request body (a pydantic model: a missing
field or a wrong type is a 422 naming the field), how a request becomes batchable items (``prepare``)
and how a batch of items from many requests runs on the predictor (``compute``). Serving a new kind of
model is one ``Route`` subclass and one ``ROUTES`` entry.

Request shapes follow text-embeddings-inference and the Hugging Face Inference API: ``inputs`` is a text,
a list of texts, or (classification) a list of [text, text_pair] pairs; a single input answers with a
single result, a list with a list.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, ClassVar, Hashable, Union

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from ..errors import DistilkitError
from ..tasks.entailment import DEFAULT_TEMPLATE, check_template, parse_labels
from .settings import LongText, ServeSettings


class RequestError(Exception):
    """A request the server refuses: answered as ``{"error", "error_type"}`` with this status."""

    def __init__(self, status: int, error: str, error_type: str):
        super().__init__(error)
        self.status, self.error, self.error_type = status, error, error_type


@dataclass
class Work:
    """A request turned into batchable items."""

    items: list
    key: Hashable
    """Requests batch together only with the same key (options that change the computation)."""
    cost: int
    """Estimated tokens, for the batch token budget."""
    finish: Callable[[list], Any]
    """This request's slice of the batch outputs -> the response body."""


def _tokens(text: str) -> int:
    return len(text) // 4 + 2  # ~4 characters per WordPiece token in English: an estimate for batching only


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Route:
    task: ClassVar[str]
    path: ClassVar[str]
    request: ClassVar[type[Body]]
    example: ClassVar[dict]
    """A request body the playground and /docs show."""

    def __init__(self, settings: ServeSettings, predictor=None):
        """``predictor``: the served model's (a route may ask it how a request is checked and weighed)."""
        self.settings, self.predictor = settings, predictor

    def texts(self, values: list[str], field: str) -> list[str]:
        """Checked texts: not empty, at most max_text_chars (cut or refused as settings.long_text says)."""
        s = self.settings
        if len(values) > s.max_texts:
            raise RequestError(413, f"{field}: {len(values)} items, more than the limit of {s.max_texts}: "
                               "split the request", "payload_too_large")
        if not values:
            raise RequestError(422, f"{field}: empty list: give at least one text", "validation_error")
        out = []
        for i, text in enumerate(values):
            where = f"{field}[{i}]" if len(values) > 1 else field
            if not text.strip():
                raise RequestError(422, f"{where}: empty text: give every text some content", "validation_error")
            if len(text) > s.max_text_chars:
                if s.long_text is LongText.REJECT:
                    raise RequestError(413, f"{where}: {len(text)} characters, more than the limit of "
                                       f"{s.max_text_chars}: shorten it", "payload_too_large")
                text = text[:s.max_text_chars]
            out.append(text)
        return out

    def prepare(self, body: Body) -> Work:
        raise NotImplementedError

    def compute(self, predictor, items: list, key: Hashable) -> list:
        raise NotImplementedError


class ClassifyBody(Body):
    inputs: Union[StrictStr, list[StrictStr], list[list[StrictStr]]]
    """A text, a list of texts, or a list of [text, text_pair] pairs."""
    top_k: int = Field(1, ge=1, le=1000)
    """Labels per input, best first."""


class ClassifyRoute(Route):
    task = "text-classification"
    path = "classify"
    request = ClassifyBody
    example = {"inputs": "i feel wonderful today", "top_k": 3}

    def prepare(self, body: ClassifyBody) -> Work:
        single = isinstance(body.inputs, str)
        values = [body.inputs] if single else list(body.inputs)
        pairs = bool(values) and isinstance(values[0], list)
        if pairs or any(isinstance(v, list) for v in values):
            if not all(isinstance(v, list) and len(v) == 2 for v in values):
                raise RequestError(422, "inputs: give texts, or [text, text_pair] pairs of two strings each",
                                   "validation_error")
            firsts, seconds = self.texts([v[0] for v in values], "inputs"), self.texts([v[1] for v in values], "inputs")
            items = list(zip(firsts, seconds))
        else:
            items = [(t, None) for t in self.texts(values, "inputs")]
        k = body.top_k

        def finish(outputs: list) -> Any:
            ranked = [o[:k] for o in outputs]
            return ranked[0] if single else ranked
        return Work(items, pairs, sum(_tokens(a) + _tokens(b or "") for a, b in items), finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        texts = [a for a, _ in items]
        pairs = [b for _, b in items] if key else None
        return predictor.predict(texts, pairs, top_k=len(predictor.labels))


class ZeroShotBody(Body):
    inputs: Union[StrictStr, list[StrictStr]]
    """A text or a list of texts."""
    labels: list[StrictStr]
    """Candidate labels; 'name=words' puts other words in the hypothesis (sadness=sad); with the embedding method
    'name=words|words' gives several descriptions, averaged."""
    hypothesis_template: StrictStr = DEFAULT_TEMPLATE
    """The hypothesis; '{}' marks the label."""
    multi_label: StrictBool = False
    """Score each label on its own instead of one softmax over labels (NLI: entailment against contradiction;
    embedding: against the label's threshold)."""
    method: StrictStr = "auto"
    """How labels are scored: 'auto' (the method the server runs this model with), 'nli' or 'embedding'; a method
    that does not fit the model is a 422 saying why."""


class ZeroShotRoute(Route):
    task = "zero-shot-classification"
    path = "zero-shot"
    request = ZeroShotBody
    example = {"inputs": "the match went to extra time", "labels": ["sports", "politics", "technology"]}

    def check_method(self, method: str) -> None:
        """Refuse a method that is unknown, or that this model is not run with (with the registry's reason)."""
        from ..inference.predictors import AUTO, METHODS, method_names

        if method not in method_names(self.task):
            raise RequestError(422, f"method: '{method}' is not one of: {', '.join(method_names(self.task))}",
                               "validation_error")
        runs = getattr(self.predictor, "method", None)
        if method in (AUTO, runs) or self.predictor is None:
            return
        p = self.predictor
        why = METHODS[self.task][method].unfit(p.folder, p.settings.task, p.config, {})
        raise RequestError(422, f"method: this model is served with method '{runs}'"
                           f"{f'; {method} does not fit it: {why}' if why else ''}: send method '{runs}' or 'auto'",
                           "validation_error")

    def prepare(self, body: ZeroShotBody) -> Work:
        if len(body.labels) > self.settings.max_labels:
            raise RequestError(413, f"labels: {len(body.labels)} labels, more than the limit of "
                               f"{self.settings.max_labels}: send fewer per request", "payload_too_large")
        self.check_method(body.method)
        check = self.predictor.label_set if self.predictor is not None else parse_labels
        try:
            labels = tuple(check(body.labels, "labels").items())
            template = check_template(body.hypothesis_template)
        except DistilkitError as exc:
            raise RequestError(422, str(exc).replace("--hypothesis-template", "hypothesis_template"),
                               "validation_error") from None
        single = isinstance(body.inputs, str)
        texts = self.texts([body.inputs] if single else list(body.inputs), "inputs")
        passes = self.predictor.passes_per_text(len(labels)) if self.predictor is not None else len(labels)
        words = sum(_tokens(w) + 4 for _, w in labels)
        cost = sum(passes * _tokens(t) + words for t in texts)

        def finish(outputs: list) -> Any:
            return outputs[0] if single else outputs
        return Work([(t, labels) for t in texts], (template, body.multi_label), cost, finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        template, multi = key
        return predictor.predict([t for t, _ in items], [dict(labels) for _, labels in items], multi_label=multi,
                                 hypothesis_template=template)


class QABody(Body):
    question: Union[StrictStr, list[StrictStr]]
    """A question, or a list of them."""
    context: Union[StrictStr, list[StrictStr]]
    """The text to find the answer in (a list: one per question)."""
    top_k: int = Field(1, ge=1, le=20)
    """Answers per question, best first."""
    best_span: StrictBool = False
    """Where the model answers that the context records none (`"answer": null, "no_answer": true`, models trained
    with questions that have no answer), also give the best span it found, under `best_span`."""


class QARoute(Route):
    task = "question-answering"
    path = "qa"
    request = QABody
    example = {"question": "which drug in the left eye?", "context": "4/52 rev + l) eylea hn $95"}

    def prepare(self, body: QABody) -> Work:
        single = isinstance(body.question, str)
        if single != isinstance(body.context, str):
            raise RequestError(422, "question and context: give both as strings, or both as lists of the same "
                               "length", "validation_error")
        questions = self.texts([body.question] if single else list(body.question), "question")
        contexts = self.texts([body.context] if single else list(body.context), "context")
        if len(questions) != len(contexts):
            raise RequestError(422, f"context: {len(contexts)} contexts for {len(questions)} questions: give one "
                               "per question", "validation_error")
        k = body.top_k

        def finish(outputs: list) -> Any:
            answers = [o[0] if k == 1 else o for o in outputs]
            return answers[0] if single else answers
        return Work(list(zip(questions, contexts)), (k, body.best_span),
                    sum(_tokens(q) + _tokens(c) for q, c in zip(questions, contexts)), finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        top_k, best_span = key
        return predictor.predict([q for q, _ in items], [c for _, c in items], top_k=top_k, best_span=best_span)


ROUTES: dict[str, type[Route]] = {r.task: r for r in (ClassifyRoute, ZeroShotRoute, QARoute)}
