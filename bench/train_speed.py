"""The emotion recipe, before and after each training-speed lever, side by side in one run (issue 31).

    python bench/train_speed.py [--variants recipe bf16 bf16_2ep]

Each variant is `distilkit train recipes/emotion.yaml` with the overrides below, in a child process (the real
CLI), one after another and alone on the machine. Reported per variant: training seconds (`train_runtime_s`: the
optimisation loop, the per-epoch validation included), wall seconds of the whole command (loading, featurising,
final evaluation, card), validation and test accuracy and macro-F1, and the ratio of each time to the recipe's.
The lever kept is chosen on validation: the fastest variant whose validation accuracy is within
`hardware.BF16_MAX_DROP` points of the recipe's; test accuracy only reports.
Target (issue 31): emotion to >= 0.93 test accuracy in <= 0.5x the recipe's training time (and <= 5 minutes).
The 'recipe' row pins fp32: recipes/emotion.yaml itself says `precision: auto` since this bench's first run.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, sets, write_result  # noqa: E402

RECIPE = "recipes/emotion.yaml"
VARIANTS = {
    "recipe": (["training.precision=fp32"], "the recipe before this lever: fp32, 3 epochs"),
    "bf16": (["training.precision=auto"], "precision auto: bf16 autocast where the CPU runs it natively and "
                                          "faster (AVX512-BF16 / AMX), fp32 elsewhere"),
    "bf16_2ep": (["training.precision=auto", "training.epochs=2"], "precision auto and 2 epochs instead of 3"),
}
"""name -> (recipe overrides, what the lever is)."""


def run(name: str, overrides: list[str]) -> dict:
    out = ROOT / "bench" / "work" / f"train_speed-{name}"
    if out.exists():
        shutil.rmtree(out)
    started = time.time()
    subprocess.run([sys.executable, "-m", "distilkit.cli", "train", RECIPE, "--output-dir", str(out),
                    *sets(*overrides)], check=True, cwd=ROOT)
    wall = time.time() - started
    summary = json.loads((out / "training_summary.json").read_text())
    found = {"train_s": summary["train_runtime_s"], "wall_s": round(wall, 1),
             "precision": summary["precision"]["ran"]}
    for split in ("validation", "test"):
        for metric in ("accuracy", "f1_macro"):
            found[f"{split}_{metric}"] = round(summary["results"][split][metric], 4)
    print(name, found, flush=True)
    return found


def main():
    from distilkit.hardware import BF16_MAX_DROP

    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = ap.parse_args()
    names = ["recipe"] + [n for n in args.variants if n != "recipe"]
    found = {name: run(name, VARIANTS[name][0]) for name in names}
    base = found["recipe"]
    metrics = {}
    for name, f in found.items():
        for key, value in f.items():
            if key != "precision":
                metrics[f"{name}_{key}"] = value
        metrics[f"{name}_train_time_ratio"] = round(f["train_s"] / base["train_s"], 3)
        metrics[f"{name}_wall_time_ratio"] = round(f["wall_s"] / base["wall_s"], 3)
    kept = [n for n in names if (base["validation_accuracy"] - found[n]["validation_accuracy"]) * 100 <= BF16_MAX_DROP]
    chosen = min(kept, key=lambda n: found[n]["train_s"])
    metrics["chosen_train_time_ratio"] = metrics[f"{chosen}_train_time_ratio"]
    metrics["chosen_test_accuracy"] = found[chosen]["test_accuracy"]
    metrics["target_met"] = int(found[chosen]["test_accuracy"] >= 0.93 and metrics["chosen_train_time_ratio"] <= 0.5)
    write_result("train_speed", {
        "dataset": {"train": "../shared/data/emotion/train.txt", "validation": "../shared/data/emotion/val.txt",
                    "test": "../shared/data/emotion/test.txt"},
        "split": ["validation", "test"], "recipe": RECIPE, "chosen": chosen, "chosen_on": (
            f"validation accuracy within {BF16_MAX_DROP} points of the recipe's, then the shortest training"),
        "variants": {n: {"overrides": VARIANTS[n][0], "lever": VARIANTS[n][1], "precision": found[n]["precision"]}
                     for n in names},
        "targets": "emotion >= 0.93 test accuracy in <= 0.5x the recipe's training time (issue 31)",
        "metrics": metrics, "timings": {n: {"train_s": found[n]["train_s"], "wall_s": found[n]["wall_s"]}
                                        for n in names}})


if __name__ == "__main__":
    main()
