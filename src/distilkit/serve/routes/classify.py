"""Text classification: ``POST /v1/models/{name}/classify`` (the Hugging Face text-classification task)."""
from __future__ import annotations

from typing import Any, Hashable, Literal, Optional, Union

from pydantic import Field, StrictStr

from .base import Body, Route, Work, invalid, one_or_many, tokens

ScoreFunction = Literal["softmax", "sigmoid", "none"]
"""inference.predictors.classify.SCORE_FUNCTIONS by name."""


class ClassifyParameters(Body):
    top_k: Optional[int] = Field(None, ge=1, le=1000)
    """Labels per input, best first (default: every label)."""
    function_to_apply: Optional[ScoreFunction] = None
    """'softmax' (default), 'sigmoid' or 'none' (raw logits)."""


class ClassifyBody(Body):
    inputs: Union[StrictStr, list[StrictStr], list[list[StrictStr]]]
    """A text, a list of texts, or a list of [text, text_pair] pairs."""
    top_k: int = Field(1, ge=1, le=1000)
    """Labels per input, best first."""
    function_to_apply: ScoreFunction = "softmax"
    """What the scores are: 'softmax' probabilities, per-label 'sigmoid', or raw logits ('none'); the labels' order
    (and an out-of-scope decision) is the same whichever is shown."""
    parameters: Optional[ClassifyParameters] = None
    """The Hugging Face Inference API's options (what huggingface_hub's text_classification sends): when given, even
    empty, its top_k (default: every label) and function_to_apply are used, and a single input answers with a list
    holding its result ([[{"label", "score"}, ...]]), as that client parses."""


class ClassifyRoute(Route):
    task = "text-classification"
    path = "classify"
    request = ClassifyBody
    example = {"inputs": "i feel wonderful today", "top_k": 3}

    @classmethod
    def tei_type(cls, predictor) -> dict:
        labels = predictor.labels
        return {"classifier": {"id2label": dict(enumerate(labels)), "label2id": {a: i for i, a in enumerate(labels)}}}

    def prepare(self, body: ClassifyBody) -> Work:
        single, values = one_or_many(body.inputs)
        pairs = any(isinstance(v, list) for v in values)
        if pairs:
            if not all(isinstance(v, list) and len(v) == 2 for v in values):
                raise invalid("inputs: give texts, or [text, text_pair] pairs of two strings each")
            firsts, seconds = self.texts([v[0] for v in values], "inputs"), self.texts([v[1] for v in values], "inputs")
            items = list(zip(firsts, seconds))
        else:
            items = [(t, None) for t in self.texts(values, "inputs")]
        hf = body.parameters
        labels = len(self.predictor.labels) if self.predictor is not None else 1000
        k = (hf.top_k or labels) if hf else body.top_k
        function = (hf.function_to_apply if hf else None) or body.function_to_apply

        def finish(outputs: list) -> Any:
            ranked = [o[:k] for o in outputs]
            return ranked[0] if single and not hf else ranked
        return Work(items, (pairs, function), sum(tokens(a) + tokens(b or "") for a, b in items), finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        pairs, function = key
        return predictor.predict([a for a, _ in items], [b for _, b in items] if pairs else None,
                                 top_k=len(predictor.labels), function_to_apply=function)
