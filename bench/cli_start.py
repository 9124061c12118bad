"""How fast the CLI answers: --help, argument and recipe errors, a one-text `predict` split into start, load and
predict, and the same `predict` asking a running `distilkit serve` (--server).

    python bench/cli_start.py [--runs 5]

Each command runs as a fresh process (as a user types it); the median of --runs is reported. The baseline
is what a CLI that imports its libraries at start-up pays before doing anything: a fresh interpreter
importing torch, transformers, scikit-learn and datasets (what `import distilkit.cli` pulled in before the
imports were moved to where they are used). The predict model is a real training folder: `distilkit train
recipes/emotion.yaml` on 300 rows for one epoch (MiniLM-L6, a 6-label head; the recipe's `training.onnx_graph`
leaves an fp32 ONNX graph checked against PyTorch, which `auto`, the folder's default, runs for one-off calls
without importing PyTorch or transformers: inference/lean.py). The same predict runs with `--backend torch` (what a
trained folder ran before `onnx_graph`), and on that folder exported to onnx-int8 (`distilkit export`).
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

SPLIT = """
import json, sys, time
t0 = time.perf_counter()
from distilkit.cli import main  # noqa: F401  (what the command line imports first)
t1 = time.perf_counter()
from distilkit.inference import load_predictor
clf = load_predictor(sys.argv[1], task="text-classification", one_off=True)  # as `predict MODEL TEXT` loads it
t2 = time.perf_counter()
clf.predict(["i feel great today"])
t3 = time.perf_counter()
print(json.dumps({"start_s": t1 - t0, "load_s": t2 - t1, "predict_s": t3 - t2}))
"""


def timed(cmd: list[str], runs: int, expect: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        times.append(time.perf_counter() - started)
        if done.returncode != expect:
            sys.exit(f"{' '.join(cmd)}: exit {done.returncode}, expected {expect}: {done.stderr[-500:]}")
    return round(statistics.median(times), 3)


def classifier_folder() -> str:
    """A real training folder, as the emotion recipe writes it (on 300 rows, one epoch: the size is the real one)."""
    folder = tempfile.mkdtemp(prefix="cli-start-") + "/emotion"
    subprocess.run([sys.executable, "-m", "distilkit.cli", "train", "recipes/emotion.yaml", "--output-dir", folder,
                    "--max-train-samples", "300", "--max-eval-samples", "300", "--epochs", "1"], cwd=ROOT,
                   check=True, stdout=subprocess.DEVNULL)
    return folder


def export(folder: str) -> str:
    """The classifier exported as `distilkit export --backend onnx-int8` writes it (verified on 500 emotion
    validation rows; forced, as the head is barely trained): its default backend is the graph, which predicts
    without PyTorch (inference/lean.py)."""
    from distilkit import export_model

    out = tempfile.mkdtemp(prefix="cli-start-export-") + "/int8"
    export_model(folder, "onnx-int8", out, data=str(ROOT.parent / "shared" / "data" / "emotion" / "val.txt"),
                 samples=500, force=True)  # one epoch on 300 rows: int8 may move its accuracy either way
    return out


def via_server(cli: list[str], model: str, runs: int) -> float:
    """`distilkit predict m "one text" --server URL` against a `distilkit serve` holding the same folder."""
    sys.path.insert(0, str(ROOT / "bench"))
    from serve_load import free_port, start

    port = free_port()
    server = start(cli + ["serve", "--model", f"m={model}", "--port", str(port)], port)
    try:
        return timed(cli + ["predict", "m", "i feel great today", "--server", f"http://127.0.0.1:{port}"], runs, 0)
    finally:
        server.terminate()
        server.wait(60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    cli = [sys.executable, "-m", "distilkit.cli"]
    model = classifier_folder()
    metrics = {
        "help_s": timed(cli + ["--help"], args.runs, 0),
        "train_help_s": timed(cli + ["train", "--help"], args.runs, 0),
        "recipe_error_s": timed(cli + ["train", "no-such-recipe.yaml"], args.runs, 2),
        "argument_error_s": timed(cli + ["predict", model, "hi", "--batch-size", "0"], args.runs, 2),
        "recipe_field_error_s": timed(cli + ["train", "recipes/emotion.yaml", "--set", "training.epochs=-1"],
                                      args.runs, 2),
        "eager_imports_baseline_s": timed([sys.executable, "-c", "import torch, transformers, sklearn, datasets"],
                                          args.runs, 0),
        "predict_one_text_s": timed(cli + ["predict", model, "i feel great today"], args.runs, 0),
        "predict_torch_one_text_s": timed(cli + ["predict", model, "i feel great today", "--backend", "torch"],
                                          args.runs, 0),
    }
    metrics["predict_via_server_s"] = via_server(cli, model, args.runs)
    exported = export(model)
    metrics["predict_export_one_text_s"] = timed(cli + ["predict", exported, "i feel great today"], args.runs, 0)
    for prefix, folder in (("predict_split", model), ("predict_export_split", exported)):
        splits = [json.loads(subprocess.run([sys.executable, "-c", SPLIT, folder], cwd=ROOT, capture_output=True,
                                            text=True, check=True).stdout) for _ in range(args.runs)]
        for key in ("start_s", "load_s", "predict_s"):
            metrics[f"{prefix}_{key}"] = round(statistics.median(s[key] for s in splits), 3)
    metrics["help_speedup_vs_eager"] = round(metrics["eager_imports_baseline_s"] / metrics["help_s"], 1)
    metrics["target_help_and_errors_under_0_2s"] = int(all(metrics[k] < 0.2 for k in (  # issue 28's target
        "help_s", "train_help_s", "recipe_error_s", "argument_error_s", "recipe_field_error_s")))
    metrics["target_predict_under_1_5s"] = int(metrics["predict_one_text_s"] <= 1.5)  # issue 31: default backend
    metrics["target_predict_export_under_1_5s"] = int(metrics["predict_export_one_text_s"] <= 1.5)  # its export
    write_result("cli_start", {"dataset": "none (command-line timings)", "split": [], "metrics": metrics,
                               "timings": {"runs_per_figure": args.runs, "statistic": "median"},
                               "model": "recipes/emotion.yaml trained on 300 rows for 1 epoch (MiniLM-L6, 6 labels; "
                                        "default backend auto: its checked fp32 ONNX graph for one-off calls), the "
                                        "same with --backend torch, and that folder exported to onnx-int8"})


if __name__ == "__main__":
    main()
