"""What a server allows: batching, queue and request limits, binding and the API key, in one dataclass.

Every limit has a default a laptop and a small production box both live with, and declared bounds; each field
is a ``distilkit serve`` flag of the same name, whose default, bounds and help the command line reads from here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

from ..config import Choice, TrainingConfig, bounded, check_bounds, like

API_KEY_ENV = "DISTILKIT_API_KEY"


class LongText(Choice):
    TRUNCATE = "truncate"
    REJECT = "reject"


@dataclass
class ServeSettings:
    host: str = "127.0.0.1"
    """Interface to bind. Loopback only unless you say otherwise (0.0.0.0 exposes the server to the network)."""
    port: int = bounded(8000, "a TCP port", at_least=1, at_most=65535)
    """TCP port."""
    max_batch_size: int = bounded(64, "texts per batch", at_least=1)
    """Texts (zero-shot: text-label pairs; QA: questions) gathered from concurrent requests into one batch."""
    max_batch_tokens: int = bounded(16384, "tokens per batch", at_least=1)
    """Tokens (estimated from characters) gathered into one batch at most, over all its requests."""
    max_pass_tokens: int = bounded(1024, "tokens per forward pass", at_least=1)
    """Padded tokens per forward pass at most (rows x longest row): a gathered batch is sorted by length and cut
    into passes of this size, so long and short texts are not padded against each other. On CPU, passes of about
    1k tokens keep their activations in cache, and ran faster than one 64-row pass in a trial on this project's
    2-core machine (not a committed benchmark)."""
    max_wait_ms: float = bounded(5.0, "milliseconds a batch waits for more requests", at_least=0, at_most=10_000)
    """How long a batch waits for more requests once its first one arrived (milliseconds)."""
    queue_size: int = bounded(256, "queued requests per model", at_least=1)
    """Requests waiting per model at most; beyond it the server answers 429 with Retry-After."""
    max_body_bytes: int = bounded(1_000_000, "bytes per request body", at_least=1)
    """Largest request body (413 beyond it)."""
    max_texts: int = bounded(256, "texts per request", at_least=1)
    """Texts (or QA questions) per request at most (413 beyond it)."""
    max_text_chars: int = bounded(20_000, "characters per text", at_least=1)
    """Characters per text (or context) at most; longer ones are cut or refused, as ``long_text`` says."""
    long_text: LongText = LongText.TRUNCATE
    """'truncate': cut texts to max_text_chars (the model truncates to its max_length anyway); 'reject': 413."""
    max_labels: int = bounded(100, "labels per request", at_least=1)
    """Candidate labels per zero-shot request at most (413 beyond it)."""
    api_key: str | None = None
    """Required on every /v1 route (header 'Authorization: Bearer KEY' or 'X-API-Key: KEY') when set; the
    DISTILKIT_API_KEY environment variable sets it too. /health, /metrics and the page stay open."""
    threads: int | None = like(TrainingConfig, "num_threads")
    """CPU threads per model's backend (default: the backend's own)."""
    graceful_timeout_s: float = bounded(30.0, "seconds in-flight requests get to finish", at_least=0)
    """On SIGTERM: stop accepting, then wait at most this long for in-flight requests before exiting."""

    def __post_init__(self):
        self.long_text = LongText.parse(self.long_text, "long_text")
        check_bounds(self)
        if self.api_key is None:
            self.api_key = os.environ.get(API_KEY_ENV) or None
