"""Full run of a recipe: accuracy, wall time, training examples/s and peak memory.

    python bench/recipe.py recipes/emotion.yaml --name emotion

Training runs in a child process (the real CLI) so its peak resident memory can be read.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, sets, write_result  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("recipe")
    ap.add_argument("--name", required=True)
    ap.add_argument("--set", nargs="*", default=[], dest="overrides")
    args = ap.parse_args()
    out = ROOT / "bench" / "work" / args.name
    cmd = [sys.executable, "-m", "distilkit.cli", "train", args.recipe, "--output-dir", str(out)]
    if args.overrides:
        cmd += sets(*args.overrides)
    if out.exists():
        import shutil

        shutil.rmtree(out)
    started = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    wall = time.time() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    summary = json.loads((out / "training_summary.json").read_text())
    metrics = {f"{split}_{k}": round(v, 4) for split, m in summary["results"].items() for k, v in m.items()}
    write_result(args.name, {
        "dataset": {s: v["source"] for s, v in summary["data"].items()},
        "split": list(summary["results"]),
        "metrics": metrics,
        "timings": {"train_runtime_s": summary["train_runtime_s"], "wall_time_s": round(wall, 1),
                    "train_examples_per_s": summary["train_samples_per_second"]},
        "peak_rss_mb": round(peak_mb),
        "epochs_completed": summary["derived"]["epochs_completed"],
        "history": summary["history"],
        "config": summary["config"],
    })


if __name__ == "__main__":
    main()
