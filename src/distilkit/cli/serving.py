"""The command that serves trained models over HTTP."""
from __future__ import annotations

from ..errors import DistilkitError
from ..serve.settings import ServeSettings  # light: the flags are read from its fields


def serve(folders: list[str] | None = None, model: list[str] | None = None, backend: list[str] | None = None,
          settings: ServeSettings | None = None):
    """Serve models over HTTP with dynamic batching: classify, zero-shot and QA routes, a playground page at /,
    Prometheus metrics at /metrics, OpenAPI at /docs.

    Args:
        folders: Model folders to serve, each named after its folder.
        model: Models as NAME=PATH, e.g. emotion=runs/emotion: served at /v1/models/NAME/...
        backend: torch, torch-bf16, onnx, onnx-int8 or auto for every model, or NAME=BACKEND for one, e.g.
            onnx,clinic=torch.
        settings: Batching, limits, binding and the API key: every other flag, one per ServeSettings field.
    """
    from ..serve import ModelSpec, run_server

    settings = settings or ServeSettings()

    specs = [ModelSpec.parse(f) for f in folders or []] + [ModelSpec.parse(m) for m in model or []]
    if not specs:
        raise DistilkitError("serve: give a model folder (distilkit serve runs/emotion) or --model NAME=PATH")
    names = {s.name for s in specs}
    for choice in backend or []:
        name, sep, value = choice.rpartition("=")
        if sep and name not in names:
            raise DistilkitError(f"--backend {choice}: no model named '{name}' (models: {', '.join(sorted(names))})")
        for spec in specs:
            if not sep or spec.name == name:
                spec.backend = value
    run_server(specs, settings)
