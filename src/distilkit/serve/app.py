"""The HTTP face: a FastAPI app over loaded models, one dynamic batcher per model.

Routes: ``POST /v1/models/{name}/{classify|zero-shot|qa|embed}`` (text-embeddings-inference's shapes, and the
Hugging Face Inference API's with ``parameters``), text-embeddings-inference's root routes for the first model
(``serve.tei``), OpenAI's ``POST /v1/embeddings`` (``serve.openai_api``), ``GET /v1/models``,
``GET /v1/models/{name}/card``, ``GET /health``, ``GET /metrics`` (Prometheus), OpenAPI at ``/docs``, and a
playground page at ``/``. Every refusal is a 4xx with a JSON body ``{"error", "error_type"}`` that names the
field; nothing answers with a traceback.
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .batcher import Batcher, QueueFull
from .metrics import Metrics
from .models import ServedModel
from .routes import ROUTES, RequestError, Work
from .settings import ServeSettings

STATIC = Path(__file__).parent / "static"


def error(status: int, message: str, error_type: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "error_type": error_type}, status_code=status, headers=headers)


class BodyLimit:
    """ASGI middleware: a body over ``limit`` bytes is refused with 413 before it is read whole."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        too_big = error(413, f"request body is larger than the limit of {self.limit} bytes: send less per request",
                        "payload_too_large")
        if length is not None and length.isdigit() and int(length) > self.limit:
            return await too_big(scope, receive, send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise RequestError(413, "request body too large", "payload_too_large")
            return message
        try:
            await self.app(scope, counted, send)
        except RequestError:
            await too_big(scope, receive, send)


SCALARS = {"str", "int", "bool", "float", "list", "dict"}


def _field(loc) -> str:
    """pydantic's error location as the client wrote it: ('body', 'inputs', 'QAInput', 'context') -> inputs.context
    (a union's member names, CamelCase models and 'list[str]'-like tags, are not fields)."""
    parts = [str(p) for p in loc if p != "body"]
    parts = [p for p in parts if not (p[:1].isupper() or "[" in p or p in SCALARS)]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


class Served:
    """What the routes of every protocol share: the models, their routes and batchers, the metrics, and
    ``dispatch``, the one way a request reaches a model."""

    def __init__(self, models: list[ServedModel], settings: ServeSettings):
        self.models, self.settings = models, settings
        self.by_name = {m.name: m for m in models}
        # This app's routes (its limits, not another app's), per model: every route that accepts its predictor.
        self.routes = {m.name: {task: ROUTES[task](settings, m.predictor) for task in m.tasks} for m in models}
        self.batchers: dict[str, Batcher] = {}
        self.metrics = Metrics()
        self.ready = False
        self.shapes: dict[str, Callable[[str, str], dict]] = {}
        """URL path -> the error body its protocol's clients parse ((message, error_type) -> body); other paths
        answer {"error", "error_type"}."""

    def refuse(self, request: Request, status: int, message: str, error_type: str,
               headers: dict | None = None) -> JSONResponse:
        """A refusal in the shape the path's clients parse."""
        shape = self.shapes.get(request.url.path)
        if shape is None:
            return error(status, message, error_type, headers)
        return JSONResponse(shape(message, error_type), status_code=status, headers=headers)

    def start(self) -> None:
        s = self.settings
        for m in self.models:
            def compute(items, key, name=m.name, predictor=m.predictor):
                task, options = key  # requests batch only with their own route and options
                return self.routes[name][task].compute(predictor, items, options)
            self.batchers[m.name] = b = Batcher(compute, s.max_batch_size, s.max_batch_tokens, s.max_wait_ms,
                                                s.queue_size, self.metrics.batch_observer(m.name))
            b.start()
            self.metrics.track_queue(m.name, b)
        self.ready = True

    def check_key(self, request: Request) -> None:
        key = self.settings.api_key
        if not key:
            return
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else request.headers.get("x-api-key")
        import hmac

        if not given or not hmac.compare_digest(given, key):
            raise RequestError(401, "missing or wrong API key: send 'Authorization: Bearer KEY'", "unauthorized")

    def model(self, name: str) -> ServedModel:
        if name not in self.by_name:
            raise RequestError(404, f"no model named '{name}': served models are {', '.join(self.by_name)}",
                               "not_found")
        return self.by_name[name]

    def route(self, name: str, task: str):
        """The model's route for ``task``; a model that has none is a 400 naming the routes it has."""
        m = self.model(name)
        if task not in self.routes[name]:
            have = ", ".join(f"/v1/models/{name}/{ROUTES[t].path}" for t in m.tasks)
            raise RequestError(400, f"model '{name}' is a {m.kind} model and has no {ROUTES[task].path} route: call "
                               f"{have}", "wrong_model_kind")
        return self.routes[name][task]

    async def dispatch(self, name: str, task: str, body, request: Request, path: str,
                       answer: Callable[[Work, list], Any] | None = None) -> JSONResponse:
        """Check the key, prepare ``body`` on the model's ``task`` route, wait for its batch, answer
        (``answer(work, outputs)``, default the route's own shape); every refusal a 4xx JSON error."""
        start, status, label = time.perf_counter(), 200, name if name in self.by_name else "unknown"
        try:
            self.check_key(request)
            work = self.route(name, task).prepare(body)
            try:
                outputs = await self.batchers[name].submit(work.items, (task, work.key), work.cost)
            except QueueFull:
                raise RequestError(429, f"model '{name}' has {self.settings.queue_size} requests waiting: retry "
                                   "shortly", "overloaded") from None
            return JSONResponse(answer(work, outputs) if answer else work.finish(outputs))
        except RequestError as exc:
            status = exc.status
            self.metrics.error(label, exc.error_type)
            return self.refuse(request, exc.status, exc.error, exc.error_type,
                               {"Retry-After": "1"} if exc.status == 429 else None)
        except Exception as exc:  # a bug must not take the server down or leak a traceback
            status = 500
            self.metrics.error(label, "internal")
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return self.refuse(request, 500, f"internal error: {first[:200]}", "internal")
        finally:
            self.metrics.request(label, path, status, time.perf_counter() - start)


def create_app(models: list[ServedModel], settings: ServeSettings) -> FastAPI:
    """The app over already-loaded models (``serve.models.load_models``)."""
    served = Served(models, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        served.start()
        app.state.batchers = served.batchers
        yield
        served.ready = False
        for b in served.batchers.values():
            await b.stop()

    app = FastAPI(title="distilkit", description="Compact transformer encoders served with dynamic batching.",
                  lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": ["body"], "msg": "invalid request"}
        where = _field(first.get("loc", ["body"]))
        message = first.get("msg", "invalid")
        if first.get("type") == "json_invalid":
            return served.refuse(request, 422, f"body is not valid JSON ({message}): send a JSON object",
                                 "validation_error")
        if first.get("type") == "extra_forbidden":
            return served.refuse(request, 422, f"{where}: not a field this route takes: drop it (the fields are in "
                                 "/docs)", "validation_error")
        return served.refuse(request, 422, f"{where}: {message}", "validation_error")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        kinds = {404: "not_found", 405: "method_not_allowed"}
        return served.refuse(request, exc.status_code, str(exc.detail), kinds.get(exc.status_code, "http_error"))

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError):
        return served.refuse(request, exc.status, exc.error, exc.error_type)

    @app.get("/health")
    async def health():
        if not served.ready:
            return error(503, "models are loading", "not_ready")
        return {"status": "ready", "models": list(served.by_name)}

    @app.get("/metrics")
    async def prometheus():
        return PlainTextResponse(served.metrics.render(), media_type=served.metrics.content_type)

    @app.get("/v1/models")
    async def list_models(request: Request):
        """The served models: `models` (distilkit's description of each) and, for OpenAI clients, `data`."""
        served.check_key(request)
        return {"object": "list", "models": [m.describe() for m in models],
                "data": [{"id": m.name, "object": "model", "created": 0, "owned_by": "distilkit", "task": m.kind}
                         for m in models]}

    @app.get("/v1/models/{name}/card")
    async def card(name: str, request: Request):
        served.check_key(request)
        m = served.model(name)
        from markdown_it import MarkdownIt

        return {"name": name, "markdown": m.card, "html": MarkdownIt("commonmark", {"html": False})
                .enable("table").render(m.card), "metadata": m.card_meta}

    for task, route_cls in ROUTES.items():
        add_route(app, served, task, route_cls)
    from . import openai_api, tei  # the other protocols: faces over the same routes and batchers

    tei.add_routes(app, served)
    openai_api.add_routes(app, served)

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app


def add_route(app: FastAPI, served: Served, task: str, route_cls) -> None:
    """``POST /v1/models/{name}/<path>`` with the route's body model (its OpenAPI schema and example)."""
    async def handle(name: str, body, request: Request):
        return await served.dispatch(name, task, body, request, route_cls.path)

    handle.__annotations__.update(name=str, body=route_cls.request, request=Request)  # the body model per route
    handle.__name__ = route_cls.path.replace("-", "_")
    app.post(f"/v1/models/{{name}}/{route_cls.path}", summary=route_cls.__doc__ or route_cls.path,
             openapi_extra={"requestBody": {"content": {"application/json": {"example": route_cls.example}}}}
             )(handle)
