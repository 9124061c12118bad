"""Clinic-notes QA beyond its own grammar: one row per training change, scored side by side on the generator's
own test split, on held-out template families (test_unseen), on hand-written notes and on the behaviour tests.

    python bench/qa_seeds.py recipes/squad.yaml --name squad --seeds 42     # the general QA stage (~35 min)
    python bench/qa_seeds.py recipes/squad.yaml --name squad_full --seeds 42 --set data.max_train_samples=null \
        data.max_eval_samples=2000 qa.doc_stride=32      # all 29,006 questions (~50 min), for the *_full variants
    python bench/clinic_generalisation.py                                  # every variant, then the table
    python bench/clinic_generalisation.py --variants baseline eye_swap --reuse

Every variant trains recipes/clinic-qa.yaml through the real CLI (`distilkit train`, which also scores the
recipe's extra test sets and runs its behaviour tests onto the card) from the SQuAD-stage model, with the same
validation_unseen, test and test_unseen files (made once by `make_clinic_data` with the default held-out
families and no unanswerable questions, `unanswerable=0`, in bench/work/clinic_gen/data/answerable: the files
these rows were measured on, given to every run in place of the recipe's data/clinic ones); only the training data
or settings differ. Questions without an answer (issue 33) are another bench's. Changes (and each run's best
epoch) are chosen on the recipe's validation split, validation_unseen: families held out of train and disjoint
from test_unseen's, since validation from the training grammar saturates at 100 EM and cannot choose for another
hand. The other columns are shown, never used to choose. data/clinic/handwritten.jsonl was written by hand, never by the generator.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, sets, write_result  # noqa: E402

WORK = ROOT / "bench" / "work" / "clinic_gen"
SQUAD = ROOT / "bench" / "work" / "squad" / "seed42"
SQUAD_FULL = ROOT / "bench" / "work" / "squad_full" / "seed42"  # the same recipe on all its questions
RECIPE = "recipes/clinic-qa.yaml"
# validation / test / test_unseen, the same for every variant: made with unanswerable=0, the files every row here
# was measured on (make-clinic-data's default now adds unanswerable questions to data/clinic, which the recipe
# reads; a share of 0 writes these byte for byte), and given to each run in place of the recipe's.
EVAL_DATA = WORK / "data" / "answerable"
FULL_STAGE = ("+ a general-QA stage on all 29,006 SQuADShifts + COVID-QA questions (not 8,000; doc stride 32, as "
              "one 127-token question leaves no room for 64)")
# name -> (what changed, make_clinic_data keywords for train, recipe overrides); each row adds to the one above.
# Each names its train_detail: the default changed after the plain rows were measured, and a rerun must train
# what its row measured; likewise no question without an answer (MEASURED_WITHOUT: the default is now 0.25).
MEASURED_WITHOUT = {"unanswerable": 0.0}  # every row below was measured before unanswerable questions existed
VARIANTS = {
    "baseline": ("recipes/clinic-qa.yaml on train without the held-out families",
                 {"augment": "none", "train": 1200, "train_detail": "plain"}, []),
    "eye_swap": ("+ eye-swap twins (each note marking both eyes also trained with its markers swapped)",
                 {"augment": "eye_swap", "train": 1200, "train_detail": "plain"}, []),
    "eye_swap_procedure": ("eye_swap, its training notes with procedure detail (doses after drugs, spelling slips, "
                           "per-eye IOP/OCT, consent/lot/post-injection lines; evaluation splits unchanged)",
                           {"augment": "eye_swap", "train": 1200, "train_detail": "procedure"}, []),
    "eye_swap_3k": ("eye_swap + 3,000 training questions instead of 1,200 (more notes of every family)",
                    {"augment": "eye_swap", "train": 3000, "train_detail": "plain"}, []),
    "eye_swap_full": (FULL_STAGE + ", 1,200 questions",
                      {"augment": "eye_swap", "train": 1200, "train_detail": "plain"}, [f"model.name={SQUAD_FULL}"]),
    "eye_swap_3k_full": (FULL_STAGE + ", 3,000 questions",
                         {"augment": "eye_swap", "train": 3000, "train_detail": "plain"}, [f"model.name={SQUAD_FULL}"]),
    "eye_swap_3k_procedure": ("eye_swap_3k, its training notes with procedure detail (doses after drugs, spelling "
                              "slips, per-eye IOP/OCT, consent/lot/post-injection lines; evaluation splits unchanged)",
                              {"augment": "eye_swap", "train": 3000, "train_detail": "procedure"}, []),
    "eye_swap_3k_procedure_no_traps": ("eye_swap_3k_procedure without its numbers shaped like acuities (`exp 03/27`, "
                                       "`IOP 16/18`)", {"augment": "eye_swap", "train": 3000,
                                                        "train_detail": "procedure-no-traps"}, []),
    "eye_swap_3k_procedure_wording": ("eye_swap_3k_procedure_no_traps, a third of treated notes' questions in "
                                      "clinicians' wordings no family has (`Left eye vision before the injection?`, "
                                      "`Right eye injection?`; from the hand-written validation set's errors)",
                                      {"augment": "eye_swap", "train": 3000, "train_detail": "procedure-wording"}, []),
    "eye_swap_3k_procedure_blocks": ("eye_swap_3k_procedure_wording, per-eye blocks with each eye's findings in any "
                                     "order under a marker or heading (`R: VA 6/9, IVI eylea`, `LE>> VA 6/12 IOP 14 "
                                     "inj lucentis`), an untreated eye's block among them (`L: observe, VA 6/6`); "
                                     "from the hand-written validation set's errors",
                                     {"augment": "eye_swap", "train": 3000, "train_detail": "procedure-blocks"}, []),
    "eye_swap_3k_procedure_tables": ("eye_swap_3k_procedure_blocks, some two-eye notes' blocks written as one table, "
                                     "a column per eye under a header of markers, cells apart by tabs or spaces "
                                     "(`VISIT  OD  OS`, `VA  6/12  6/18+2`, `IVI  Eylea  -`); from the hand-written "
                                     "validation set's errors",
                                     {"augment": "eye_swap", "train": 3000, "train_detail": "procedure-tables"}, []),
    "eye_swap_5k": ("eye_swap + 5,000 training questions",
                    {"augment": "eye_swap", "train": 5000, "train_detail": "plain"}, []),
    "eye_swap_5k_procedure": ("eye_swap_3k_procedure with 5,000 training questions",
                              {"augment": "eye_swap", "train": 5000, "train_detail": "procedure"}, []),
}
# Hand-written notes for choosing (another writer than handwritten.jsonl's, never trained on): scored beside
# validation_unseen, and a variant is chosen on the mean of the two exact matches.
VALIDATION_HANDWRITTEN = ROOT / "data" / "clinic" / "validation_handwritten.jsonl"
TARGETS = {"test_exact_match": 97.22, "test_f1": 98.61, "unseen_exact_match": 95.0, "handwritten_exact_match": 95.0,
           "behaviour_eye_swap_pass_rate": 0.99, "behaviour_invariance_pass_rate": 0.99}
VA_ANSWER = re.compile(r"\d+/\d+|\d\.\d|\b(CF|HM|PL|NPL|LP|NLP)\b|logmar|letters|\bVA\b", re.I)
EYE = re.compile(r"\b(right|left|RE|LE|Rt|Lt|OD|OS|R|L)\b", re.I)


def ensure_data() -> None:
    from distilkit.data.clinic import make_clinic_data

    if not (EVAL_DATA / "validation_unseen.jsonl").is_file():
        make_clinic_data(EVAL_DATA, **MEASURED_WITHOUT)
    for name, (_, kwargs, _) in VARIANTS.items():
        make_clinic_data(WORK / "data" / name, **{**MEASURED_WITHOUT, **kwargs})
        for split in ("validation", "validation_unseen", "test", "test_unseen"):  # only train may differ
            same = (WORK / "data" / name / f"{split}.jsonl").read_bytes() == (EVAL_DATA / f"{split}.jsonl").read_bytes()
            assert same, f"{name}: {split} differs from {EVAL_DATA}; remove {EVAL_DATA} and run again"


def train(name: str, seed: int, reuse: bool, start: str, extra: list[str]) -> tuple[Path, float | None]:
    out = WORK / f"{name}-seed{seed}"
    if reuse and (out / "training_summary.json").is_file():
        return out, None
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "distilkit.cli", "train", RECIPE, "--output-dir", str(out),
           *sets(f"model.name={start}", f"data.train={WORK / 'data' / name / 'train.jsonl'}", f"training.seed={seed}",
                 f"data.validation={EVAL_DATA / 'validation_unseen.jsonl'}", f"data.test={EVAL_DATA / 'test.jsonl'}",
                 f"data.extra_tests.unseen={EVAL_DATA / 'test_unseen.jsonl'}", *VARIANTS[name][2], *extra)]
    started = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return out, round(time.time() - started, 1)


def handwritten_detail(out: Path) -> dict:
    """Both-eye notes answered right for both eyes, and exact match per writing style."""
    rows = [json.loads(line) for line in (ROOT / "data/clinic/handwritten.jsonl").read_text().splitlines()]
    if json.loads((out / "eval_handwritten.json").read_text())["examples"] != len(rows):
        return {}  # a sampled smoke run (data.max_eval_samples): the error file cannot say who was right
    wrong = {json.loads(line)["id"] for line in (out / "eval_handwritten_errors.jsonl").read_text().splitlines()}
    per_note, per_style = defaultdict(dict), defaultdict(list)
    for r in rows:
        per_style[r["style"]].append(r["id"] not in wrong)
        eye = EYE.search(r["question"])
        if eye and not VA_ANSWER.search(r["answers"]["text"][0]):  # a drug question about one eye
            side = "R" if eye.group(1).lower() in ("right", "re", "rt", "od", "r") else "L"
            per_note[r["id"].rsplit("-q", 1)[0]].setdefault(side, []).append(r["id"] not in wrong)
    both = [all(v["L"] + v["R"]) for v in per_note.values() if {"L", "R"} <= set(v)]
    return {"handwritten_both_eye_notes": len(both),
            "handwritten_both_eye_notes_both_right": round(sum(both) / len(both), 4),
            **{f"handwritten_style_{s}_exact_match": round(100 * sum(v) / len(v), 2) for s, v in sorted(per_style.items())}}


def behaviour(out: Path) -> dict:
    report = json.loads((out / "behaviour_clinic.json").read_text())
    none = lambda t: t["name"].startswith("no answer")  # noqa: E731 (issue 33's tests: apart from the others)
    groups = {"eye_swap": lambda t: t["type"] == "dir" and "eye swap" in t["name"],
              "va_swap": lambda t: t["type"] == "dir" and "eye swap" not in t["name"] and not none(t),
              "invariance": lambda t: t["type"] == "inv", "mft": lambda t: t["type"] == "mft" and not none(t),
              "no_answer": none}
    metrics = {}
    for group, pick in groups.items():
        tests = [t for t in report["tests"] if pick(t)]
        metrics[f"behaviour_{group}_pass_rate"] = round(sum(t["passed"] for t in tests)
                                                        / max(1, sum(t["examples"] for t in tests)), 4)
    return metrics


def validation_handwritten(out: Path) -> dict:
    """Exact match and F1 on the hand-written validation notes, from the model's best epoch (`distilkit eval`)."""
    result = out / "eval_validation_handwritten.json"
    if not result.is_file():
        subprocess.run([sys.executable, "-m", "distilkit.cli", "eval", str(out), "--data", str(VALIDATION_HANDWRITTEN),
                        "--output", str(result)], check=True, cwd=ROOT)
    res = json.loads(result.read_text())["metrics"]
    return {"val_handwritten_exact_match": res["exact_match"], "val_handwritten_f1": res["f1"]}


