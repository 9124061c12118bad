"""One route per model kind, in a registry keyed by the predictor's task (``ROUTES``).

A route names its URL (``/v1/models/{name}/<path>``), its request body (a pydantic model: a missing field, a
wrong type or an unknown field is a 422 naming it), how a request becomes batchable items (``prepare``) and how a
batch of items from many requests runs on the predictor (``compute``). Serving a new kind of model is one module
with one ``Route`` subclass and one entry below.

Every body takes two forms. The native one (``{"inputs": ..., "top_k": 2}``, text-embeddings-inference's shapes:
a single input answers with a single result, a list with a list), and the Hugging Face Inference API's, which
``huggingface_hub.InferenceClient`` sends (``{"inputs": ..., "parameters": {...}}``): a body with ``parameters``
is answered in the shape that client parses. The protocols of other clients (text-embeddings-inference's root
routes, OpenAI's embeddings) are faces over these routes (``serve.tei``, ``serve.openai``).
"""
from __future__ import annotations

from .base import Body, RequestError, Route, Work
from .classify import ClassifyRoute
from .embed import EmbedRoute
from .qa import QARoute
from .zero_shot import ZeroShotRoute

ROUTES: dict[str, type[Route]] = {r.task: r for r in (ClassifyRoute, ZeroShotRoute, QARoute, EmbedRoute)}
"""task -> route; a model answers on every route that ``accepts`` its predictor, its own kind's first."""

__all__ = ["Body", "ROUTES", "RequestError", "Route", "Work"]
