"""Measurements of a predictor, for cards and benchmarks: size, parameters, batch-1 latency
(percentiles of many single-input calls, tokenization included) and batched throughput."""
from __future__ import annotations

import statistics
import time


def parameters(model) -> int:
    """Parameters of a torch model."""
    return sum(p.numel() for p in model.parameters())


def _percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def latency_ms(call, inputs: list, runs: int = 100, warmup: int = 5) -> dict:
    """``call([x])`` for one input at a time: p50 / p95 / p90 milliseconds over ``runs`` calls."""
    timings = []
    for i in range(warmup + runs):
        item = inputs[i % len(inputs)]
        started = time.perf_counter()
        call([item])
        if i >= warmup:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"p50_ms": round(statistics.median(timings), 3), "p90_ms": round(_percentile(timings, 0.90), 3),
            "p95_ms": round(_percentile(timings, 0.95), 3), "runs": runs}


def throughput(call, inputs: list, batch_size: int = 32, rounds: int = 2) -> float:
    """Inputs per second through ``call(batch)`` at ``batch_size``, best of ``rounds`` passes."""
    best = 0.0
    call(inputs[:batch_size])  # warm-up
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(0, len(inputs), batch_size):
            call(inputs[i:i + batch_size])
        best = max(best, len(inputs) / (time.perf_counter() - started))
    return round(best, 1)


def batch_calls(predictor):
    """``call(items)``: one predictor call per batch of items (``predictor.items(split)``), run as one batch."""
    def call(items):
        predictor.batch_size = max(len(items), 1)
        return predictor.call(items)
    return call


def measure_predictor(predictor, items: list, latency_runs: int = 100, batch_size: int = 32) -> dict:
    """Size, parameters, batch-1 latency and batch-``batch_size`` throughput of one predictor on ``items``."""
    saved = predictor.batch_size
    call = batch_calls(predictor)
    try:
        latency = latency_ms(call, items, runs=latency_runs)
        rate = throughput(call, items, batch_size)
    finally:
        predictor.batch_size = saved
    info = predictor.backend.info()
    return {"size_mb": info["size_mb"], "parameters": info["parameters"], "latency_p50_ms": latency["p50_ms"],
            "latency_p95_ms": latency["p95_ms"], f"throughput_batch{batch_size}": rate}
