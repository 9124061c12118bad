"""OpenAI's embeddings protocol: ``POST /v1/embeddings``, so that tools speaking it (the ``openai`` package,
LangChain's and LlamaIndex's OpenAI embedding classes) use a served sentence-embedding model as their embedder.
``model`` names a served model; the request goes through that model's embed route, limits and batcher. The
model list for these clients is ``GET /v1/models``'s ``data`` (serve.app).
"""
from __future__ import annotations

import base64
from typing import Literal, Optional, Union

from fastapi import FastAPI, Request
from pydantic import StrictInt, StrictStr

from .routes import Body, RequestError
from .routes.embed import EmbedBody, EmbedRoute


class EmbeddingsBody(Body):
    input: Union[StrictStr, list[StrictStr], list[StrictInt], list[list[StrictInt]]]
    """A text or a list of texts (token ids are refused: this server reads text)."""
    model: StrictStr
    """The served model's name (GET /v1/models)."""
    encoding_format: Literal["float", "base64"] = "float"
    """'float': lists of numbers; 'base64': little-endian float32 bytes, base64 (the openai package's default)."""
    dimensions: Optional[int] = None
    """The model's dimension if given (these models are not trained to be cut)."""
    user: Optional[StrictStr] = None
    """Accepted and ignored."""


def encoded(vector, encoding_format: str):
    if encoding_format == "base64":
        return base64.b64encode(vector.astype("<f4").tobytes()).decode("ascii")
    return vector.tolist()


def openai_error(message: str, error_type: str) -> dict:
    """OpenAI's error body, whose ``message`` the openai package shows in its exception (``param``: the field the
    message starts with)."""
    field = message.split(":", 1)[0] if ":" in message and " " not in message.split(":", 1)[0] else None
    return {"error": {"message": message, "type": error_type, "param": field, "code": None}}


def add_routes(app: FastAPI, served) -> None:
    served.shapes["/v1/embeddings"] = openai_error

    @app.post("/v1/embeddings", tags=["OpenAI"], summary="Embeddings in OpenAI's shape")
    async def embeddings(body: EmbeddingsBody, request: Request):
        """Embeddings of the served model ``model`` in OpenAI's shape, with the tokens used."""
        served.check_key(request)
        texts = body.input if isinstance(body.input, list) else [body.input]
        if any(not isinstance(t, str) for t in texts):
            raise RequestError(422, "input: token ids are not served: send the texts (LangChain's OpenAIEmbeddings: "
                               "check_embedding_ctx_length=False)", "validation_error")
        if len(texts) > served.settings.max_texts:
            raise RequestError(413, f"input: {len(texts)} texts, more than the limit of {served.settings.max_texts}: "
                               "split the request", "payload_too_large")
        if body.model not in served.by_name:
            raise RequestError(404, f"model: no model named '{body.model}': served models are "
                               f"{', '.join(served.by_name)}", "not_found")
        native = EmbedBody(inputs=texts, normalize=True, dimensions=body.dimensions)

        def answer(work, outputs):
            data = [{"object": "embedding", "index": i, "embedding": encoded(v, body.encoding_format)}
                    for i, (v, _) in enumerate(outputs)]
            used = sum(n for _, n in outputs)
            return {"object": "list", "data": data, "model": body.model,
                    "usage": {"prompt_tokens": used, "total_tokens": used}}
        return await served.dispatch(body.model, EmbedRoute.task, native, request, "openai-embeddings", answer)
