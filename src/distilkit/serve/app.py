"""The HTTP face: a FastAPI app over loaded models, one dynamic batcher per model.

Routes (shaped after text-embeddings-inference): ``POST /v1/models/{name}/{classify|zero-shot|qa}``,
``GET /v1/models``, ``GET /v1/models/{name}/card``, ``GET /health``, ``GET /metrics`` (Prometheus),
OpenAPI at ``/docs``, and a playground page at ``/``. Every refusal is a 4xx with a JSON body
``{"error", "error_type"}`` that names the field; nothing answers with a traceback.
"""
from __future__ import annotations

import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .batcher import Batcher, QueueFull
from .metrics import Metrics
from .models import ServedModel
from .routes import ROUTES, RequestError
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


def _field(loc) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def create_app(models: list[ServedModel], settings: ServeSettings) -> FastAPI:
    """The app over already-loaded models (``serve.models.load_models``)."""
    by_name = {m.name: m for m in models}
    routes = {m.name: m.route(settings, m.predictor) for m in models}  # this app's limits, not another app's
    batchers: dict[str, Batcher] = {}
    metrics = Metrics()
    state = {"ready": False}

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        for m in models:
            route = routes[m.name]
            batchers[m.name] = b = Batcher(lambda items, key, m=m, route=route: route.compute(m.predictor, items, key),
                                           settings.max_batch_size, settings.max_batch_tokens, settings.max_wait_ms,
                                           settings.queue_size, metrics.batch_observer(m.name))
            b.start()
            metrics.track_queue(m.name, b)
        state["ready"] = True
        app.state.batchers = batchers
        yield
        state["ready"] = False
        for b in batchers.values():
            await b.stop()

    app = FastAPI(title="distilkit", description="Compact transformer encoders served with dynamic batching.",
                  lifespan=lifespan)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {"loc": ["body"], "msg": "invalid request"}
        where = _field(first.get("loc", ["body"]))
        message = first.get("msg", "invalid")
        if first.get("type") == "json_invalid":
            return error(422, f"body is not valid JSON ({message}): send a JSON object", "validation_error")
        return error(422, f"{where}: {message}", "validation_error")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        kinds = {404: "not_found", 405: "method_not_allowed"}
        return error(exc.status_code, str(exc.detail), kinds.get(exc.status_code, "http_error"))

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError):
        return error(exc.status, exc.error, exc.error_type)

    def check_key(request: Request) -> None:
        if not settings.api_key:
            return
        auth = request.headers.get("authorization", "")
        given = auth[7:] if auth.lower().startswith("bearer ") else request.headers.get("x-api-key")
        import hmac

        if not given or not hmac.compare_digest(given, settings.api_key):
            raise RequestError(401, "missing or wrong API key: send 'Authorization: Bearer KEY'", "unauthorized")

    def model(name: str) -> ServedModel:
        if name not in by_name:
            raise RequestError(404, f"no model named '{name}': served models are {', '.join(by_name)}", "not_found")
        return by_name[name]

    @app.get("/health")
    async def health():
        if not state["ready"]:
            return error(503, "models are loading", "not_ready")
        return {"status": "ready", "models": list(by_name)}

    @app.get("/metrics")
    async def prometheus():
        return PlainTextResponse(metrics.render(), media_type=metrics.content_type)

    @app.get("/v1/models")
    async def list_models(request: Request):
        check_key(request)
        return {"models": [m.describe() for m in models]}

    @app.get("/v1/models/{name}/card")
    async def card(name: str, request: Request):
        check_key(request)
        m = model(name)
        from markdown_it import MarkdownIt

        return {"name": name, "markdown": m.card, "html": MarkdownIt("commonmark", {"html": False})
                .enable("table").render(m.card), "metadata": m.card_meta}

    def add_route(route_cls) -> None:
        async def handle(name: str, body, request: Request):
            start = time.perf_counter()
            status = 200
            try:
                check_key(request)
                m = model(name)
                if m.route.path != route_cls.path:
                    raise RequestError(400, f"model '{name}' is a {m.kind} model: call /v1/models/{name}/"
                                       f"{m.route.path}", "wrong_model_kind")
                work = routes[name].prepare(body)
                try:
                    outputs = await batchers[name].submit(work.items, work.key, work.cost)
                except QueueFull:
                    raise RequestError(429, f"model '{name}' has {settings.queue_size} requests waiting: retry "
                                       "shortly", "overloaded") from None
                return work.finish(outputs)
            except RequestError as exc:
                status = exc.status
                metrics.error(name if name in by_name else "unknown", exc.error_type)
                headers = {"Retry-After": "1"} if exc.status == 429 else None
                return error(exc.status, exc.error, exc.error_type, headers)
            except Exception as exc:  # a bug must not take the server down or leak a traceback
                status = 500
                metrics.error(name, "internal")
                first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
                return error(500, f"internal error: {first[:200]}", "internal")
            finally:
                metrics.request(name if name in by_name else "unknown", route_cls.path, status,
                                time.perf_counter() - start)

        handle.__annotations__.update(name=str, body=route_cls.request, request=Request)  # the body model per route
        handle.__name__ = route_cls.path.replace("-", "_")
        app.post(f"/v1/models/{{name}}/{route_cls.path}", summary=route_cls.__doc__ or route_cls.path,
                 openapi_extra={"requestBody": {"content": {"application/json": {"example": route_cls.example}}}}
                 )(handle)

    for route_cls in ROUTES.values():
        add_route(route_cls)

    @app.get("/", include_in_schema=False)
    async def page():
        return FileResponse(STATIC / "index.html", media_type="text/html")

    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    return app
