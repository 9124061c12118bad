"""A client for a running `distilkit serve`, for `distilkit predict --server URL`: the model is already loaded
there, so a one-off prediction costs one HTTP round trip instead of importing torch and transformers and loading
the weights (seconds). Standard library only: importing this module imports no model library.
"""
from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import DistilkitError


class Server:
    """A `distilkit serve` at ``url`` (http://HOST:PORT), with its API key where it has one."""

    def __init__(self, url: str, api_key: str | None = None, timeout_s: float = 30.0):
        if not url.startswith(("http://", "https://")):
            raise DistilkitError(f"--server {url}: give the server's address, e.g. http://127.0.0.1:8000")
        self.url = url.rstrip("/")
        self.api_key = api_key or os.environ.get("DISTILKIT_API_KEY")
        self.timeout_s = timeout_s

    def call(self, path: str, body: dict | None = None):
        """The parsed JSON answer; a refusal or an unreachable server is one DistilkitError line."""
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read()).get("error")
            except ValueError:
                error = None
            raise DistilkitError(f"--server {self.url}: {exc.code} {error or exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            why = getattr(exc, "reason", exc)
            raise DistilkitError(f"--server {self.url}: no answer ({why}): start `distilkit serve MODEL` there, or "
                                 "drop --server to load the model here") from None

    def model_name(self, model: str, task: str) -> str:
        """The served name of ``model``: a name the server lists, or a folder it serves; it must be of ``task``."""
        served = self.call("/v1/models")["models"]
        folder = str(Path(model).resolve()) if Path(model).is_dir() else None
        found = next((m for m in served if m["name"] == model or (folder and m.get("folder") == folder)), None)
        if found is None:
            names = ", ".join(f"{m['name']} ({m['task']})" for m in served) or "none"
            raise DistilkitError(f"MODEL {model}: the server at {self.url} serves no such model (it serves: {names}): "
                                 "give one of those names")
        if task not in found.get("routes", {found["task"]: None}):
            raise DistilkitError(f"MODEL {model}: the server runs it as a {found['task']} model, not {task}: "
                                 "give a text classifier")
        return found["name"]

    def classify(self, model: str, texts: list[str], top_k: int) -> list[list[dict]]:
        """Each text's ``top_k`` labels, best first, as ``Classifier.predict`` gives them."""
        name = self.model_name(model, "text-classification")
        return self.call(f"/v1/models/{name}/classify", {"inputs": texts, "top_k": top_k})
