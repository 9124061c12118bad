"""text-embeddings-inference's routes at the server's root, for the first model served (text-embeddings-inference
serves one model per server, and its clients call the root): ``POST /embed``, ``/predict``, ``/rerank``,
``/tokenize``, ``GET /info``, and ``POST /``, which answers as the model's own route would (the first of its
routes that takes the body). Each goes through the same routes, limits and batchers as ``/v1/models/{name}/...``.

Shapes as text-embeddings-inference answers them: ``/embed`` a list of vectors; ``/predict`` every label, best
first, per input (a single input: one list); ``/rerank`` [{"index", "score"(, "text")}] best first, by the cosine
of the query's and each text's embeddings (a bi-encoder: served for embedding models; a cross-encoder is not
among the models distilkit trains); ``/tokenize`` per input its tokens [{"id", "text", "special", "start", "stop"}].
"""
from __future__ import annotations

from typing import Literal, Optional, Union

from fastapi import FastAPI, Request
from pydantic import StrictBool, StrictStr, ValidationError

from .. import __version__
from .routes import ROUTES, Body, RequestError
from .routes.base import one_or_many
from .routes.classify import ClassifyBody, ClassifyRoute
from .routes.embed import EmbedBody, EmbedRoute


class PredictBody(Body):
    inputs: Union[StrictStr, list[StrictStr], list[list[StrictStr]]]
    """A text, a list of texts, or a list of [text, text_pair] pairs."""
    truncate: StrictBool = True
    """Cut texts longer than the model's max_length (always done)."""
    truncation_direction: Literal["right", "Right"] = "right"
    """Which end is cut: the right."""
    raw_scores: StrictBool = False
    """Logits instead of probabilities."""


class RerankBody(Body):
    query: StrictStr
    """What the texts are ranked against."""
    texts: list[StrictStr]
    """The texts to rank."""
    raw_scores: StrictBool = False
    """Accepted for compatibility: the score is the cosine either way."""
    return_text: StrictBool = False
    """Give each result its text."""
    truncate: StrictBool = True
    """Cut texts longer than the model's max_length (always done)."""
    truncation_direction: Literal["right", "Right"] = "right"
    """Which end is cut: the right."""


class TokenizeBody(Body):
    inputs: Union[StrictStr, list[StrictStr]]
    """A text or a list of texts."""
    add_special_tokens: StrictBool = True
    """Add the model's special tokens ([CLS], [SEP])."""
    prompt_name: Optional[StrictStr] = None
    """Not served: these models have no prompts (a 422 if given)."""


def model_type(served, name: str) -> dict:
    """text-embeddings-inference's model_type: what the first route of the model that describes itself says."""
    m = served.by_name[name]
    return next((kind for kind in (ROUTES[t].tei_type(m.predictor) for t in m.tasks) if kind), {"other": m.kind})


def add_routes(app: FastAPI, served) -> None:
    name = served.models[0].name

    @app.post("/embed", tags=["text-embeddings-inference"], summary="Embed texts with the first model")
    async def embed(body: EmbedBody, request: Request):
        """The first model's embeddings, as ``/v1/models/{name}/embed``."""
        return await served.dispatch(name, EmbedRoute.task, body, request, "tei-embed")

    @app.post("/predict", tags=["text-embeddings-inference"], summary="Classify texts with the first model")
    async def predict(body: PredictBody, request: Request):
        """Every label of the first model per input, best first (``raw_scores``: logits)."""
        native = ClassifyBody(inputs=body.inputs, top_k=1000, function_to_apply="none" if body.raw_scores
                              else "softmax")
        return await served.dispatch(name, ClassifyRoute.task, native, request, "tei-predict")

    @app.post("/rerank", tags=["text-embeddings-inference"], summary="Rank texts against a query (cosine)")
    async def rerank(body: RerankBody, request: Request):
        """The texts ranked by the cosine of their embeddings to the query's, best first."""
        if not body.texts:
            raise RequestError(422, "texts: empty list: give at least one text to rank", "validation_error")
        if len(body.texts) + 1 > served.settings.max_texts:  # the query is embedded beside them
            raise RequestError(413, f"texts: {len(body.texts)} texts and the query, more than the limit of "
                               f"{served.settings.max_texts}: rank fewer per request", "payload_too_large")

        def answer(work, outputs):
            query, rest = outputs[0][0], [v for v, _ in outputs[1:]]
            scores = [float(query @ v) for v in rest]
            order = sorted(range(len(rest)), key=lambda i: -scores[i])
            return [{"index": i, "score": scores[i], **({"text": body.texts[i]} if body.return_text else {})}
                    for i in order]
        native = EmbedBody(inputs=[body.query, *body.texts], normalize=True)
        return await served.dispatch(name, EmbedRoute.task, native, request, "tei-rerank", answer)

    @app.post("/tokenize", tags=["text-embeddings-inference"], summary="The first model's tokens for texts")
    async def tokenize(body: TokenizeBody, request: Request):
        """The first model's tokens per input, with character offsets (special tokens have none)."""
        served.check_key(request)
        if body.prompt_name is not None:
            raise RequestError(422, f"prompt_name: '{body.prompt_name}': this model has no prompts: drop it",
                               "validation_error")
        m = served.by_name[name]
        single, values = one_or_many(body.inputs)
        texts = served.routes[name][m.kind].texts(values, "inputs")
        tokenizer = m.predictor.tokenizer
        encoding = tokenizer(texts, add_special_tokens=body.add_special_tokens, return_offsets_mapping=True,
                             truncation=True, max_length=m.predictor.settings.max_length)
        special = set(tokenizer.all_special_ids)
        out = []
        for text, ids, offsets in zip(texts, encoding["input_ids"], encoding["offset_mapping"]):
            names = tokenizer.convert_ids_to_tokens(ids)
            out.append([{"id": i, "text": token if i in special else text[a:b], "special": i in special,
                         "start": None if i in special else a, "stop": None if i in special else b}
                        for i, token, (a, b) in zip(ids, names, offsets)])
        return out

    @app.get("/info", tags=["text-embeddings-inference"], summary="The first model and the server's limits")
    async def info(request: Request):
        served.check_key(request)
        m, s = served.by_name[name], served.settings
        return {"model_id": name, "model_sha": None, "model_dtype": m.predictor.backend_name,
                "model_type": model_type(served, name), "max_concurrent_requests": s.queue_size,
                "max_input_length": m.predictor.settings.max_length, "max_batch_tokens": s.max_batch_tokens,
                "max_batch_requests": s.max_batch_size, "max_client_batch_size": s.max_texts, "auto_truncate": True,
                "tokenization_workers": 1, "version": __version__, "folder": m.folder}

    @app.post("/", tags=["text-embeddings-inference"], summary="The first model's own route (as POST /)")
    async def compat(request: Request):
        """The first of the model's routes whose body and checks this request passes (an embedding model served
        for zero-shot embeds a body without labels); none: the model's own route's refusal."""
        try:
            raw = await request.json()
        except ValueError:
            raise RequestError(422, "body is not valid JSON: send a JSON object", "validation_error") from None
        m, first = served.by_name[name], None
        for task in m.tasks:
            try:
                body = ROUTES[task].request.model_validate(raw)
                served.routes[name][task].prepare(body)
            except (ValidationError, RequestError) as exc:
                first = first or exc
                continue
            return await served.dispatch(name, task, body, request, "tei-root")
        if isinstance(first, RequestError):
            raise first
        where = ".".join(str(p) for p in first.errors()[0]["loc"]) or "body"
        raise RequestError(422, f"{where}: {first.errors()[0]['msg']} (as for {m.route.path})", "validation_error")
