"""Load test on loopback: `distilkit serve` (dynamic batching) against a naive server (bench/serve_naive.py: one
request = one forward pass) with the same model, backend and threads, in one run; then overload.

    python bench/serve_load.py --model bench/work/emotion [--clients 64] [--seconds 60] [--threads 2]

For each backend (torch, onnx-int8): start the server as its own process, let --clients concurrent clients send
single-text classify requests (random emotion test texts, keep-alive connections) for --seconds, and record
answers, errors, p50/p99 latency, throughput and the server's peak RSS (VmHWM). The clients are asyncio
coroutines in this process (light: ~2% of a core), so the server keeps most of the 2 cores.
Overload: `distilkit serve --queue-size 16` under 2x (32) and 4x (64) that many clients: only 429s beyond the limit,
no 5xx, bounded memory, and a normal answer afterwards.
Targets (issue 10): 0 errors; batched throughput >= 5x naive at equal or lower p99.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

TEST = ROOT.parent / "shared" / "data" / "emotion" / "test.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(cmd: list[str], port: int) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            if process.poll() is not None:
                raise SystemExit(f"server failed: {process.stderr.read()}")
            time.sleep(0.2)
    raise SystemExit("server did not start")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def inputs(text: str) -> dict:
    return {"inputs": text}


async def client(port: int, texts: list[str], until: float, out: list, rng: random.Random, path: str,
                 make=inputs) -> None:
    """Requests one after another on one keep-alive connection until ``until``; ``make``: text -> JSON body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < until:
            body = json.dumps(make(rng.choice(texts))).encode()
            writer.write(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            sent = time.perf_counter()
            await writer.drain()
            status = int((await reader.readline()).split()[1])
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            out.append((status, time.perf_counter() - sent))
    finally:
        writer.close()


def load(port: int, texts: list[str], clients: int, seconds: float, path: str, make=inputs) -> dict:
    results: list = []

    async def run():
        until = time.perf_counter() + seconds
        await asyncio.gather(*(client(port, texts, until, results, random.Random(i), path, make)
                               for i in range(clients)))
    started = time.perf_counter()
    asyncio.run(run())
    elapsed = time.perf_counter() - started
    ok = sorted(t for s, t in results if s == 200)
    codes: dict = {}
    for s, _ in results:
        codes[s] = codes.get(s, 0) + 1

    def pct(p):
        return round(ok[min(len(ok) - 1, int(p * len(ok)))] * 1000, 1) if ok else float("nan")
    return {"requests": len(results), "ok": len(ok), "errors": len(results) - len(ok), "codes": codes,
            "throughput_rps": round(len(ok) / elapsed, 1), "p50_ms": pct(0.50), "p99_ms": pct(0.99)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backends", default="torch,onnx-int8")
    parser.add_argument("--data", default=str(TEST), help="texts to send: any data source distilkit reads")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--name", default="serve_load", help="result file name (bench/results/NAME.json)")
    parser.add_argument("--skip-overload", action="store_true")
    args = parser.parse_args()
    from distilkit.data.formats import read_records

    texts = [r[args.text_column] for _, r in read_records(args.data)]
    path = "/v1/models/m/classify"
    metrics, runs = {}, {}
    for backend in args.backends.split(","):
        for kind in ("batched", "naive"):
            port = free_port()
            cmd = ([sys.executable, "-m", "distilkit.cli", "serve", "--model", f"m={args.model}"] if kind == "batched"
                   else [sys.executable, str(ROOT / "bench" / "serve_naive.py"), args.model])
            cmd += ["--port", str(port), "--backend", backend, "--threads", str(args.threads)]
            process = start(cmd, port)
            load(port, texts, 4, 3, path)  # warm-up (ONNX graphs built, caches filled)
            print(f"{backend} {kind}: {args.clients} clients for {args.seconds:.0f} s", flush=True)
            run = load(port, texts, args.clients, args.seconds, path)
            run["peak_rss_mb"] = round(peak_rss_mb(process.pid), 1)
            process.terminate()
            code = process.wait(60)
            if kind == "batched":
                run["exit_code_after_sigterm"] = code  # distilkit serve stops gracefully with 0
            runs[f"{backend}_{kind}"] = run
            print(json.dumps(run), flush=True)
            for key in ("throughput_rps", "p50_ms", "p99_ms", "errors", "peak_rss_mb"):
                metrics[f"{backend}_{kind}_{key}"] = run[key]
        b, n = runs[f"{backend}_batched"], runs[f"{backend}_naive"]
        metrics[f"{backend}_throughput_ratio"] = round(b["throughput_rps"] / n["throughput_rps"], 2)
        metrics[f"{backend}_p99_ratio"] = round(b["p99_ms"] / n["p99_ms"], 2)

    if not args.skip_overload:
        overload(args, texts, path, metrics, runs)
    write_result(args.name, {
        "dataset": f"{args.data} (single-text requests, texts drawn at random)", "split": "test", "model": args.model,
        "clients": args.clients, "seconds": args.seconds, "threads": args.threads,
        "targets": "0 errors; batched >= 5x naive throughput at equal or lower p99 (issue 10)",
        "metrics": metrics, "runs": runs,
        "timings": {"load_seconds_per_run": args.seconds}})


def overload(args, texts: list[str], path: str, metrics: dict, runs: dict) -> None:
    """2x and 4x the queue limit in flight, then ordinary requests."""
    queue = 16
    port = free_port()
    process = start([sys.executable, "-m", "distilkit.cli", "serve", "--model", f"m={args.model}", "--port", str(port),
                     "--threads", str(args.threads), "--queue-size", str(queue), "--max-batch-size", "8"], port)
    for factor in (2, 4):
        run = load(port, texts, factor * queue, 15, path)
        runs[f"overload_{factor}x"] = run
        print(f"overload {factor}x:", json.dumps(run), flush=True)
        metrics[f"overload_{factor}x_ok"] = run["ok"]
        metrics[f"overload_{factor}x_429"] = run["codes"].get(429, 0)
        metrics[f"overload_{factor}x_5xx"] = sum(v for k, v in run["codes"].items() if k >= 500)
    after = load(port, texts, 1, 2, path)
    metrics["overload_recovered_ok"] = after["ok"]
    metrics["overload_recovered_errors"] = after["errors"]
    metrics["overload_peak_rss_mb"] = round(peak_rss_mb(process.pid), 1)
    process.terminate()
    process.wait(60)


if __name__ == "__main__":
    main()
