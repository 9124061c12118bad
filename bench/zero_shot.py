"""Zero-shot classification: distilkit's ZeroShotClassifier vs transformers' ZeroShotClassificationPipeline,
and zero-shot accuracy on emotion test and SST-2 dev, in one run.

    python bench/zero_shot.py --model bench/work/nli-with_mnli [--texts 1000] [--threads 2]

Both sides: the same NLI model folder, the first N emotion test texts (file order), the same hypothesis
template ("This example is {}."), the same torch thread count; a warm-up call first, then one timed pass.
  labels      the 6 emotion names, and those plus 14 unrelated topics (20 labels)
  pipeline    pipeline("zero-shot-classification") at its defaults (batch_size 1), and at its best batch size
              among --batch-sizes (picked on the first 200 texts with 6 labels)
  distilkit   ZeroShotClassifier with the torch, onnx and onnx-int8 backends, batch size 64
Agreement: top label identical to the pipeline's (best-batch run). Targets (issue 9): >= 99.9% identical
with an fp32 backend; >= 5x the pipeline at its defaults and >= 3x at its best batch size.
Zero-shot accuracy: `distilkit eval MODEL --zero-shot` on emotion test (2,000) and SST-2 dev (872), torch.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

EMOTIONS = ["sadness", "joy", "love", "anger", "fear", "surprise"]
TOPICS = ["sports", "politics", "technology", "finance", "health", "travel", "food", "music", "science",
          "weather", "education", "fashion", "gaming", "religion"]
EMOTION_TEST = "../shared/data/emotion/test.txt"
SST2_DEV = "../shared/data/sst2/dev.tsv"
BACKENDS = ["torch", "onnx", "onnx-int8"]
TARGETS = {"top_label_agreement_fp32": 0.999, "speedup_vs_pipeline_default": 5.0, "speedup_vs_pipeline_best": 3.0}


def texts_of(source: str, n: int) -> list[str]:
    from distilkit.config import DataConfig
    from distilkit.data import load_split

    return load_split(source, DataConfig(), require_label=False).texts[:n]


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def run_pipeline(model: str, texts: list[str], labels: list[str], batch_size: int):
    from transformers import pipeline

    pipe = pipeline("zero-shot-classification", model=model, device=-1)
    pipe(texts[:8], candidate_labels=labels, batch_size=batch_size)  # warm-up
    out, seconds = timed(pipe, texts, candidate_labels=labels, batch_size=batch_size)
    return [o["labels"][0] for o in out], seconds


def best_pipeline_batch(model: str, texts: list[str], labels: list[str], sizes: list[int]) -> tuple[int, dict]:
    rates = {}
    for size in sizes:
        _, seconds = run_pipeline(model, texts, labels, size)
        rates[size] = round(len(texts) / seconds, 2)
        print(f"  pipeline batch {size}: {rates[size]} texts/s", flush=True)
    return max(rates, key=rates.get), rates


def run_ours(model: str, texts: list[str], labels: list[str], backend: str, threads: int):
    from distilkit import ZeroShotClassifier

    zsc = ZeroShotClassifier(model, backend=backend, labels=labels, threads=threads, batch_size=64)
    zsc.predict(texts[:8])  # warm-up (and the one-off ONNX export, untimed)
    out, seconds = timed(zsc.predict, texts)
    return [o["labels"][0] for o in out], seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--texts", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[8, 32, 64])
    ap.add_argument("--skip-accuracy", action="store_true")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from distilkit import evaluate

    texts = texts_of(EMOTION_TEST, args.texts)
    best, sweep = best_pipeline_batch(args.model, texts[:200], EMOTIONS, args.batch_sizes)
    metrics, timings = {"pipeline_best_batch_size": best}, {}
    for name, labels in (("6", EMOTIONS), ("20", EMOTIONS + TOPICS)):
        pairs = len(texts) * len(labels)
        default, t_default = run_pipeline(args.model, texts, labels, 1)
        batched, t_best = run_pipeline(args.model, texts, labels, best)
        timings.update({f"labels{name}_pipeline_default_s": round(t_default, 2),
                        f"labels{name}_pipeline_best_s": round(t_best, 2)})
        metrics[f"labels{name}_pipeline_default_texts_per_s"] = round(len(texts) / t_default, 2)
        metrics[f"labels{name}_pipeline_best_texts_per_s"] = round(len(texts) / t_best, 2)
        metrics[f"labels{name}_pipeline_best_pairs_per_s"] = round(pairs / t_best, 1)
        metrics[f"labels{name}_pipeline_configs_agreement"] = round(
            sum(a == b for a, b in zip(default, batched)) / len(texts), 4)
        print(f"{name} labels: pipeline default {len(texts) / t_default:.1f} texts/s, best {len(texts) / t_best:.1f}",
              flush=True)
        for backend in BACKENDS:
            ours, t_ours = run_ours(args.model, texts, labels, backend, args.threads)
            key = f"labels{name}_{backend}"
            timings[f"{key}_s"] = round(t_ours, 2)
            metrics[f"{key}_texts_per_s"] = round(len(texts) / t_ours, 2)
            metrics[f"{key}_pairs_per_s"] = round(pairs / t_ours, 1)
            metrics[f"{key}_top_label_agreement"] = round(sum(a == b for a, b in zip(ours, batched)) / len(texts), 4)
            metrics[f"{key}_speedup_vs_pipeline_default"] = round(t_default / t_ours, 2)
            metrics[f"{key}_speedup_vs_pipeline_best"] = round(t_best / t_ours, 2)
            print(f"  {backend}: {len(texts) / t_ours:.1f} texts/s, x{t_best / t_ours:.2f} vs best, "
                  f"agreement {metrics[f'{key}_top_label_agreement']}", flush=True)
    if not args.skip_accuracy:
        for name, source, kwargs in (("emotion_test", EMOTION_TEST, {}),
                                     ("sst2_dev", SST2_DEV, {"text_column": "sentence",
                                                             "label_names": ["negative", "positive"]})):
            labels = EMOTIONS if name.startswith("emotion") else ["negative", "positive"]
            report, seconds = timed(evaluate, args.model, source, str(ROOT / "bench" / "work" / f"zs_{name}.json"),
                                    oos_label=None, zero_shot=True, labels=labels, threads=args.threads, **kwargs)
            metrics[f"{name}_zero_shot_accuracy"] = round(report["metrics"]["accuracy"], 4)
            metrics[f"{name}_zero_shot_f1_macro"] = round(report["metrics"]["f1_macro"], 4)
            timings[f"{name}_eval_s"] = round(seconds, 1)
            print(f"{name}: accuracy {report['metrics']['accuracy']:.4f}, macro F1 {report['metrics']['f1_macro']:.4f}",
                  flush=True)
    write_result("zero_shot", {"dataset": {"speed": f"{EMOTION_TEST} (first {len(texts)} texts)",
                                           "accuracy": [EMOTION_TEST, SST2_DEV]},
                               "split": "test (emotion), dev (SST-2)", "model": args.model, "threads": args.threads,
                               "labels": {"6": EMOTIONS, "20": EMOTIONS + TOPICS}, "pipeline_batch_sweep": sweep,
                               "targets": TARGETS, "metrics": metrics, "timings": timings})


if __name__ == "__main__":
    main()
