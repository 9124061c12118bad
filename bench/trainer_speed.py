"""Training speed side by side, in one run: distilkit vs transformers.Trainer.

    python bench/trainer_speed.py [--train-rows 2000] [--epochs 2]

Same base model (all-MiniLM-L6-v2), same seeded sample of emotion train, same epochs and
hyperparameters (lr 1e-4, batch 32, linear schedule, 6% warmup, seed 42, fused AdamW, which is
Trainer's default). Compared:
  trainer_pad128   Trainer as run_glue.py uses it by default: every example padded to 128
  trainer_dynamic  Trainer with DataCollatorWithPadding (pads each batch to its longest)
  distilkit        distilkit defaults: dynamic padding + length-grouped batches
  distilkit_frozen_embeddings  the same, with the word-embedding matrix frozen
Timed: training only (no evaluation inside the timed region for any of them). Accuracy: the
full emotion validation split (2,000 rows), scored after training.
"""
from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "emotion"
HP = {"learning_rate": 1e-4, "batch_size": 32, "warmup_ratio": 0.06, "seed": 42}


def read(path: Path, n: int | None = None, seed: int = 42):
    rows = [line.rsplit(";", 1) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if n:
        rows = random.Random(seed).sample(rows, n)
    return [t for t, _ in rows], [lab for _, lab in rows]


def run_trainer(texts, labels, val_texts, val_labels, epochs, pad_to_128: bool) -> dict:
    import datasets
    import transformers
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                              TrainingArguments, default_data_collator)

    from distilkit.models import resolve_model

    transformers.set_seed(HP["seed"])
    path = resolve_model("minilm-l6")
    names = sorted(set(labels))
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=len(names))
    padding = "max_length" if pad_to_128 else False

    def encode(xs, ys):
        enc = tok(xs, padding=padding, truncation=True, max_length=128)
        return datasets.Dataset.from_dict({**enc, "labels": [names.index(y) for y in ys]})

    train_ds, val_ds = encode(texts, labels), encode(val_texts, val_labels)
    args = TrainingArguments(output_dir=tempfile.mkdtemp(), num_train_epochs=epochs, learning_rate=HP["learning_rate"],
                             per_device_train_batch_size=HP["batch_size"], per_device_eval_batch_size=64,
                             warmup_steps=HP["warmup_ratio"], seed=HP["seed"], save_strategy="no",
                             eval_strategy="no", report_to="none", use_cpu=True, logging_steps=50)
    collator = default_data_collator if pad_to_128 else DataCollatorWithPadding(tok)
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, data_collator=collator, processing_class=tok)
    started = time.time()
    trainer.train()
    seconds = time.time() - started
    pred = trainer.predict(val_ds)
    acc = float((pred.predictions.argmax(-1) == pred.label_ids).mean())
    return {"train_s": round(seconds, 1), "examples_per_s": round(len(texts) * epochs / seconds, 1),
            "validation_accuracy": round(acc, 4)}


def run_distilkit(train_file, val_file, epochs, freeze: str) -> dict:
    from distilkit import config_from_dict, train

    out = tempfile.mkdtemp()
    cfg = config_from_dict({
        "model": {"name": "minilm-l6", "max_length": 128, "freeze": freeze},
        # No validation during training (as for the Trainer runs); the val split is scored after.
        "data": {"train": str(train_file), "test": str(val_file)},
        "training": {"output_dir": out, "epochs": epochs, "learning_rate": HP["learning_rate"],
                     "batch_size": HP["batch_size"], "warmup_ratio": HP["warmup_ratio"], "seed": HP["seed"]}})
    started = time.time()
    summary = train(cfg)
    return {"train_s": round(summary["train_runtime_s"], 1),
            "examples_per_s": round(summary["train_samples_per_second"], 1),
            "validation_accuracy": round(summary["results"]["test"]["accuracy"], 4),
            "wall_incl_eval_and_card_s": round(time.time() - started, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--train-rows", type=int, default=2000)
    ap.add_argument("--epochs", type=float, default=2)
    args = ap.parse_args()
    texts, labels = read(DATA / "train.txt", args.train_rows)
    val_texts, val_labels = read(DATA / "val.txt")
    sample = Path(tempfile.mkdtemp()) / "train.txt"
    sample.write_text("".join(f"{t};{y}\n" for t, y in zip(texts, labels)), encoding="utf-8")

    runs = {
        "trainer_pad128": run_trainer(texts, labels, val_texts, val_labels, args.epochs, pad_to_128=True),
        "trainer_dynamic": run_trainer(texts, labels, val_texts, val_labels, args.epochs, pad_to_128=False),
        "distilkit": run_distilkit(sample, DATA / "val.txt", args.epochs, "none"),
        "distilkit_frozen_embeddings": run_distilkit(sample, DATA / "val.txt", args.epochs, "embeddings"),
    }
    base, dyn = runs["trainer_pad128"]["train_s"], runs["trainer_dynamic"]["train_s"]
    metrics = {}
    for name, r in runs.items():
        metrics[f"{name}_validation_accuracy"] = r["validation_accuracy"]
        metrics[f"{name}_speedup_vs_trainer_pad128"] = round(base / r["train_s"], 2)
        metrics[f"{name}_speedup_vs_trainer_dynamic"] = round(dyn / r["train_s"], 2)
    write_result("trainer_speed", {
        "dataset": f"emotion train: seeded sample of {args.train_rows} rows (seed 42); validation: all 2,000 rows",
        "split": "validation", "metrics": metrics,
        "timings": {f"{n}_train_s": r["train_s"] for n, r in runs.items()}
        | {f"{n}_examples_per_s": r["examples_per_s"] for n, r in runs.items()},
        "settings": {"epochs": args.epochs, "model": "all-MiniLM-L6-v2", **HP}, "runs": runs})
    print(np.array([[n, r["train_s"], r["examples_per_s"], r["validation_accuracy"]] for n, r in runs.items()]))


if __name__ == "__main__":
    main()
