"""Universal zero-shot classifiers (after Laurer et al.), trained in folds so that every suite data set is scored
by a model that never saw it, in any split or form.

    python bench/universal.py --folds A B [--init bench/work/nli-lingnli_cad] [--epochs 1]

Per fold: `distilkit make-nli-data` turns the classification data sets the fold does NOT hold out (plus TweetEval
emoji and stance, which the suite never scores) into two-way NLI pairs, one hypothesis per class from
bench/zero_shot_data.py; `distilkit train recipes/universal.yaml` then trains on those pairs beside the two-way NLI
data (the recipe's), starting from --init (a 3-way NLI model: its head is replaced by a two-way one). The fold's
folder gets heldout.json, which bench/zero_shot_suite.py reads (and checks against the run's record).

  A  holds out emotion, SST-2 and TweetEval emotion (sentiment and feelings)
  B  holds out TweetEval hate, irony and offensive, SNIPS, HWU64 and CLINC150 (tweets' tone and intents)
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, sets  # noqa: E402
from zero_shot_data import EXTRA_TRAIN, first_words, suite  # noqa: E402

FOLDS = {"A": ["emotion", "sst2", "tweet_emotion"],
         "B": ["tweet_hate", "tweet_irony", "tweet_offensive", "snips", "hwu64", "clinc"]}
RECIPE = "recipes/universal.yaml"


def spec_for(held_out: list[str]) -> dict:
    """The make-nli-data spec: every suite set not held out (its train split), and the extra sets."""
    datasets = {}
    for name, spec in suite().items():
        if name in held_out or not spec.train:
            continue
        entry = {"source": spec.train, "hypothesis_template": spec.template,
                 "labels": {k: v for k, v in first_words(spec).items()}}
        if spec.text_column != "text":
            entry["text_column"] = spec.text_column
        if spec.label_names:
            entry["label_names"] = spec.label_names
        if spec.drop_labels:
            entry["drop_labels"] = spec.drop_labels
        datasets[name] = entry
    for name, (source, template) in EXTRA_TRAIN.items():
        datasets[name] = {"source": source, "hypothesis_template": template}
    return {"datasets": datasets}


def run(cmd: list[str]) -> None:
    print("$", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, cwd=ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--folds", nargs="+", default=list(FOLDS), choices=list(FOLDS))
    ap.add_argument("--init", default="bench/work/nli-lingnli_cad", help="the model to start from")
    ap.add_argument("--epochs", default="1")
    ap.add_argument("--max-per-dataset", type=int, default=3000, help="rows per classification data set (2 cores)")
    ap.add_argument("--set", nargs="*", default=[], dest="overrides")
    args = ap.parse_args()
    for fold in args.folds:
        out = ROOT / "bench" / "work" / f"universal-{fold}"
        pairs = ROOT / "bench" / "work" / f"universal-{fold}-pairs" / "pairs.jsonl"
        shutil.rmtree(pairs.parent, ignore_errors=True)
        pairs.parent.mkdir(parents=True)
        spec = pairs.parent / "spec.yaml"
        spec.write_text(yaml.safe_dump(spec_for(FOLDS[fold]), sort_keys=False))
        run([sys.executable, "-m", "distilkit.cli", "make-nli-data", str(pairs), "--spec", str(spec),
             "--max-per-dataset", str(args.max_per_dataset)])
        recipe_train = yaml.safe_load((ROOT / RECIPE).read_text())["data"]["train"]
        train = [str(pairs)] + recipe_train[1:]  # the recipe's first source is the pairs file's place
        started = time.time()
        run([sys.executable, "-m", "distilkit.cli", "train", RECIPE, "--output-dir", str(out), "--overwrite",
             *sets(f"model.name={args.init}", f"training.epochs={args.epochs}",
                   "data.train=[" + ",".join(f'"{s}"' for s in train) + "]", *args.overrides)])
        (out / "heldout.json").write_text(json.dumps({"fold": fold, "held_out": FOLDS[fold], "pairs": str(pairs),
                                                      "init": args.init, "wall_s": round(time.time() - started, 1)},
                                                     indent=2) + "\n")


if __name__ == "__main__":
    main()
