"""Preemption on the real model: SIGTERM in the middle of a MiniLM run, then `--resume`, against the same
run left alone.

    python bench/resume.py

Both runs are the real CLI in child processes: `distilkit train recipes/emotion.yaml` on the first 4,000
training rows for 2 epochs (the full validation and test sets), same seed. The interrupted run gets a real
SIGTERM from outside, a few seconds into its second epoch (after the epoch-1 checkpoint exists, so resuming
from the wrong checkpoint would show). It must exit with 143, having written a checkpoint for the step it
was on; the same command with `--resume` must then end with the same test accuracy and the same weights as
the run that was never stopped.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, sets, write_result  # noqa: E402

RECIPE = "recipes/emotion.yaml"
SETTINGS = ["data.max_train_samples=4000", "training.epochs=2"]
STEPS_PER_EPOCH = 125  # 4,000 rows / batch 32


def train(out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "distilkit.cli", "train", RECIPE, "--output-dir", str(out), *extra,
           *sets(*SETTINGS)]
    return subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen) -> tuple[int, str]:
    _, err = proc.communicate()
    return proc.returncode, err


def test_accuracy(folder: Path) -> float:
    return json.loads((folder / "eval_test.json").read_text())["metrics"]["accuracy"]


def max_weight_diff(a: Path, b: Path) -> float:
    from safetensors.torch import load_file

    wa, wb = load_file(a / "model.safetensors"), load_file(b / "model.safetensors")
    assert wa.keys() == wb.keys()
    return max((wa[k].float() - wb[k].float()).abs().max().item() for k in wa)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--delay", type=float, default=8.0, help="seconds into epoch 2 before the SIGTERM")
    ap.add_argument("--reuse", action="store_true", help="keep a finished uninterrupted run from an earlier call")
    args = ap.parse_args()
    work = ROOT / "bench" / "work" / "resume"
    straight, stopped = work / "straight", work / "stopped"
    subprocess.run(["rm", "-rf", str(stopped)], check=True)
    if args.reuse and (straight / "training_summary.json").is_file():
        straight_s = json.loads((straight / "training_summary.json").read_text())["wall_time_s"]
    else:
        subprocess.run(["rm", "-rf", str(straight)], check=True)
        started = time.time()
        code, err = finish(train(straight))
        straight_s = round(time.time() - started, 1)
        if code != 0:
            sys.exit(f"the uninterrupted run failed (exit {code}):\n{err[-2000:]}")

    started = time.time()
    proc = train(stopped)
    first = stopped / "checkpoints" / f"checkpoint-{STEPS_PER_EPOCH}"  # training keeps them in OUT/checkpoints
    while not first.is_dir():
        if proc.poll() is not None:
            sys.exit(f"the run ended before its first checkpoint:\n{proc.stderr.read()[-2000:]}")
        time.sleep(0.2)
    time.sleep(args.delay)
    signalled = time.time()
    proc.send_signal(signal.SIGTERM)
    code, err = finish(proc)
    stop_s = round(time.time() - signalled, 2)
    message = next((line for line in err.splitlines() if line.startswith("stopped by")), "")
    steps = sorted(int(m.group(1)) for p in (stopped / "checkpoints").iterdir()
                   if (m := re.fullmatch(r"checkpoint-(\d+)", p.name)))
    if code != 128 + signal.SIGTERM or not message:
        sys.exit(f"expected exit 143 and a 'stopped by' line, got {code}:\n{err[-2000:]}")
    first_run_s = round(signalled - started, 1)

    started = time.time()
    code, err = finish(train(stopped, "--resume"))
    resumed_s = round(time.time() - started, 1)
    if code != 0:
        sys.exit(f"the resumed run failed (exit {code}):\n{err[-2000:]}")

    a, b = test_accuracy(straight), test_accuracy(stopped)
    diff = max_weight_diff(straight, stopped)
    metrics = {"straight_test_accuracy": round(a, 4), "resumed_test_accuracy": round(b, 4),
               "test_accuracy_difference": round(abs(a - b), 6), "max_abs_weight_difference": diff,
               "signal_checkpoint_step": steps[-1], "steps_per_epoch": STEPS_PER_EPOCH,
               "exit_code_after_signal": 128 + signal.SIGTERM, "signal_to_exit_s": stop_s}
    write_result("resume", {
        "dataset": f"emotion ({RECIPE}, " + ", ".join(SETTINGS) + ")", "split": ["validation", "test"],
        "metrics": metrics,
        "timings": {"straight_run_s": straight_s, "stopped_run_until_signal_s": first_run_s,
                    "signal_to_exit_s": stop_s, "resumed_run_s": resumed_s},
        "message": message, "checkpoints_after_signal": steps,
        "threads": os.environ.get("OMP_NUM_THREADS", "torch default")})


if __name__ == "__main__":
    main()
