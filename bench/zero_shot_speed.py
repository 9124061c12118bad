"""How much faster embedding zero-shot is than transformers' zero-shot pipeline, per backend, in one run (issue 29).

    python bench/zero_shot_speed.py --nli bench/work/nli-lingnli_cad_3ep [--threads 2] [--texts 1000]

The first --texts emotion test texts, 6 labels described in words (bench/zero_shot_data.py), template "I feel
{}.". The pipeline (`pipeline("zero-shot-classification")` on the NLI model, MiniLM-L6 like the embedding model)
at its best batch size of 8, 32, 64, in fp32 (its default) and in bf16 (`dtype=torch.bfloat16`, the fair rival on
a CPU with AVX512-BF16/AMX); then distilkit's embedding zero-shot (MiniLM-L6) on every backend, and its NLI
method on torch with the pipeline's top labels compared. Each rate is texts per second after a warm-up.
Target (issue 29): embedding zero-shot >= 20x the pipeline at its best batch size; the NLI method keeps the
pipeline's top labels.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402
from zero_shot_data import materialize, suite  # noqa: E402

TEMPLATE = "I feel {}."
BACKENDS = ("auto", "torch", "torch-bf16", "onnx", "onnx-int8")
PIPELINE_BATCH_SIZES = (8, 32, 64)
OUR_BATCH_SIZES = (32, 64, 128)
"""Each side at its best batch size among its own candidates (the pipeline pads pairs, so it peaks lower)."""
REPEATS = 3


def rate(call, texts: list[str], repeats: int = REPEATS) -> tuple[float, list]:
    """Texts per second: the median of ``repeats`` passes over all texts after a warm-up (one pass swings by
    20-30% on a shared 2-core machine)."""
    call(texts[:8])  # warm-up: graphs built, caches filled
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        out = call(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    return round(statistics.median(rates), 2), out


def pipeline_rates(model: str, texts: list[str], labels: list[str], dtype: str) -> tuple[dict, list[str]]:
    import torch
    from transformers import pipeline

    pipe = pipeline("zero-shot-classification", model=model, device=-1, dtype=getattr(torch, dtype))
    rates, tops = {}, {}
    for size in PIPELINE_BATCH_SIZES:
        rates[size], out = rate(lambda t: pipe(t, candidate_labels=labels, batch_size=size,
                                               hypothesis_template=TEMPLATE), texts)
        tops[size] = [o["labels"][0] for o in out]
    best = max(rates, key=rates.get)
    return {f"pipeline_{dtype}_texts_per_s": rates[best], f"pipeline_{dtype}_best_batch_size": best}, tops[best]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nli", required=True, help="the NLI model folder the pipeline and the NLI method run")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--texts", type=int, default=1000)
    args = ap.parse_args()
    import torch

    from distilkit import load_predictor

    torch.set_num_threads(args.threads)
    spec = suite()["emotion"]
    rows = materialize("emotion", spec, ROOT / "bench" / "work" / "zero_shot_suite").read_text().splitlines()
    import json

    texts = [json.loads(r)["text"] for r in rows][:args.texts]
    labels = list(spec.descriptions)
    metrics, tops, chosen = {}, None, {}
    for dtype in ("float32", "bfloat16"):
        found, top = pipeline_rates(args.nli, texts, labels, dtype)
        metrics.update(found)
        tops = tops or top
        print(found, flush=True)
    described = [f"{n}={w}" for n, w in spec.descriptions.items()]
    for backend in BACKENDS:
        found = {}
        for size in OUR_BATCH_SIZES:
            zsc = load_predictor("minilm-l6", backend, task="zero-shot-classification", method="embedding",
                                 threads=args.threads, batch_size=size, labels=described,
                                 hypothesis_template=TEMPLATE)
            found[size], _ = rate(zsc.predict, texts)
        best = max(found, key=found.get)
        metrics[f"embedding_{backend}_texts_per_s"] = found[best]
        metrics[f"embedding_{backend}_best_batch_size"] = best
        if backend == "auto":
            chosen[backend] = zsc.metadata().get("backend", "?")
        print(backend, found, flush=True)
    nli = load_predictor(args.nli, "torch", task="zero-shot-classification", method="nli", threads=args.threads,
                         batch_size=64, labels=labels, hypothesis_template=TEMPLATE)
    metrics["nli_torch_texts_per_s"], out = rate(nli.predict, texts)
    metrics["nli_top_label_agreement_with_pipeline"] = round(
        sum(p["labels"][0] == t for p, t in zip(out, tops)) / len(texts), 4)
    fp32, bf16 = metrics["pipeline_float32_texts_per_s"], metrics["pipeline_bfloat16_texts_per_s"]
    for backend in BACKENDS:
        ours = metrics[f"embedding_{backend}_texts_per_s"]
        metrics[f"embedding_{backend}_vs_pipeline_fp32"] = round(ours / fp32, 1)
        metrics[f"embedding_{backend}_vs_pipeline_best"] = round(ours / max(fp32, bf16), 1)
    fastest = max(BACKENDS, key=lambda b: metrics[f"embedding_{b}_texts_per_s"])
    metrics["embedding_fastest_vs_pipeline_fp32"] = metrics[f"embedding_{fastest}_vs_pipeline_fp32"]
    metrics["embedding_fastest_vs_pipeline_best"] = metrics[f"embedding_{fastest}_vs_pipeline_best"]
    write_result("zero_shot_speed", {
        "dataset": f"emotion test, first {len(texts)} texts, 6 labels", "split": "test", "nli_model": args.nli,
        "fastest_backend": fastest, "threads": args.threads, "auto_backend": chosen.get("auto"),
        "batch_sizes": {"pipeline": PIPELINE_BATCH_SIZES, "embedding": OUR_BATCH_SIZES}, "repeats": REPEATS,
        "targets": "embedding zero-shot >= 20x the pipeline at its best batch size (issue 29)",
        "metrics": metrics, "timings": {"texts": len(texts)}})


if __name__ == "__main__":
    main()
