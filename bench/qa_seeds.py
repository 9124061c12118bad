"""A QA recipe trained with several seeds: exact match and F1 per seed, their mean and spread.

    python bench/qa_seeds.py recipes/clinic-qa.yaml --name clinic_qa --seeds 42 43 44
    python bench/qa_seeds.py recipes/squad.yaml --name squad --seeds 42

The clinic recipe's synthetic data is generated first if it is missing (`distilkit make-clinic-data`).
Each seed trains in a child process (the real CLI), one after another, so timings are not shared.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, sets, write_result  # noqa: E402

TARGETS = {"clinic_qa": {"test_exact_match": 97.22, "test_f1": 98.61}}  # the reference card


def ensure_clinic_data(recipe: Path, overrides: list[str]) -> None:
    import yaml

    train = yaml.safe_load(recipe.read_text())["data"]["train"]
    train = Path(next((o.split("=", 1)[1] for o in overrides if o.startswith("data.train=")), str(train)))
    if "clinic" in str(train.parent) and not (ROOT / train).exists():
        subprocess.run([sys.executable, "-m", "distilkit.cli", "make-clinic-data", str(train.parent)], check=True,
                       cwd=ROOT)


def run_seed(recipe: str, name: str, seed: int, overrides: list[str]) -> dict:
    out = ROOT / "bench" / "work" / name / f"seed{seed}"
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "distilkit.cli", "train", recipe, "--output-dir", str(out),
           *sets(f"training.seed={seed}", *overrides)]
    started = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    summary = json.loads((out / "training_summary.json").read_text())
    return {"seed": seed, "wall_time_s": round(time.time() - started, 1),
            "train_runtime_s": summary["train_runtime_s"],
            "train_examples_per_s": summary["train_samples_per_second"],
            "metrics": {f"{split}_{k}": v for split, m in summary["results"].items() for k, v in m.items()},
            "history": summary["history"], "data": summary["data"], "config": summary["config"]}


def aggregate(runs: list[dict]) -> dict:
    keys = [k for k in runs[0]["metrics"] if "threshold" not in k]
    out = {}
    for key in keys:
        values = [r["metrics"][key] for r in runs]
        out[key] = {"mean": round(statistics.mean(values), 4), "min": min(values), "max": max(values),
                    "std": round(statistics.stdev(values), 4) if len(values) > 1 else 0.0}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recipe")
    ap.add_argument("--name", required=True)
    ap.add_argument("--seeds", nargs="+", type=int, default=[42, 43, 44])
    ap.add_argument("--set", nargs="*", default=[], dest="overrides")
    args = ap.parse_args()
    ensure_clinic_data(ROOT / args.recipe, args.overrides)
    runs = [run_seed(args.recipe, args.name, seed, args.overrides) for seed in args.seeds]
    stats = aggregate(runs)
    targets = TARGETS.get(args.name, {})
    verdicts = {f"{k} mean >= {v}": stats[k]["mean"] >= v for k, v in targets.items() if k in stats}
    write_result(args.name, {
        "dataset": runs[0]["data"],
        "seeds": args.seeds,
        "metrics": {k: v["mean"] for k, v in stats.items()},
        "spread": stats,
        "targets": verdicts,
        "timings": {"train_runtime_s_mean": round(statistics.mean(r["train_runtime_s"] for r in runs), 1),
                    "train_examples_per_s_mean": round(statistics.mean(r["train_examples_per_s"] for r in runs), 1)},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "runs": runs,
    })


if __name__ == "__main__":
    main()
