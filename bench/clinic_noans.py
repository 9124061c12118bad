"""Clinic-notes QA with questions the note does not answer (issue 33): answerable and unanswerable side by side,
over clinic-stage seeds.

    python bench/clinic_noans.py                      # seeds 42 43 44; the general-QA stage is made once
    python bench/clinic_noans.py --seeds 42 --reuse   # keep a stage model (and seed folders) already made
    python bench/clinic_noans.py --seeds 44 --merge   # add a seed to the committed result (its runs are kept,
                                                      # each with the commit and machine that measured it)

1. The general-QA stage: recipes/squad.yaml trained into bench/work/squad/seed42 (the recipe's start model;
   skipped where that folder holds a finished run).
2. The data: `make-clinic-data` with its defaults into bench/work/clinic_noans/data: a quarter of every split's
   questions have no answer (SQuAD v2 rows: the asked eye untreated or unmentioned, a field the note does not
   record), twins included.
3. Each seed: `distilkit train recipes/clinic-qa.yaml` on that data from the stage model, through the real CLI.
   The recipe chooses qa.null_threshold ('auto') on validation_unseen and the hand-written validation notes
   together, and its best epoch on validation_unseen; nothing here is chosen on a test split.

Columns, per scored split (own test, unseen template families, hand-written notes), with the official SQuAD v2
rules (metrics/squad.py): exact match and F1 over all questions, HasAns exact match / F1, NoAns accuracy (a
question without an answer is right only when the model gives none) and the expected calibration error of the
answers' confidence (metrics/calibration.py). Behaviour (tests/behaviour/clinic.yaml): the pass rates of the
no-answer tests and of the eye-swap tests, and the confident wrong answers: answers given with a score above 0.5
that are not the expected one, over the eye-swap and no-answer tests (a wrong-eye drug is one of them).
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, ROOT, cli, commit, hardware, sets, write_result  # noqa: E402

NO_ANSWER = "<no answer>"  # how a behaviour report writes an answer of none (evaluation/behaviour/subjects.py)
WORK = ROOT / "bench" / "work" / "clinic_noans"
STAGE = ROOT / "bench" / "work" / "squad" / "seed42"
SPLITS = {"test": "test", "unseen": "unseen", "handwritten": "handwritten"}
TARGETS = {"test_no_ans_exact_match": 97.0, "unseen_no_ans_exact_match": 95.0,
           "handwritten_no_ans_exact_match": 95.0, "test_has_ans_exact_match": 97.22,
           "unseen_has_ans_exact_match": 95.0, "handwritten_has_ans_exact_match": 95.0}
CEILINGS = {"handwritten_ece": 0.05, "confident_wrong_answers": 0}
CONFIDENT = 0.5


def stage(reuse: bool) -> float:
    if reuse and (STAGE / "training_summary.json").is_file():
        return 0.0
    return cli("train", "recipes/squad.yaml", "--output-dir", str(STAGE), "--overwrite")


def behaviour(out: Path) -> dict:
    """Pass rates of the no-answer and eye-swap tests, and spans given above CONFIDENT that are wrong (an answer
    of none where a span was expected is a miss, not a confident wrong answer)."""
    report = json.loads((out / "behaviour_clinic.json").read_text())
    picked = {"no_answer": [t for t in report["tests"] if t["name"].startswith("no answer")],
              "eye_swap": [t for t in report["tests"] if t["type"] == "dir" and "eye swap" in t["name"]]}
    metrics, confident = {}, 0
    for group, tests in picked.items():
        examples = sum(t["examples"] for t in tests)
        metrics[f"behaviour_{group}_pass_rate"] = round(sum(t["passed"] for t in tests) / examples, 4)
        for failure in (f for t in tests for f in t["failures"]):
            for key, expected_key in (("got", "expected"), ("got_after", "expected_after")):
                answers, scores = failure.get(key, []), failure.get(f"{key}_scores", [])
                for got, expected, score in zip(answers, failure.get(expected_key, []), scores):
                    confident += got != NO_ANSWER and got != expected and score is not None and score > CONFIDENT
    return metrics | {"confident_wrong_answers": confident}


def run_seed(seed: int, data: Path, reuse: bool) -> dict:
    out = WORK / f"seed{seed}"
    seconds = 0.0
    if not (reuse and (out / "training_summary.json").is_file()):
        seconds = cli("train", "recipes/clinic-qa.yaml", "--output-dir", str(out), "--overwrite", *sets(
            f"model.name={STAGE}", f"training.seed={seed}", f"data.train={data / 'train.jsonl'}",
            f"data.validation={data / 'validation_unseen.jsonl'}", f"data.test={data / 'test.jsonl'}",
            f"data.extra_tests.unseen={data / 'test_unseen.jsonl'}"))
    metrics = {}
    for split, name in SPLITS.items():
        report = json.loads((out / f"eval_{name}.json").read_text())
        for key in ("exact_match", "f1", "has_ans_exact_match", "has_ans_f1", "no_ans_exact_match"):
            metrics[f"{split}_{key}"] = report["metrics"][key]
        metrics[f"{split}_ece"] = round(report["calibration"]["ece"], 4)
    settings = json.loads((out / "distilkit.json").read_text())
    metrics["null_threshold"] = settings.get("null_threshold")
    return {"seed": seed, "train_s": seconds, "commit": commit(), "hardware": hardware(),
            "metrics": metrics | behaviour(out)}


def kept(seeds: list[int]) -> list[dict]:
    """--merge: the committed result's runs of other seeds, each labelled with the commit and machine that
    measured it (older results name them once, at the top)."""
    path = RESULTS / "clinic_noans.json"
    if not path.is_file():
        return []
    old = json.loads(path.read_text())
    return [{"commit": old["commit"], "hardware": old["hardware"], **run} for run in old["runs"]
            if run["seed"] not in seeds]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", nargs="+", type=int, default=[42, 43, 44])
    ap.add_argument("--reuse", action="store_true", help="keep the stage model and seed folders already finished")
    ap.add_argument("--merge", action="store_true", help="keep the committed result's runs of the seeds not run now")
    args = ap.parse_args()
    stage_s = stage(args.reuse)
    data = WORK / "data"
    if not (data / "train.jsonl").is_file():
        cli("make-clinic-data", str(data))
    runs = kept(args.seeds) if args.merge else []
    for seed in args.seeds:  # the result is written after every seed: a run cut short keeps what it measured
        runs.append(run_seed(seed, data, args.reuse))
        write(runs, data, stage_s)


def unanswerable(path: Path) -> dict:
    """How many questions a QA file holds, and how many of them have no answer."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {"questions": len(rows), "unanswerable": sum(not r["answers"]["text"] for r in rows)}


