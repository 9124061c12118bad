"""Peak memory (RSS) of every recipe that trains on its own, and of the squad recipe before the chunked QA
featurisation, in one run (issue 31, item 3).

    python bench/peak_rss.py [--recipes emotion squad ...] [--steps 20] [--baseline REV --baseline-recipes squad]
                             [--merge]

Each recipe runs as a user runs it, `distilkit train RECIPE`, in its own process, with every row read and
featurised, every validation and test set scored and the behaviour tests run, but training stopped after --steps
optimizer steps (memory is flat after the first steps: the model, its gradients and the optimizer state are
allocated by then; the corpus and its features before). The peak is the child's own maximum resident set
(``os.wait4``'s ru_maxrss). --baseline REV runs --baseline-recipes again from a git worktree of REV (the code
before the change), side by side, each with its own tree's recipe. Recipes that start from another recipe's model
run after it, pointed at its folder from this run (``NEEDS``): the KD recipes at their teacher (whose logits on
every training row they compute and cache, as a first run does), clinic-qa at the squad model; clinic-qa's data is
generated first (`distilkit make-clinic-data data/clinic`, as its recipe says) and universal's pairs are made from
the whole emotion training set (`distilkit make-nli-data`, 32,000 pairs; the recipe's own mix is the user's choice).
--merge keeps the last results of recipes not named in --recipes (a rerun of the ones that failed); each
recipe's commit is in 'commits'.
Target (issue 31): every recipe <= 2.5 GB peak RSS (squad: 6.0 GB before), metrics unchanged.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, commit, sets, write_result  # noqa: E402

RECIPES = ["squad", "nli", "sst2", "clinc", "emotion", "emotion-zero-shot", "emotion-teacher", "clinc-teacher",
           "emotion-kd-minilm", "clinc-kd-minilm", "clinc-distill", "clinic-qa", "universal", "nli-mpnet"]
LIMIT_GB = 2.5
NEEDS = {"emotion-kd-minilm": {"distill.teacher": "emotion-teacher"},
         "clinc-kd-minilm": {"distill.teacher": "clinc-teacher"},
         "clinc-distill": {"model.name": "clinc", "distill.teacher": "clinc"},
         "clinic-qa": {"model.name": "squad"}}
"""recipe -> {field: the recipe whose folder (from this run) the field names}; that recipe runs first."""
EMOTION_LABELS = "sadness,joy,love,anger,fear,surprise"
FIRST = {"clinic-qa": [["make-clinic-data", "data/clinic"]],
         "universal": [["make-nli-data", "data/universal/pairs.jsonl", "--source",
                        "emotion=../shared/data/emotion/train.txt", "--hypothesis-template",
                        "This example tweet expresses the emotion: {}.", "--max-per-class", "16000",
                        "--max-per-dataset", "16000"]],
         "emotion-zero-shot": [["zero-shot", "{work}/nli", "--labels", EMOTION_LABELS, "--file",
                                f"../shared/data/emotion/{split}.txt", "--output",
                                f"runs/zs-emotion/teacher_{name}.jsonl", "--logits"]
                               for split, name in (("train", "train"), ("val", "validation"))]}
"""recipe -> the distilkit commands that make its data first (into the repository's ignored data/ and runs/
folders; ``{work}`` is this run's folder of recipe outputs): emotion-zero-shot's teacher labels come from this
run's NLI model on the emotion texts (labels unread), as its recipe's steps 1-2 say."""
AFTER = {"emotion-zero-shot": ["nli"], **{recipe: list(fields.values()) for recipe, fields in NEEDS.items()}}
"""recipe -> the recipes whose folders it needs from this run (they run first)."""


def peak_gb(recipe: str, steps: int, src: Path, out: Path) -> tuple[float, float, int]:
    """(peak RSS in GB, seconds, exit code) of one training run of ``recipe`` with the package at ``src``."""
    # The recipe of the same tree as the code: a baseline's code does not know fields added to recipes since.
    given = [f"{field}={out.parent / needed}" for field, needed in NEEDS.get(recipe, {}).items()]
    cmd = [sys.executable, "-m", "distilkit.cli", "train", str(src.parent / "recipes" / f"{recipe}.yaml"),
           "--output-dir", str(out), *sets(f"training.max_steps={steps}", *given)]
    env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    for first in FIRST.get(recipe, []):
        subprocess.run([sys.executable, "-m", "distilkit.cli", *(a.format(work=out.parent) for a in first)], cwd=ROOT,
                       env=env, check=True, stdout=subprocess.DEVNULL)
    print("$", " ".join(cmd), flush=True)
    started = time.time()
    child = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    return round(usage.ru_maxrss / 1024 / 1024, 2), round(time.time() - started, 1), code


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--recipes", nargs="+", default=RECIPES)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--baseline", help="a git revision to run --baseline-recipes from as well (the code before)")
    ap.add_argument("--baseline-recipes", nargs="+", default=["squad"])
    ap.add_argument("--merge", action="store_true", help="keep the last results of the recipes not run now (each "
                    "recipe's commit is recorded under 'commits')")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="peak-rss-"))
    metrics, timings, failed = {}, {}, []
    missing = sorted({n for r in args.recipes for n in AFTER.get(r, [])} - set(args.recipes))
    if missing:
        ap.error(f"--recipes: add {', '.join(missing)} (the folders the others start from)")
    order = sorted(args.recipes, key=lambda r: r in AFTER)  # what another starts from runs first
    runs = [(recipe, "", ROOT / "src") for recipe in order]
    if args.baseline:
        tree = work / "baseline"
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), args.baseline], cwd=ROOT, check=True)
        before = [(recipe, "_before", tree / "src") for recipe in args.baseline_recipes]
        runs = [run for mine in runs for run in [mine] + [b for b in before if b[0] == mine[0]]]
    try:
        for recipe, suffix, src in runs:
            gb, seconds, code = peak_gb(recipe, args.steps, src, work / f"{recipe}{suffix}")
            print(f"{recipe}{suffix}: peak {gb} GB, {seconds} s, exit {code}", flush=True)
            if code != 0:
                failed.append(f"{recipe}{suffix} (exit {code})")
                continue
            metrics[f"{recipe}{suffix}_peak_rss_gb"] = gb
            timings[f"{recipe}{suffix}_s"] = seconds
    finally:
        if args.baseline:
            subprocess.run(["git", "worktree", "remove", "--force", str(work / "baseline")], cwd=ROOT)
        shutil.rmtree(work, ignore_errors=True)
    commits = {recipe: commit() for recipe in args.recipes if f"{recipe}_peak_rss_gb" in metrics}
    if args.merge and (RESULTS / "peak_rss.json").is_file():  # the recipes not run now keep their last figures
        last = json.loads((RESULTS / "peak_rss.json").read_text())
        for key, value in last["metrics"].items():
            recipe = key[:-len("_peak_rss_gb")]
            if key.endswith("_peak_rss_gb") and recipe not in commits and key != "max_peak_rss_gb":
                metrics[key], commits[recipe] = value, last.get("commits", {}).get(recipe, last["commit"])
                timings.setdefault(f"{recipe}_s", last["timings"].get(f"{recipe}_s"))
        failed = [f for f in last.get("failed", []) if f.split(" ")[0] not in commits and
                  f.split(" ")[0] not in args.recipes] + failed
    mine = [v for k, v in metrics.items() if not k.endswith("_before_peak_rss_gb")]
    metrics["max_peak_rss_gb"] = max(mine) if mine else float("nan")
    metrics["recipes_over_limit"] = sum(v > LIMIT_GB for v in mine)
    write_result("peak_rss", {
        "dataset": "each recipe's own data (every row read and featurised; validation and test scored)",
        "split": "train, validation, test", "steps": args.steps, "baseline": args.baseline, "failed": failed,
        "commits": commits,
        "targets": f"every recipe <= {LIMIT_GB} GB peak RSS (issue 31)", "metrics": metrics, "timings": timings})


if __name__ == "__main__":
    main()
