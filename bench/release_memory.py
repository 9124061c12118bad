"""What `training.release_memory` costs and saves: training steps with and without it, side by side in one run.

    python bench/release_memory.py [--rounds 3]

Each cell is a fresh process (the setting holds for a whole process) running the training step of a recipe by hand:
a 6-label classifier on batches of 32 random 64-token rows, fused AdamW, 2 threads. MiniLM-L6 as the emotion recipe
(word embeddings frozen), mpnet-base as the teacher recipes (layers checkpointed by training.checkpointing). The
settings alternate, off then on, for --rounds rounds, so drift in the machine's speed falls on both. Reported per
model and setting: the median step time over the rounds' medians and the largest peak RSS of the child.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

CHILD = r"""
import json, resource, sys, time, torch
from distilkit.training import checkpointing, memory
from distilkit.packaged import minilm_l6, mpnet_base
model_name, release, steps = sys.argv[1], sys.argv[2] == "on", int(sys.argv[3])
if release:
    assert memory.release_freed_memory()
torch.set_num_threads(2)
torch.manual_seed(0)
from transformers import AutoModelForSequenceClassification
path = minilm_l6() if model_name == "minilm-l6" else mpnet_base()
model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=6)
if model_name == "minilm-l6":
    model.get_input_embeddings().weight.requires_grad_(False)
else:
    checkpointing.wrap_layers(model)
model.train()
opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-5, fused=True)
x, y = torch.randint(1000, 29000, (32, 64)), torch.randint(0, 6, (32,))
times = []
for step in range(steps + 3):
    started = time.perf_counter()
    model(input_ids=x, attention_mask=torch.ones_like(x), labels=y).loss.backward()
    opt.step()
    opt.zero_grad(set_to_none=True)
    if step >= 3:
        times.append(time.perf_counter() - started)
print(json.dumps({"step_ms": 1000 * sorted(times)[len(times) // 2],
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20}))
"""
STEPS = {"minilm-l6": 30, "mpnet-base": 8}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    cells: dict[str, list[dict]] = {}
    for _ in range(args.rounds):
        for model, steps in STEPS.items():
            for setting in ("off", "on"):
                out = subprocess.run([sys.executable, "-c", CHILD, model, setting, str(steps)], cwd=ROOT,
                                     capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
                cells.setdefault(f"{model}_{setting}", []).append(json.loads(out))
                print(model, setting, cells[f"{model}_{setting}"][-1], flush=True)
    metrics = {}
    for key, runs in cells.items():
        metrics[f"{key}_step_ms"] = round(statistics.median(r["step_ms"] for r in runs), 1)
        metrics[f"{key}_peak_rss_gb"] = round(max(r["peak_rss_gb"] for r in runs), 2)
    for model in STEPS:
        metrics[f"{model}_step_time_ratio_on_off"] = round(metrics[f"{model}_on_step_ms"] /
                                                           metrics[f"{model}_off_step_ms"], 3)
        metrics[f"{model}_peak_rss_saved_gb"] = round(metrics[f"{model}_off_peak_rss_gb"] -
                                                      metrics[f"{model}_on_peak_rss_gb"], 2)
    write_result("release_memory", {
        "dataset": "random token ids (32 x 64 per batch): step shapes, not learning", "split": "none",
        "rounds": args.rounds, "steps": STEPS, "metrics": metrics,
        "timings": {k: [round(r["step_ms"], 1) for r in v] for k, v in cells.items()}})


if __name__ == "__main__":
    main()