def write(runs: list[dict], data: Path, stage_s: float) -> None:
    keys = [k for k, v in runs[0]["metrics"].items() if isinstance(v, (int, float))]
    metrics, spread = {}, {}
    for key in keys:
        values = [r["metrics"][key] for r in runs]
        metrics[key] = round(statistics.mean(values), 4)
        spread[key] = {"min": min(values), "max": max(values)}
    met = {k: int(metrics[k] >= v) for k, v in TARGETS.items()} | \
        {k: int(metrics[k] <= v) for k, v in CEILINGS.items()}
    write_result("clinic_noans", {
        "dataset": {"generated": str(data.relative_to(ROOT)), "handwritten": "data/clinic/handwritten.jsonl",
                    "val_handwritten": "data/clinic/validation_handwritten.jsonl"},
        "split": "test, test_unseen, handwritten (threshold chosen on validation_unseen + val_handwritten)",
        "counts": {name: unanswerable(path) for name, path in (
            ("test", data / "test.jsonl"), ("unseen", data / "test_unseen.jsonl"),
            ("handwritten", ROOT / "data" / "clinic" / "handwritten.jsonl"),
            ("val_handwritten", ROOT / "data" / "clinic" / "validation_handwritten.jsonl"))},
        "seeds": [r["seed"] for r in runs], "start_model": str(STAGE.relative_to(ROOT)),
        "targets": {**TARGETS, **{f"{k} (at most)": v for k, v in CEILINGS.items()}},
        "metrics": metrics | {f"target_{k}": v for k, v in met.items()}, "seed_range": spread,
        "timings": {"stage_train_s": stage_s, **{f"seed{r['seed']}_train_s": r["train_s"] for r in runs}},
        "runs": runs})


if __name__ == "__main__":
    main()
