"""The compression table of "NLP with Transformers" ch. 8 on CLINC150 plus (test split): the issue-3 teacher
and its 3-layer KD student, each on the four backends, in one process with one thread count.

    python bench/compression.py [--teacher bench/work/clinc] [--student bench/work/clinc-distill] [--threads 2]

The teacher is recipes/clinc.yaml's output, the student recipes/clinc-distill.yaml's. Each folder's
out-of-scope threshold is chosen on the validation split (distilkit eval --tune-threshold, written to its
distilkit.json) unless the folder already has one; test data is only scored. Rows come from
`distilkit bench` (distilkit.benchmark): accuracy with the threshold (and without), size, parameters,
latency p50/p95 at batch 1 over 200 calls, throughput at batch 32 over 1,024 test texts.
Targets (issue 8): student onnx-int8 test accuracy >= 0.87 at >= 5x the teacher's torch throughput at
batch 32 and >= 3x lower p50 latency at batch 1; teacher test accuracy with the threshold >= 0.89.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, write_result  # noqa: E402

DATA = "../shared/data/clinc150/data_oos_plus.json"
BACKENDS = ["torch", "torch-bf16", "onnx", "onnx-int8"]


def ensure_threshold(folder: str) -> float:
    from distilkit.evaluation import evaluate
    from distilkit.inference import ModelSettings

    settings = ModelSettings.read(folder)
    if settings is None or settings.oos_threshold is None:
        evaluate(folder, f"{DATA}::validation", output=str(Path(folder) / "eval_validation_tuned.json"),
                 oos_label="oos", tune_threshold=True)
        settings = ModelSettings.read(folder)
    return settings.oos_threshold


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", default="bench/work/clinc")
    ap.add_argument("--student", default="bench/work/clinc-distill")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--latency-runs", type=int, default=200)
    args = ap.parse_args()
    import torch

    from distilkit.benchmark import bench_models, write_outputs

    torch.set_num_threads(args.threads)
    thresholds = {role: ensure_threshold(str(ROOT / path)) for role, path in
                  (("teacher", args.teacher), ("student", args.student))}
    started = time.time()
    models = [str(ROOT / args.teacher), str(ROOT / args.student)]
    result = bench_models(models, f"{DATA}::test", BACKENDS, args.threads, args.latency_runs, 32)
    wall = time.time() - started
    names = {models[0]: "teacher", models[1]: "student"}
    for row in result["rows"]:
        row["model"] = names[row["model"]]
    write_outputs(result, str(RESULTS / "compression"), card=False, models=[])
    rows = {(r["model"], r["backend"]): r for r in result["rows"]}
    metrics = {f"{m}_{b}_{k}": round(v, 4) for (m, b), r in rows.items() for k, v in r.items()
               if isinstance(v, (int, float))}
    base, best = rows[("teacher", "torch")], rows[("student", "onnx-int8")]
    metrics.update(
        teacher_threshold=thresholds["teacher"], student_threshold=thresholds["student"],
        student_int8_throughput_vs_teacher_torch=round(best["throughput_batch32"] / base["throughput_batch32"], 2),
        student_int8_latency_speedup_vs_teacher_torch=round(base["latency_p50_ms"] / best["latency_p50_ms"], 2))
    targets = {"student_onnx-int8_accuracy": (">=", 0.87), "student_int8_throughput_vs_teacher_torch": (">=", 5.0),
               "student_int8_latency_speedup_vs_teacher_torch": (">=", 3.0), "teacher_torch_accuracy": (">=", 0.89)}
    write_result("compression", {"dataset": "clinc150 plus", "split": "test", "threads": args.threads,
                                 "metrics": metrics, "timings": {"wall_s": round(wall, 1)}, "rows": result["rows"],
                                 "targets": {k: list(v) for k, v in targets.items()},
                                 "table": "bench/results/compression/bench.md",
                                 "plot": "bench/results/compression/bench.png"})
    for key, (op, value) in targets.items():
        print(f"{key} = {metrics[key]} (target {op} {value}: "
              f"{'met' if (metrics[key] >= value) else 'missed'})")


if __name__ == "__main__":
    main()
