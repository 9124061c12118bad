"""Measurements shared by model cards and the bench/ scripts: parameters, size on disk,
batch-1 latency (median of many single-text calls) and batched throughput."""
from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch


def parameters(model) -> int:
    return sum(p.numel() for p in model.parameters())


def size_mb(folder: str | Path) -> float:
    """Size of the weight files in a model folder, in MB (10^6 bytes)."""
    files = list(Path(folder).glob("*.safetensors")) or list(Path(folder).glob("*.onnx"))
    return round(sum(f.stat().st_size for f in files) / 1e6, 2)


@torch.inference_mode()
def latency_ms(model, tokenizer, texts: list[str], runs: int = 100, warmup: int = 5) -> dict:
    """Median and p90 milliseconds of one text per call (tokenization included), over ``runs`` calls."""
    model.eval()
    timings = []
    for i in range(warmup + runs):
        text = texts[i % len(texts)]
        started = time.perf_counter()
        model(**tokenizer(text, return_tensors="pt", truncation=True))
        if i >= warmup:
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return {"median_ms": round(statistics.median(timings), 2), "p90_ms": round(timings[int(0.9 * len(timings))], 2),
            "runs": runs}


@torch.inference_mode()
def throughput(model, tokenizer, texts: list[str], batch_size: int = 32, rounds: int = 2) -> float:
    """Examples per second at ``batch_size`` (tokenization included), best of ``rounds`` passes."""
    model.eval()
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(0, len(texts), batch_size):
            model(**tokenizer(texts[i:i + batch_size], padding=True, truncation=True, return_tensors="pt"))
        best = max(best, len(texts) / (time.perf_counter() - started))
    return round(best, 1)
