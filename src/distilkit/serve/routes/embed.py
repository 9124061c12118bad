"""Sentence embeddings: ``POST /v1/models/{name}/embed`` (text-embeddings-inference's ``/embed``, the Hugging Face
feature-extraction task), for every model whose predictor embeds (a sentence-embedding folder such as the base
MiniLM or mpnet-base, served as a zero-shot classifier too)."""
from __future__ import annotations

from typing import Any, Hashable, Literal, Optional, Union

from pydantic import StrictBool, StrictStr

from .base import Body, RequestError, Route, Work, invalid, one_or_many, tokens


class EmbedBody(Body):
    inputs: Union[StrictStr, list[StrictStr]]
    """A text or a list of texts; the answer is always a list of vectors, one per text."""
    normalize: StrictBool = True
    """Unit-length vectors (cosine = dot product)."""
    truncate: StrictBool = True
    """Cut a text longer than the model's max_length tokens; false: such a text is a 413 (text-embeddings-inference
    refuses by default; this server, like its other routes, truncates)."""
    truncation_direction: Literal["right", "Right"] = "right"
    """Which end is cut: the right (the only one served)."""
    prompt_name: Optional[StrictStr] = None
    """Not served: these models have no prompts (a 422 if given)."""
    dimensions: Optional[int] = None
    """The model's dimension if given (any other is a 422: these models are not trained to be cut)."""
    encoding_format: Literal["float"] = "float"
    """Vectors as lists of numbers (base64 is on the OpenAI route, /v1/embeddings)."""


class EmbedRoute(Route):
    task = "feature-extraction"
    path = "embed"
    request = EmbedBody
    example = {"inputs": ["the match went to extra time", "a goal in the last minute"]}
    loads = False  # a sentence-embedding folder is loaded as a zero-shot classifier, which embeds as well

    @classmethod
    def accepts(cls, predictor) -> bool:
        return callable(getattr(predictor, "embed_counted", None))

    @classmethod
    def tei_type(cls, predictor) -> dict:
        return {"embedding": {"pooling": "+".join(predictor.pooling.modes), "dimension": predictor.dimension}}

    def lengths(self, texts: list[str]) -> list[list[int]]:
        """Untruncated token ids, from a private copy of the predictor's Rust tokenizer (``lean.private_copy``): a
        request checked here on the shared one while the batching thread encoded another could read the other's
        truncation (seen under load: an over-long text passed as short)."""
        if not hasattr(self, "_counter"):
            from ...inference.lean import private_copy

            self._counter = private_copy(self.predictor.tokenizer)
        if self._counter is None:  # a Python tokenizer: no truncation state shared with the Rust library
            return self.predictor.tokenizer(texts, truncation=False)["input_ids"]
        return [e.ids for e in self._counter.encode_batch(texts)]

    def prepare(self, body: EmbedBody) -> Work:
        if body.prompt_name is not None:
            raise invalid(f"prompt_name: '{body.prompt_name}': this model has no prompts: drop prompt_name")
        dimension = getattr(self.predictor, "dimension", None)
        if body.dimensions is not None and body.dimensions != dimension:
            raise invalid(f"dimensions: {body.dimensions}: this model gives {dimension}-dimensional vectors and is "
                          "not trained to be cut: drop dimensions")
        single, values = one_or_many(body.inputs)
        texts = self.texts(values, "inputs")
        if not body.truncate and self.predictor is not None:
            limit = self.predictor.settings.max_length
            for i, ids in enumerate(self.lengths(texts)):
                if len(ids) > limit:
                    where = f"inputs[{i}]" if not single else "inputs"
                    raise RequestError(413, f"{where}: {len(ids)} tokens, more than the model's max_length {limit}: "
                                       "shorten it or send truncate: true", "payload_too_large")

        def finish(outputs: list) -> Any:
            return [vector.tolist() for vector, _ in outputs]
        return Work(texts, body.normalize, sum(tokens(t) for t in texts), finish)

    def compute(self, predictor, items: list, key: Hashable) -> list:
        vectors, counts = predictor.embed_counted(items, normalize=key)
        return list(zip(vectors, counts))
