"""``distilkit bench``: the compression table of "NLP with Transformers" ch. 8 for any models and backends.

Per model × backend, in one process with one thread count: the task metric on the given data, size
on disk, parameters, latency p50/p95 at batch 1 (tokenization included) and throughput at batch 32.
Writes JSON, a markdown table and a PNG of the metric against latency; ``card`` records the result in
each model's run record, and card/ renders it as the card's Benchmark section (a later bench replaces
it; the other sections stay). A face: it runs models only through predictors.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .config import DataConfig
from .errors import DistilkitError


def hardware(threads: int | None = None) -> str:
    """CPU model and its speed-relevant flags (``distilkit.hardware``: bf16 is ~20x slower than fp32 without
    AVX512-BF16 or AMX and ~2.5x faster with it; VNNI speeds int8), cores, memory, torch version and the thread
    count a measurement ran with."""
    import torch

    from .hardware import cpu

    found = cpu()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{found.model} (flags: {found.speed_flags()}), {os.cpu_count()} cores, {mem:.0f} GiB RAM, "
            f"torch {torch.__version__}, {threads or torch.get_num_threads()} threads")


def bench_models(models: list[str], data: str, backends: list[str], threads: int | None = None,
                 latency_runs: int = 100, batch_size: int = 32, max_eval_samples: int | None = None) -> dict:
    from .evaluation import evaluate_split
    from .inference import load_predictor
    from .inference.backends import check_backend
    from .inference.measure import measure_predictor
    from .tasks import get_task

    for backend in backends:
        check_backend(backend)
    rows = []
    for model in models:
        for backend in backends:
            predictor = load_predictor(model, backend, threads=threads, batch_size=64)
            task = get_task(predictor.scored_as()).for_predictor(predictor, DataConfig(max_eval_samples=max_eval_samples))
            split = task.load_eval(data)
            if not task.labelled(split):
                raise DistilkitError(f"--data: {data} has no labels: the benchmark scores each model, give labelled data")
            report = evaluate_split(predictor, task, split)
            metrics = {k: v for k, v in report["metrics"].items() if k != "loss" and isinstance(v, (int, float))}
            metrics.update({f"{k}_without_threshold": v for k, v in report.get("metrics_without_threshold", {}).items()})
            measured = measure_predictor(predictor, predictor.items(split)[:1024], latency_runs, batch_size)
            # What ran: 'auto -> torch-bf16' for --backends auto, with the one line saying why
            why = {"backend_why": predictor.backend_why} if predictor.backend_why else {}
            rows.append({"model": model, "backend": predictor.backend_name, "task": predictor.task,
                         "metric": task.default_metric, "score": metrics[task.default_metric], **metrics, **measured,
                         **why})
            print(f"{model} [{predictor.backend_name}]: {task.default_metric} {metrics[task.default_metric]:.4f}, "
                  f"p50 {measured['latency_p50_ms']:.2f} ms" + (f" ({predictor.backend_why})" if why else ""),
                  flush=True)
    return {"data": data, "hardware": hardware(threads), "threads": threads, "date": time.strftime("%Y-%m-%d"),
            "rows": rows}


def markdown(result: dict) -> str:
    from .card.sections import benchmark_table  # the card's own table: bench.md and the card say the same

    return f"Data: `{result['data']}`. Hardware: {result['hardware']}.\n\n" + benchmark_table(result["rows"])


def plot(result: dict, path: Path) -> Path:
    from .plots import plt, save

    fig, ax = plt.subplots(figsize=(7, 4.5))
    markers = dict(zip(sorted({r["backend"] for r in result["rows"]}), "osD^v<>"))
    for model in dict.fromkeys(r["model"] for r in result["rows"]):
        rows = [r for r in result["rows"] if r["model"] == model]
        line = ax.plot([r["latency_p50_ms"] for r in rows], [r["score"] for r in rows], alpha=0.4)[0]
        for r in rows:
            ax.scatter(r["latency_p50_ms"], r["score"], marker=markers[r["backend"]], color=line.get_color(),
                       s=20 + r["size_mb"], label=f"{Path(model).name} [{r['backend']}]")
    ax.set_xlabel("latency p50 at batch 1 (ms)")
    ax.set_ylabel(result["rows"][0]["metric"])
    ax.set_title("metric against latency (marker area ~ size on disk)")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2)
    fig.tight_layout()
    return save(fig, path, dpi=120)  # atomic: a reader never sees half an image


def require_records(models: list[str]) -> None:
    """--card puts the result in each model's run record: refuse, before anything is measured, a folder that has
    none (distilkit did not train it), rather than append text to a card card/ cannot render again, and a record
    that does not read."""
    from .card import RECORD, RunRecord

    missing = [m for m in models if not (Path(m) / RECORD).is_file()]
    if missing:
        raise DistilkitError(f"--card: {missing[0]} has no {RECORD} (distilkit did not train or export it), so "
                             "its card has no run record to hold a benchmark: run without --card")
    for model in models:
        RunRecord.read(model)  # a corrupt one is a one-line error now, not after the measurements


def record_on_cards(result: dict, models: list[str]) -> list[str]:
    """Put ``result`` in each model's run record and card, under the folder's lock (one at a time: never
    nested). Returns the cards written."""
    from .card import add_benchmark
    from .io import PathLock

    written = []
    for model in dict.fromkeys(models):
        with PathLock(model, "MODEL"):
            card = add_benchmark(Path(model), result)
        written += [str(card)] if card else []
    return written


def write_outputs(result: dict, output: str, card: bool, models: list[str]) -> dict:
    """bench.json, bench.md and bench.png in ``output``, under its lock (then, with ``card``, each model's card
    under that model's lock)."""
    from .io import PathLock, write_atomic

    out = Path(output)
    with PathLock(out, "--output"):
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "bench.json", json.dumps(result, indent=2) + "\n")
        write_atomic(out / "bench.md", markdown(result))
        plot(result, out / "bench.png")
    cards = record_on_cards(result, models) if card else []
    return {"json": str(out / "bench.json"), "markdown": str(out / "bench.md"), "plot": str(out / "bench.png"),
            **({"cards": cards} if card else {})}
