"""`distilkit train --train FILE` with no recipe and no tuning flags, against the tuned recipe on the same data.

    python bench/own_data.py --data emotion
    python bench/own_data.py --data clinc

The run goes through the real CLI in a child process, exactly as a user types it (defaults only: the
settings it chose are recorded from the recipe it saves). The tuned figure is the committed result of the
data set's recipe (bench/results/emotion.json, clinc.json). Target: within 0.5 point of it on test.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

CLINC = "../shared/data/clinc150/data_oos_plus.json"
DATA = {
    "emotion": {"files": ["../shared/data/emotion/train.txt", "../shared/data/emotion/val.txt",
                          "../shared/data/emotion/test.txt"], "tuned": "emotion"},
    "clinc": {"files": [f"{CLINC}::train", f"{CLINC}::validation", f"{CLINC}::test"], "tuned": "clinc"},
}
TARGET_POINTS = 0.5


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", choices=sorted(DATA), required=True)
    args = ap.parse_args()
    spec = DATA[args.data]
    name = f"own_data_{args.data}"
    out = ROOT / "bench" / "work" / name
    shutil.rmtree(out, ignore_errors=True)
    train, validation, test = spec["files"]
    cmd = [sys.executable, "-m", "distilkit.cli", "train", "--train", train, "--validation", validation,
           "--test", test, "--output-dir", str(out)]
    started = time.time()
    done = subprocess.run(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    wall = round(time.time() - started, 1)
    sys.stderr.write(done.stderr[-3000:])
    if done.returncode != 0:
        sys.exit(f"the run failed (exit {done.returncode})")
    chosen = [line.strip() for line in done.stderr.splitlines() if line.startswith("  ") and " = " in line]
    summary = json.loads((out / "training_summary.json").read_text())
    recipe = yaml.safe_load((out / "distilkit_recipe.yaml").read_text())
    tuned = json.loads((ROOT / "bench" / "results" / f"{spec['tuned']}.json").read_text())
    metrics = {f"{split}_{k}": round(v, 4) for split, m in summary["results"].items() for k, v in m.items()
               if isinstance(v, (int, float))}
    for split in ("validation", "test"):
        metrics[f"tuned_{split}_accuracy"] = tuned["metrics"][f"{split}_accuracy"]
        metrics[f"{split}_points_vs_tuned"] = round(100 * (metrics[f"{split}_accuracy"]
                                                           - tuned["metrics"][f"{split}_accuracy"]), 2)
    metrics["target_within_0.5_point_of_tuned"] = int(abs(metrics["test_points_vs_tuned"]) <= TARGET_POINTS
                                                      or metrics["test_points_vs_tuned"] > 0)
    write_result(name, {
        "dataset": {s: v["source"] for s, v in summary["data"].items()}, "split": list(summary["results"]),
        "metrics": metrics,
        "timings": {"train_runtime_s": summary["train_runtime_s"], "wall_time_s": wall,
                    "tuned_train_runtime_s": tuned["timings"]["train_runtime_s"]},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        "cli": " ".join(["distilkit"] + cmd[3:]), "chosen_settings": chosen,
        "settings": {"model": recipe["model"], "training": recipe["training"]},
        "tuned_source": f"bench/results/{spec['tuned']}.json (commit {tuned['commit']}, {tuned['hardware']})",
        "history": summary["history"]})


if __name__ == "__main__":
    main()
