"""Servers on loopback for the tests: a real uvicorn on a free port, in a thread of the test process."""
from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Running:
    """``create_app(models, settings)`` served by uvicorn until ``stop()``."""

    def __init__(self, models, settings):
        import uvicorn

        from distilkit.serve import create_app

        settings.port = free_port()
        self.models, self.settings = models, settings
        self.url = f"http://127.0.0.1:{settings.port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(models, settings), host="127.0.0.1",
                                                    port=settings.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 20
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)

    def model(self, name):
        return next(m for m in self.models if m.name == name)


def call(url: str, body=None, method: str | None = None, headers: dict | None = None, raw: bytes | None = None,
         timeout: float = 30):
    """(status, parsed JSON or text, headers) of a real HTTP request."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(url, data=data, method=method or ("POST" if data is not None else "GET"),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, payload, head = response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as exc:
        status, payload, head = exc.code, exc.read(), dict(exc.headers)
    try:
        return status, json.loads(payload), head
    except ValueError:
        return status, payload.decode(), head


@pytest.fixture(scope="session")
def served_models(toy_runs, qa_runs, tmp_path_factory):
    """A classifier (BERT), a zero-shot NLI model (DistilBERT) and a QA model (DistilBERT), loaded once."""
    from distilkit.serve import ModelSpec, ServeSettings, load_models
    from tests.inference.test_zero_shot import _save_nli

    nli = _save_nli(tmp_path_factory.mktemp("serve-nli"), "distilbert")
    specs = [ModelSpec("toy", str(toy_runs["bert"][0])), ModelSpec("nli", nli),
             ModelSpec("qa", str(qa_runs["distilbert"][0]))]
    return load_models(specs, ServeSettings())


@pytest.fixture(scope="session")
def server(served_models):
    from distilkit.serve import ServeSettings

    running = Running(served_models, ServeSettings(max_texts=8, max_text_chars=400, max_labels=5,
                                                   max_body_bytes=20_000))
    yield running
    running.stop()
