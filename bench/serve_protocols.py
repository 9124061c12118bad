"""Served embeddings against offline ones (issue 32): the same sentence-embedding model and backend, in one run.

    python bench/serve_protocols.py [--model minilm-l6] [--clients 64] [--seconds 30] [--threads 2]

For each backend (torch, onnx-int8): the offline figures first (``offline``: batch-32 throughput as every
distilkit benchmark measures it, and the whole file sorted by length in one call), then `distilkit serve` as its own process with --clients concurrent clients
sending single-text requests (keep-alive connections, asyncio clients in this process: ~2% of a core) for
--seconds, to distilkit's embed route and to OpenAI's /v1/embeddings: answers, errors, p50/p99 latency,
throughput, and the ratio to the offline texts per second.
Target (issue 32): the embed route at 64 clients >= 80% of the same backend's offline batch-32 throughput, 0 errors.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result  # noqa: E402
from serve_load import TEST, free_port, load, peak_rss_mb, start  # noqa: E402

ROUTES = {"embed": ("/v1/models/m/embed", lambda text: {"inputs": text}),
          "openai": ("/v1/embeddings", lambda text: {"model": "m", "input": text, "encoding_format": "float"})}


def offline(model: str, backend: str, threads: int, texts: list[str]) -> dict:
    """Two offline figures: batch-32 throughput as every distilkit benchmark measures it (``measure.throughput``:
    one call per 32 consecutive texts, best of two passes: the target's reference), and the whole file in one
    ``embed`` call, sorted by length across all texts so that batches of 32 barely pad (what no server, seeing
    only the requests in flight, can do)."""
    from distilkit import Embedder
    from distilkit.inference.measure import batch_calls, throughput

    embedder = Embedder(model, backend=backend, threads=threads, batch_size=32)
    embedder.embed(texts[:256])  # warm-up: ONNX sessions built, allocator caches filled
    batch32 = throughput(batch_calls(embedder), texts, 32)
    embedder.batch_size = 32
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds = time.perf_counter() - started
    return {"texts": len(vectors), "throughput_tps": batch32,
            "sorted_file_seconds": round(seconds, 2), "sorted_file_tps": round(len(vectors) / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="minilm-l6")
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", default="torch,onnx-int8")
    args = parser.parse_args()
    from distilkit.data.formats import read_records

    texts = [r["text"] for _, r in read_records(str(TEST))]
    metrics, runs = {}, {}
    for backend in args.backends.split(","):
        alone = offline(args.model, backend, args.threads, texts)
        runs[f"{backend}_offline"] = alone
        metrics[f"{backend}_offline_batch32_tps"] = alone["throughput_tps"]
        metrics[f"{backend}_offline_sorted_file_tps"] = alone["sorted_file_tps"]
        print(f"{backend} offline:", json.dumps(alone), flush=True)
        port = free_port()
        process = start([sys.executable, "-m", "distilkit.cli", "serve", "--model", f"m={args.model}", "--port",
                         str(port), "--backend", backend, "--threads", str(args.threads)], port)
        for route, (path, make) in ROUTES.items():
            load(port, texts, 4, 3, path, make)  # warm-up
            run = load(port, texts, args.clients, args.seconds, path, make)
            runs[f"{backend}_{route}"] = run
            print(f"{backend} {route} ({args.clients} clients, {args.seconds:.0f} s):", json.dumps(run), flush=True)
            for key in ("throughput_rps", "p50_ms", "p99_ms", "errors"):
                metrics[f"{backend}_{route}_{key}"] = run[key]
            metrics[f"{backend}_{route}_vs_offline"] = round(run["throughput_rps"] / alone["throughput_tps"], 3)
            metrics[f"{backend}_{route}_vs_sorted_file"] = round(run["throughput_rps"] / alone["sorted_file_tps"], 3)
        metrics[f"{backend}_server_peak_rss_mb"] = round(peak_rss_mb(process.pid), 1)
        process.terminate()
        process.wait(60)
    write_result("serve_protocols", {
        "dataset": f"{TEST} (single-text requests, texts drawn at random; offline: every text once)", "split": "test",
        "model": args.model, "clients": args.clients, "seconds": args.seconds, "threads": args.threads,
        "targets": "embed route at 64 clients >= 80% of the same backend's offline batch-32 throughput, 0 errors "
                   "(issue 32)",
        "metrics": metrics, "runs": runs, "timings": {"load_seconds_per_run": args.seconds}})


if __name__ == "__main__":
    main()
