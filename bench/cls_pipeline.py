"""Classification inference: distilkit's Classifier on each backend against transformers.pipeline("text-classification").

    python bench/cls_pipeline.py [--model bench/work/emotion] [--data ../shared/data/emotion/test.txt] [--limit 2000]
        [--threads 2]

Same model folder (the emotion recipe's), the same first N test texts in file order, the same torch thread
count, one process. The pipeline runs at batch 1 (its default) and at batch 8, 32 and 64; its best batch size
is the reference. distilkit runs each backend at batch 1 and at that best batch size (distilkit sorts texts by
length before batching; that is part of what is measured). A warm-up call precedes every timed pass.
Reported: texts/s, accuracy, label agreement with the pipeline, and speed-up ratios.
Targets (issue 8): onnx-int8 >= 4x the pipeline at <= 0.5 point accuracy loss; an fp32 backend >= 1.5x with
identical labels.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

BACKENDS = ["torch", "torch-bf16", "onnx", "onnx-int8"]


def timed(fn) -> tuple[float, list]:
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="bench/work/emotion")
    ap.add_argument("--data", default="../shared/data/emotion/test.txt")
    ap.add_argument("--limit", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch
    from transformers import pipeline

    from distilkit.config import DataConfig
    from distilkit.data import load_split
    from distilkit.inference import Classifier

    torch.set_num_threads(args.threads)
    split = load_split(args.data, DataConfig())
    texts, gold = split.texts[:args.limit], split.labels[:args.limit]
    model = str(ROOT / args.model)
    accuracy = lambda labels: sum(a == b for a, b in zip(labels, gold)) / len(gold)  # noqa: E731

    pipe = pipeline("text-classification", model=model, device=-1)
    runs, reference = {}, None
    for batch in (1, 8, 32, 64):
        pipe(texts[:batch], batch_size=batch, truncation=True)
        seconds, out = timed(lambda: pipe(texts, batch_size=batch, truncation=True))
        labels = [o["label"] for o in out]
        reference = reference or labels
        runs[f"pipeline_b{batch}"] = {"texts_per_s": round(len(texts) / seconds, 1), "accuracy": accuracy(labels),
                                      "agreement": sum(a == b for a, b in zip(labels, reference)) / len(texts)}
        print(f"pipeline b{batch}: {runs[f'pipeline_b{batch}']}", flush=True)
    best = max((1, 8, 32, 64), key=lambda b: runs[f"pipeline_b{b}"]["texts_per_s"])
    for backend in BACKENDS:
        clf = Classifier(model, backend=backend, threads=args.threads)
        for batch in sorted({1, best}):
            clf.batch_size = batch
            clf.predict(texts[:batch])
            seconds, out = timed(lambda: clf.predict(texts))
            labels = [o[0]["label"] for o in out]
            runs[f"{backend}_b{batch}"] = {"texts_per_s": round(len(texts) / seconds, 1), "accuracy": accuracy(labels),
                                           "agreement": sum(a == b for a, b in zip(labels, reference)) / len(texts)}
            print(f"{backend} b{batch}: {runs[f'{backend}_b{batch}']}", flush=True)

    metrics = {f"{name}_{k}": round(v, 4) for name, run in runs.items() for k, v in run.items()}
    metrics["pipeline_best_batch"] = best
    for backend in BACKENDS:
        metrics[f"{backend}_speedup_b1"] = round(runs[f"{backend}_b1"]["texts_per_s"] / runs["pipeline_b1"]["texts_per_s"], 2)
        metrics[f"{backend}_speedup_best"] = round(runs[f"{backend}_b{best}"]["texts_per_s"]
                                                   / runs[f"pipeline_b{best}"]["texts_per_s"], 2)
        metrics[f"{backend}_accuracy_loss_points"] = round(100 * (runs["pipeline_b1"]["accuracy"]
                                                                  - runs[f"{backend}_b{best}"]["accuracy"]), 3)
    identical = [metrics[f"{b}_speedup_best"] for b in ("torch", "onnx") if runs[f"{b}_b{best}"]["agreement"] == 1.0]
    metrics["fp32_speedup_best_identical_labels"] = max(identical, default=0.0)
    write_result("cls_pipeline", {"dataset": args.data, "split": f"test (first {len(texts)} texts)",
                                  "threads": args.threads, "metrics": metrics, "timings": {}, "runs": runs,
                                  "targets": {"onnx-int8_speedup_best": [">=", 4.0],
                                              "onnx-int8_accuracy_loss_points": ["<=", 0.5],
                                              "fp32_speedup_best_identical_labels": [">=", 1.5]}})


if __name__ == "__main__":
    main()