def choice_score(r: dict) -> tuple[float, float]:
    """What a variant is chosen on: the mean exact match of the two validation sets, then validation F1."""
    return (r["validation_exact_match"] + r["val_handwritten_exact_match"]) / 2, r["validation_f1"]


def row(name: str, out: Path, wall: float | None) -> dict:
    summary = json.loads((out / "training_summary.json").read_text())
    m = {f"{split}_{k}": v for split, res in summary["results"].items() for k, v in res.items()
         if k in ("exact_match", "f1")}
    return {**m, **validation_handwritten(out), **behaviour(out), **handwritten_detail(out),
            "train_examples": summary["data"]["train"]["rows"],
            "train_s": summary["train_runtime_s"], "wall_s": wall}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--variants", nargs="+", choices=list(VARIANTS), default=list(VARIANTS))
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--reuse", action="store_true", help="reuse finished variant folders (their times are kept)")
    ap.add_argument("--start-model", default=str(SQUAD), help="the model every variant starts from")
    ap.add_argument("--set", nargs="*", default=[], dest="overrides", help="KEY=VALUE for every variant (smoke runs)")
    ap.add_argument("--name", default="clinic_generalisation", help="result name (a pilot keeps the main result)")
    ap.add_argument("--scale", default="", help="for a result not at the recipe's scale: what differs, for its heading")
    ap.add_argument("--label", default="", help="what this run is beside the main result (another clinic-stage "
                    "seed, an earlier run kept), for its heading")
    args = ap.parse_args()
    if args.start_model == str(SQUAD) and not (SQUAD / "model.safetensors").is_file():
        sys.exit(f"no SQuAD-stage model at {SQUAD}: run `python bench/qa_seeds.py recipes/squad.yaml --name squad "
                 "--seeds 42` first")
    ensure_data()
    rows = {}
    for name in args.variants:
        out, wall = train(name, args.seed, args.reuse, args.start_model, args.overrides)
        rows[name] = row(name, out, wall)
    # Chosen on the two validation sets only; the test, unseen, hand-written and behaviour columns never choose.
    chosen = max(rows, key=lambda n: choice_score(rows[n]))
    best = rows[chosen]
    met = {k: best[k] >= v for k, v in TARGETS.items()}
    base = rows.get("baseline")
    metrics = {f"{n}_{k}": v for n, r in rows.items() for k, v in r.items() if isinstance(v, (int, float))}
    if base:
        for n, r in rows.items():
            for k in ("validation_exact_match", "val_handwritten_exact_match", "unseen_exact_match",
                      "handwritten_exact_match"):
                metrics[f"{n}_{k}_vs_baseline"] = round(r[k] - base[k], 2)
    metrics.update({f"target_{k}": int(v) for k, v in met.items()})
    data = json.loads((EVAL_DATA / "families.json").read_text())
    write_result(args.name, {
        "dataset": {"train": {n: str(WORK / "data" / n / "train.jsonl") for n in rows},
                    "validation": str(EVAL_DATA / "validation_unseen.jsonl"),
                    "val_handwritten": "data/clinic/validation_handwritten.jsonl",
                    "test": str(EVAL_DATA / "test.jsonl"),
                    "unseen": str(EVAL_DATA / "test_unseen.jsonl"), "handwritten": "data/clinic/handwritten.jsonl",
                    "held_out_families": data["holdout"], "validation_held_out_families": data["validation_holdout"]},
        "split": ["validation", "val_handwritten", "test", "unseen", "handwritten",
                  "behaviour:tests/behaviour/clinic.yaml"],
        "metrics": metrics, "timings": {f"{n}_train_s": r["train_s"] for n, r in rows.items()},
        "rows": rows, "changes": {n: VARIANTS[n][0] for n in rows}, "chosen": chosen,
        "chosen_on": "mean EM of validation_unseen (its own held-out families) and validation_handwritten",
        "seed": args.seed, "targets": TARGETS, "targets_met": met, "start_model": args.start_model,
        "overrides": args.overrides, **({"scale": args.scale} if args.scale else {}),
        **({"label": args.label} if args.label else {})})


if __name__ == "__main__":
    main()
