"""``distilkit serve``: trained models over HTTP with dynamic batching (a face over ``inference``).

Layers, as in text-embeddings-inference: ``routes`` (request shapes per model kind, a registry),
``batcher`` (a bounded queue per model gathering concurrent requests into one forward pass), and the
predictors and backends of ``distilkit.inference`` underneath. ``app`` ties them into FastAPI.

    from distilkit.serve import ModelSpec, ServeSettings, load_models, create_app
    app = create_app(load_models([ModelSpec("emotion", "runs/emotion")], ServeSettings()), ServeSettings())
"""
from __future__ import annotations

import signal
import socket
from typing import TYPE_CHECKING

from ..errors import DistilkitError
from .settings import LongText, ServeSettings

if TYPE_CHECKING:
    from .models import ModelSpec

LAZY = {"ModelSpec", "ServedModel", "load_models"}  # from .models


def __getattr__(name: str):
    """The models module pulls in the routes (pydantic, numpy): it loads on first use, so that the command line
    reads ServeSettings for its flags without paying for them (PEP 562)."""
    if name not in LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from . import models

    return getattr(models, name)


def create_app(models, settings):
    from .app import create_app as build

    return build(models, settings)


def check_port(host: str, port: int) -> None:
    """A port already in use is a one-line error before any model loads."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DistilkitError(f"--port {port}: cannot listen on {host}:{port} ({exc.strerror}): pick a free port "
                                 "or stop what holds it") from None


def run_server(specs: list[ModelSpec], settings: ServeSettings) -> None:
    """Load every model, then serve until SIGTERM / Ctrl-C (in-flight requests finish first)."""
    import uvicorn

    from .models import load_models

    check_port(settings.host, settings.port)
    from ..inference.backends import onnx_backend

    onnx_backend.SPIN_WAIT = False
    models = load_models(specs, settings)
    app = create_app(models, settings)
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning",
                            timeout_graceful_shutdown=settings.graceful_timeout_s, access_log=False)
    server = uvicorn.Server(config)
    names = ", ".join(f"{m.name} ({m.kind}, {m.predictor.backend_name})" for m in models)
    print(f"serving {names} on http://{settings.host}:{settings.port} (playground at /, API at /docs)", flush=True)
    # uvicorn re-raises SIGTERM once it has shut down (so the default handler kills the process with -15);
    # a handler of our own takes that re-raised signal, so a graceful stop exits 0 as process managers expect.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run()
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not server.started:
        raise DistilkitError(f"--port {settings.port}: the server could not start on {settings.host}:{settings.port}")


__all__ = ["LongText", "ModelSpec", "ServeSettings", "ServedModel", "create_app", "load_models", "run_server"]
