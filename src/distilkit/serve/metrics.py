"""Prometheus metrics of one app (its own registry, so two apps in a process never share counts)."""
from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self):
        self.registry = r = CollectorRegistry()
        self.requests = Counter("distilkit_requests", "Requests answered, by model, route and HTTP status",
                                ["model", "route", "status"], registry=r)
        self.errors = Counter("distilkit_errors", "Refused or failed requests, by model and error type",
                              ["model", "error_type"], registry=r)
        self.latency = Histogram("distilkit_request_duration_seconds", "Request latency (queue + compute)",
                                 ["model", "route"], buckets=LATENCY_BUCKETS, registry=r)
        self.queue = Gauge("distilkit_queue_depth", "Requests waiting for a batch", ["model"], registry=r)
        self.batch_size = Histogram("distilkit_batch_size", "Items per forward batch", ["model"],
                                    buckets=BATCH_BUCKETS, registry=r)
        self.batch_seconds = Histogram("distilkit_batch_duration_seconds", "Compute time per batch", ["model"],
                                       buckets=LATENCY_BUCKETS, registry=r)

    def request(self, model: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(model, route, str(status)).inc()
        if status < 400:
            self.latency.labels(model, route).observe(seconds)

    def error(self, model: str, error_type: str) -> None:
        self.errors.labels(model, error_type).inc()

    def track_queue(self, model: str, batcher) -> None:
        self.queue.labels(model).set_function(lambda: batcher.depth)

    def batch_observer(self, model: str):
        def observe(size: int, seconds: float) -> None:
            self.batch_size.labels(model).observe(size)
            self.batch_seconds.labels(model).observe(seconds)
        return observe

    def render(self) -> bytes:
        return generate_latest(self.registry)
