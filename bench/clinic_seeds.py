"""Clinic-notes QA over clinic-stage seeds: the variants that several clinic_generalisation runs share, each
column averaged over the seeds, and the variant chosen on the mean of its validation figures. One seed's
hand-written figure moves by about a point between runs of the same data, less than some changes it is asked
to judge; the mean of two seeds, and their range, say how much of a difference is the change.

    python bench/clinic_generalisation.py --reuse --variants A B            # seed 42: the main result
    python bench/clinic_generalisation.py --seed 43 --variants A B --name clinic_generalisation_seed43 \
        --label "a second clinic-stage seed"
    python bench/clinic_seeds.py clinic_generalisation clinic_generalisation_seed43
    python bench/clinic_seeds.py clinic_generalisation clinic_generalisation_seed43 clinic_generalisation_seed44 \
        --name clinic_seeds_wording_blocks     # another set of seeds (of the variants they share), kept beside

Every run must start from the same general-QA stage (their start_model): the seed here is the clinic stage's.
As in clinic_generalisation.py, only the two validation columns choose; test, unseen-family, hand-written and
behaviour columns are shown, never used to choose.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from statistics import mean

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clinic_generalisation import TARGETS, choice_score  # noqa: E402
from common import RESULTS, write_result  # noqa: E402

COLUMNS = ("validation_exact_match", "val_handwritten_exact_match", "test_exact_match", "test_f1",
           "unseen_exact_match", "unseen_f1", "handwritten_exact_match", "handwritten_f1",
           "handwritten_both_eye_notes_both_right", "behaviour_eye_swap_pass_rate", "behaviour_invariance_pass_rate")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results", nargs="+", help="bench/results names of clinic_generalisation runs, one per seed")
    ap.add_argument("--name", default="clinic_seeds", help="result name (another set of seeds kept beside the main)")
    args = ap.parse_args()
    runs = [json.loads((RESULTS / f"{name}.json").read_text()) for name in args.results]
    if len({Path(r["start_model"]).parts[-2:] for r in runs}) != 1 or len({r["seed"] for r in runs}) != len(runs):
        sys.exit("the runs must share one general-QA stage (start_model) and differ in seed")
    shared = [v for v in runs[0]["rows"] if all(v in r["rows"] for r in runs)]
    if not shared:
        sys.exit("no variant is in every run: run the same --variants with each seed")
    rows = {}
    for variant in shared:
        per_seed = {r["seed"]: r["rows"][variant] for r in runs}
        row = {"seeds": sorted(per_seed), "choice_mean": round(mean(choice_score(x)[0] for x in per_seed.values()), 4)}
        for c in COLUMNS:
            values = [x[c] for x in per_seed.values()]
            row |= {f"{c}_mean": round(mean(values), 4), f"{c}_min": min(values), f"{c}_max": max(values)}
        rows[variant] = row | {"per_seed": {str(s): {c: x[c] for c in COLUMNS} for s, x in per_seed.items()}}
    chosen = max(rows, key=lambda v: rows[v]["choice_mean"])
    met = {k: rows[chosen][f"{k}_mean"] >= v for k, v in TARGETS.items()}
    metrics = {f"{v}_{k}": x for v, row in rows.items() for k, x in row.items() if isinstance(x, (int, float))}
    metrics |= {f"target_{k}": int(v) for k, v in met.items()}
    write_result(args.name, {
        "dataset": runs[0]["dataset"], "split": runs[0]["split"], "metrics": metrics, "timings": {},
        "sources": args.results, "seeds": sorted(r["seed"] for r in runs), "start_model": runs[0]["start_model"],
        "rows": rows, "changes": {v: runs[0]["changes"][v] for v in shared}, "chosen": chosen,
        "chosen_on": "the mean over seeds of the mean EM of validation_unseen and validation_handwritten",
        "targets": TARGETS, "targets_met": met})


if __name__ == "__main__":
    main()
