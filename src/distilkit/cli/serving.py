"""The command that serves trained models over HTTP."""
from __future__ import annotations

from ..errors import DistilkitError


def serve(folders: list[str] | None = None, model: list[str] | None = None, backend: list[str] | None = None,
          host: str = "127.0.0.1", port: int = 8000, max_batch_size: int = 64, max_batch_tokens: int = 16384,
          max_pass_tokens: int = 1024,
          max_wait_ms: float = 5.0, queue_size: int = 256, max_body_bytes: int = 1_000_000, max_texts: int = 256,
          max_text_chars: int = 20_000, long_text: str = "truncate", max_labels: int = 100,
          api_key: str | None = None, threads: int | None = None):
    """Serve models over HTTP with dynamic batching: classify, zero-shot and QA routes, a playground page at /,
    Prometheus metrics at /metrics, OpenAPI at /docs.

    Args:
        folders: Model folders to serve, each named after its folder.
        model: Models as NAME=PATH (repeatable): served at /v1/models/NAME/...
        backend: torch, torch-bf16, onnx or onnx-int8 for every model, or NAME=BACKEND for one (repeatable).
        host: Interface to bind (default loopback only; 0.0.0.0 exposes the server to the network).
        port: TCP port.
        max_batch_size: Items gathered from concurrent requests into one batch.
        max_batch_tokens: Tokens (estimated) gathered into one batch at most.
        max_pass_tokens: Padded tokens per forward pass at most: a batch is sorted by length and cut into passes.
        max_wait_ms: How long a batch waits for more requests after its first (milliseconds).
        queue_size: Requests waiting per model at most; beyond it 429 with Retry-After.
        max_body_bytes: Largest request body (413 beyond it).
        max_texts: Texts per request at most (413 beyond it).
        max_text_chars: Characters per text at most (see --long-text).
        long_text: A text over --max-text-chars: 'truncate' or 'reject' (413).
        max_labels: Zero-shot labels per request at most (413 beyond it).
        api_key: Key required on /v1 routes (default: the DISTILKIT_API_KEY environment variable, else none).
        threads: CPU threads per model's backend.
    """
    from ..serve import ModelSpec, ServeSettings, run_server

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
    settings = ServeSettings(host=host, port=port, max_batch_size=max_batch_size, max_batch_tokens=max_batch_tokens,
                             max_pass_tokens=max_pass_tokens,
                             max_wait_ms=max_wait_ms, queue_size=queue_size, max_body_bytes=max_body_bytes,
                             max_texts=max_texts, max_text_chars=max_text_chars, long_text=long_text,
                             max_labels=max_labels, api_key=api_key, threads=threads)
    run_server(specs, settings)
