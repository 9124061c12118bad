"""What a server allows: batching, queue and request limits, binding and the API key, in one dataclass.

Every limit has a default a laptop and a small production box both live with; each is a ``distilkit serve``
flag of the same name.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..config import Choice, _check

API_KEY_ENV = "DISTILKIT_API_KEY"


class LongText(Choice):
    TRUNCATE = "truncate"
    REJECT = "reject"


@dataclass
class ServeSettings:
    host: str = "127.0.0.1"
    """Interface to bind. Loopback only unless you say otherwise (0.0.0.0 exposes the server to the network)."""
    port: int = 8000
    """TCP port."""
    max_batch_size: int = 64
    """Texts (zero-shot: text-label pairs; QA: questions) gathered from concurrent requests into one batch."""
    max_batch_tokens: int = 16384
    """Tokens (estimated from characters) gathered into one batch at most, over all its requests."""
    max_pass_tokens: int = 1024
    """Padded tokens per forward pass at most (rows x longest row): a gathered batch is sorted by length and cut
    into passes of this size, so long and short texts are not padded against each other. On CPU, passes of about
    1k tokens keep their activations in cache, and ran faster than one 64-row pass in a trial on this project's
    2-core machine (not a committed benchmark)."""
    max_wait_ms: float = 5.0
    """How long a batch waits for more requests once its first one arrived (milliseconds)."""
    queue_size: int = 256
    """Requests waiting per model at most; beyond it the server answers 429 with Retry-After."""
    max_body_bytes: int = 1_000_000
    """Largest request body (413 beyond it)."""
    max_texts: int = 256
    """Texts (or QA questions) per request at most (413 beyond it)."""
    max_text_chars: int = 20_000
    """Characters per text (or context) at most; longer ones are cut or refused, as ``long_text`` says."""
    long_text: LongText = LongText.TRUNCATE
    """'truncate': cut texts to max_text_chars (the model truncates to its max_length anyway); 'reject': 413."""
    max_labels: int = 100
    """Candidate labels per zero-shot request at most (413 beyond it)."""
    api_key: str | None = None
    """Required on every /v1 route (header 'Authorization: Bearer KEY' or 'X-API-Key: KEY') when set; the
    DISTILKIT_API_KEY environment variable sets it too. /health, /metrics and the page stay open."""
    threads: int | None = None
    """CPU threads per model's backend (default: the backend's own)."""
    graceful_timeout_s: float = 30.0
    """On SIGTERM: stop accepting, then wait at most this long for in-flight requests before exiting."""

    def __post_init__(self):
        self.long_text = LongText.parse(self.long_text, "long_text")
        for name in ("max_batch_size", "max_batch_tokens", "max_pass_tokens", "queue_size", "max_body_bytes", "max_texts",
                     "max_text_chars", "max_labels"):
            _check(int(getattr(self, name)) >= 1, name, f"{getattr(self, name)} must be at least 1")
        _check(0 <= self.max_wait_ms <= 10_000, "max_wait_ms", f"{self.max_wait_ms} must be between 0 and 10000")
        _check(0 < self.port < 65536, "port", f"{self.port} is not a TCP port (1-65535)")
        if self.api_key is None:
            self.api_key = os.environ.get(API_KEY_ENV) or None
