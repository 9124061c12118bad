"""Knowledge distillation on CLINC150 plus: teacher vs students, one table, one run.

    python bench/distill.py [--teacher bench/work/clinc] [--epochs 5]

Rows: the teacher (recipes/clinc.yaml's output); a 3-layer student cut from it (layers 0, 2, 4)
fine-tuned without a teacher; the same student with KD; KD + focal; KD + class-balanced.
Columns: validation/test accuracy, in-scope accuracy, out-of-scope recall, parameters, size,
batch-1 latency (median of 200 single-text calls) and batch-32 throughput.
Also, in the same run, one epoch of training each way: plain fine-tuning, KD with a warm cache,
KD with a cold cache (teacher logits computed first), and the reference approach that runs the
teacher on every batch ("NLP with Transformers" DistillationTrainer): wall-time ratios.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

STUDENTS = {
    "student_finetune": {"loss": {"name": "cross_entropy"}},
    "student_kd": {"loss": {"name": "cross_entropy"}, "distill": True},
    "student_kd_focal": {"loss": {"name": "focal", "gamma": 2.0}, "distill": True},
    "student_kd_class_balanced": {"loss": {"name": "class_balanced", "beta": 0.999}, "distill": True},
}


def config(teacher: str, out: Path, variant: dict, epochs: float, cache: Path, **distill):
    from distilkit import load_recipe

    cfg = load_recipe(ROOT / "recipes" / "clinc-distill.yaml", [
        f"model.name={teacher}", f"training.output_dir={out}", f"training.epochs={epochs}",
        f"distill.cache_dir={cache}", f"distill.teacher={teacher}"])
    cfg.loss = type(cfg.loss)(**variant["loss"])
    if not variant.get("distill"):
        cfg.distill = type(cfg.distill)()
    if distill:  # replace(), not setattr(): __post_init__ must parse and validate the new values
        cfg.distill = dataclasses.replace(cfg.distill, **distill)
    return cfg


def measure(folder: Path, texts: list[str]) -> dict:
    from distilkit import Classifier
    from distilkit.inference.measure import measure_predictor

    measured = measure_predictor(Classifier(str(folder), backend="torch"), texts[:1024], latency_runs=200)
    row = {"parameters": measured["parameters"], "size_mb": measured["size_mb"],
           "latency_ms_batch1": measured["latency_p50_ms"], "throughput_batch32": measured["throughput_batch32"]}
    for split in ("validation", "test"):
        metrics = json.loads((folder / f"eval_{split}.json").read_text())["metrics"]
        row.update({f"{split}_{k}": round(metrics[k], 4) for k in ("accuracy", "in_scope_accuracy", "oos_recall")})
    return row


def timing(teacher: str, work: Path) -> dict:
    """One epoch each way, same student and data; train time from Trainer, plus the cold cache fill."""
    from distilkit import train

    cache = work / "timing-cache"
    shutil.rmtree(cache, ignore_errors=True)
    runs = {}
    for name, variant, extra in (("plain_finetune", STUDENTS["student_finetune"], {}),
                                 ("kd_cold_cache", STUDENTS["student_kd"], {}),
                                 ("kd_warm_cache", STUDENTS["student_kd"], {}),
                                 ("kd_teacher_every_step", STUDENTS["student_kd"], {"teacher_mode": "online"})):
        shutil.rmtree(work / f"timing-{name}", ignore_errors=True)  # measured afresh every time
        cfg = config(teacher, work / f"timing-{name}", variant, 1, cache, **extra)
        cfg.data.validation, cfg.data.test = None, None  # time the training alone
        started = time.time()
        summary = train(cfg)
        runs[name] = {"train_s": summary["train_runtime_s"], "teacher_logits_s": summary["derived"]["teacher_logits_s"],
                      "total_s": round(time.time() - started, 1)}
    base = runs["plain_finetune"]["train_s"]
    for r in runs.values():
        r["train_plus_teacher_s"] = round(r["train_s"] + r["teacher_logits_s"], 1)
        r["ratio_vs_plain"] = round(r["train_plus_teacher_s"] / base, 3)
    return runs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--teacher", default=str(ROOT / "bench" / "work" / "clinc"))
    ap.add_argument("--epochs", type=float, default=5)
    ap.add_argument("--resume", action="store_true",
                    help="reuse student folders a previous invocation finished (their summaries keep their train "
                         "times); latency, throughput and the epoch timing are always measured anew")
    args = ap.parse_args()
    teacher = Path(args.teacher)
    if not (teacher / "eval_test.json").is_file():
        sys.exit(f"no teacher at {teacher}: run `python bench/recipe.py recipes/clinc.yaml --name clinc` first")
    from distilkit import train
    from distilkit.data import load_split
    from distilkit.config import DataConfig

    work = ROOT / "bench" / "work" / "distill"
    work.mkdir(parents=True, exist_ok=True)
    cache = Path(tempfile.mkdtemp())
    texts = load_split(str(ROOT.parent / "shared/data/clinc150/data_oos_plus.json") + "::test", DataConfig()).texts
    rows = {"teacher": measure(teacher, texts)}
    runs = {}
    for name, variant in STUDENTS.items():
        out = work / name
        done = out / "training_summary.json"
        if args.resume and done.is_file():
            summary = json.loads(done.read_text())
        else:
            shutil.rmtree(out, ignore_errors=True)
            summary = train(config(str(teacher), out, variant, args.epochs, cache))
        runs[name] = {"train_s": summary["train_runtime_s"], "teacher_logits_s": summary["derived"]["teacher_logits_s"]}
        rows[name] = measure(out, texts)
    timings = timing(str(teacher), work)
    best = max((n for n in rows if n != "teacher"), key=lambda n: rows[n]["validation_accuracy"])
    metrics = {f"{n}_{k}": v for n, r in rows.items() for k, v in r.items()}
    metrics.update(best_student_test_gap=round(rows["teacher"]["test_accuracy"] - rows[best]["test_accuracy"], 4),
                   best_student_throughput_ratio=round(rows[best]["throughput_batch32"]
                                                       / rows["teacher"]["throughput_batch32"], 2),
                   kd_warm_vs_plain=timings["kd_warm_cache"]["ratio_vs_plain"],
                   kd_cold_vs_plain=timings["kd_cold_cache"]["ratio_vs_plain"],
                   kd_teacher_every_step_vs_plain=timings["kd_teacher_every_step"]["ratio_vs_plain"])
    write_result("distill", {
        "dataset": "CLINC150 plus (../shared/data/clinc150/data_oos_plus.json): train 15,250, validation 3,100, "
                   "test 5,500", "split": ["validation", "test"], "metrics": metrics,
        "timings": {"epoch_timing": timings, "full_runs": runs}, "rows": rows, "best_student": best,
        "resumed": args.resume,
        "settings": {"epochs": args.epochs, "student_layers": [0, 2, 4], "alpha": 0.5, "temperature": 2.0}})


if __name__ == "__main__":
    main()
