"""Zero-shot classification: ``POST /v1/models/{name}/zero-shot`` (the Hugging Face zero-shot-classification task),
by entailment with an NLI model or by sentence embeddings."""
from __future__ import annotations

from typing import Any, Hashable, Optional, Union

from pydantic import StrictBool, StrictStr

from ...errors import DistilkitError
from ...tasks.entailment import DEFAULT_TEMPLATE, check_template, parse_labels
from .base import Body, RequestError, Route, Work, invalid, one_or_many, tokens


class ZeroShotParameters(Body):
    candidate_labels: list[StrictStr]
    """The candidate labels (as ``labels``)."""
    multi_label: Optional[StrictBool] = None
    """As ``multi_label``."""
    hypothesis_template: Optional[StrictStr] = None
    """As ``hypothesis_template``."""


class ZeroShotBody(Body):
    inputs: Union[StrictStr, list[StrictStr]]
    """A text or a list of texts."""
    labels: Optional[list[StrictStr]] = None
    """Candidate labels (required, here or as parameters.candidate_labels); 'name=words' puts other words in the
    hypothesis (sadness=sad); with the embedding method 'name=words|words' gives several descriptions, averaged."""
    hypothesis_template: StrictStr = DEFAULT_TEMPLATE
    """The hypothesis; '{}' marks the label."""
    multi_label: StrictBool = False
    """Score each label on its own instead of one softmax over labels (NLI: entailment against contradiction;
    embedding: against the label's threshold)."""
    method: StrictStr = "auto"
    """How labels are scored: 'auto' (the method the server runs this model with), 'nli' or 'embedding'; a method
    that does not fit the model is a 422 saying why."""
    parameters: Optional[ZeroShotParameters] = None
    """The Hugging Face Inference API's options (what huggingface_hub's zero_shot_classification sends:
    candidate_labels, multi_label, hypothesis_template): when given, each input answers with its labels as a list,
    best first ([{"label", "score"}, ...]), as that client parses."""


class ZeroShotRoute(Route):
    task = "zero-shot-classification"
    path = "zero-shot"
    request = ZeroShotBody
    example = {"inputs": "the match went to extra time", "labels": ["sports", "politics", "technology"]}

    def check_method(self, method: str) -> None:
        """Refuse a method that is unknown, or that this model is not run with (with the registry's reason)."""
        from ...inference.predictors import AUTO, METHODS, method_names

        if method not in method_names(self.task):
            raise invalid(f"method: '{method}' is not one of: {', '.join(method_names(self.task))}")
        runs = getattr(self.predictor, "method", None)
        if method in (AUTO, runs) or self.predictor is None:
            return
        p = self.predictor
        why = METHODS[self.task][method].unfit(p.folder, p.settings.task, p.config, {})
        raise invalid(f"method: this model is served with method '{runs}'"
                      f"{f'; {method} does not fit it: {why}' if why else ''}: send method '{runs}' or 'auto'")

    def prepare(self, body: ZeroShotBody) -> Work:
        hf = body.parameters
        given = hf.candidate_labels if hf else body.labels
        field = "parameters.candidate_labels" if hf else "labels"
        if given is None:
            raise invalid("labels: missing: give the candidate labels (labels, or parameters.candidate_labels)")
        if len(given) > self.settings.max_labels:
            raise RequestError(413, f"{field}: {len(given)} labels, more than the limit of "
                               f"{self.settings.max_labels}: send fewer per request", "payload_too_large")
        self.check_method(body.method)
        check = self.predictor.label_set if self.predictor is not None else parse_labels
        template = (hf.hypothesis_template if hf else None) or body.hypothesis_template
        multi = body.multi_label if not hf or hf.multi_label is None else hf.multi_label
        try:
            labels = tuple(check(given, field).items())
            template = check_template(template)
        except DistilkitError as exc:
            raise invalid(str(exc).replace("--hypothesis-template", "hypothesis_template")) from None
        single, values = one_or_many(body.inputs)
        texts = self.texts(values, "inputs")
        passes = self.predictor.passes_per_text(len(labels)) if self.predictor is not None else len(labels)
        words = sum(tokens(w) + 4 for _, w in labels)
        cost = sum(passes * tokens(t) + words for t in texts)

        def finish(outputs: list) -> Any:
            if hf:  # the Inference API's shape: [{"label", "score"}] per input
                outputs = [[{"label": a, "score": b} for a, b in zip(o["labels"], o["scores"])] for o in outputs]
            return outputs[0] if single else outputs
        return Work([(t, labels) for t in texts], (template, multi), cost, finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        template, multi = key
        return predictor.predict([t for t, _ in items], [dict(labels) for _, labels in items], multi_label=multi,
                                 hypothesis_template=template)
