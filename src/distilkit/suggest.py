"""A recipe chosen from the data, for `distilkit train --train FILE` and `distilkit init`.

Users with their own CSV should not need to copy a recipe written for another data set (and inherit its
card). ``suggest`` reads the training file once and picks what depends on the data; every choice comes
with the reason, printed by `train` and written as a YAML comment by `init`, so the two always agree:

- validation: 10% of train held out (stratified, seeded) when no validation file is given;
- max_length: the 99th percentile of tokenized training texts, rounded up to a multiple of 16;
- epochs: enough optimizer steps for the class count (1,400 + 6 per class, measured on our recipes:
  emotion's 6 classes peak at ~1,500 steps, CLINC150's 151 at ~2,400), between 2 and 20 epochs;
- learning rate: from the model's width (1e-4 for MiniLM-size encoders, 5e-5 for base-size ones);
- out-of-scope handling when a label is called oos / out_of_scope.
"""
from __future__ import annotations

import math
import random
import re
from pathlib import Path

import yaml

from .errors import DistilkitError

VALIDATION_FRACTION = 0.1
BATCH_SIZE = 32
OOS_NAMES = ("oos", "out_of_scope", "out-of-scope", "outofscope")
KEEP_NUMBERS = "keep"  # --label-names keep: integer labels stay '0', '1', ...
HUB_ID = re.compile(r"^[\w.-]+/[\w.-]+$")


def source(value: str | None, split: str) -> str | None:
    """A file as given; a hub dataset id that is not a local path ('dair-ai/emotion') becomes
    'hub:ID::split', so hub users write --train dair-ai/emotion as they would a file."""
    if value is None or "::" in value or value.startswith("hub:") or Path(value).expanduser().exists():
        return value
    return f"hub:{value}::{split}" if HUB_ID.match(value) and not Path(value).suffix else value


def _label_names(arg: str | list[str] | None) -> list[str] | None:
    if arg is None or arg == KEEP_NUMBERS or arg == [KEEP_NUMBERS]:
        return None
    names = [n.strip() for n in (arg.split(",") if isinstance(arg, str) else arg) if n.strip()]
    if len(names) < 2 or len(set(names)) != len(names):
        raise DistilkitError(f"--label-names: give at least 2 distinct names in id order, e.g. --label-names "
                             f"negative,positive (got '{arg}')")
    return names


def _check_labels(train, column: str, names_arg) -> None:
    labels = sorted(set(train.labels))
    if len(labels) < 2:
        raise DistilkitError(f"{train.source}: column '{column}' holds a single label ('{labels[0]}'): a classifier "
                             "needs at least 2; is --label-column the right column?")
    if names_arg is None and all(re.fullmatch(r"-?\d+", x) for x in labels):
        shown = ", ".join(sorted(labels, key=int)[:6]) + (" ..." if len(labels) > 6 else "")
        raise DistilkitError(f"{train.source}: column '{column}' holds integer labels ({shown}) without names, so "
                             "predictions and the card would say '0', '1', ...: name them in id order with "
                             "--label-names NAME0,NAME1,... (or --label-names keep to keep the numbers)")


def _max_length(texts: list[str], model: str, seed: int) -> tuple[int, str]:
    from transformers import AutoConfig

    from .models import load_tokenizer, resolve_model

    sample = random.Random(seed).sample(texts, min(2000, len(texts)))
    tok = load_tokenizer(model)
    lengths = sorted(len(ids) for ids in tok(sample, truncation=False)["input_ids"])
    p99 = lengths[min(len(lengths) - 1, math.ceil(0.99 * len(lengths)) - 1)]
    cfg = AutoConfig.from_pretrained(resolve_model(model))
    limit = getattr(cfg, "max_position_embeddings", 512)
    limit = min(512, limit - 2 if cfg.model_type in ("roberta", "mpnet", "xlm-roberta") else limit)  # 2 reserved
    chosen = min(limit, max(32, 16 * math.ceil(p99 / 16)))
    over = sum(n > chosen for n in lengths) / len(lengths)
    return chosen, (f"99% of {len(sample):,} sampled training texts fit in {p99} tokens; {over:.1%} are longer "
                    "and get truncated")


def _learning_rate(model: str) -> tuple[float, str]:
    from transformers import AutoConfig

    from .models import resolve_model

    cfg = AutoConfig.from_pretrained(resolve_model(model))
    width = getattr(cfg, "hidden_size", None) or getattr(cfg, "dim", 768)
    if width <= 512:
        return 1e-4, (f"hidden size {width}: small encoders converge slowly at BERT's 2e-5 (our MiniLM recipes "
                      "use 1e-4)")
    return 5e-5, f"hidden size {width}: a base-size encoder; the top of BERT's 2e-5..5e-5 range"


def _run_name(train: str) -> str:
    """runs/<name>: the file's stem, or its folder's name when the stem says nothing (train.csv)."""
    path = Path(train.split("::")[0].removeprefix("hub:"))
    generic = path.stem.lower() in ("train", "training", "data", "dataset", "all")
    return (path.parent.name if generic and path.parent.name not in ("", ".") else path.stem) or "model"


def suggest(train: str, validation: str | None = None, test: str | None = None, text_column: str = "text",
            label_column: str = "label", label_names: str | list[str] | None = None, model: str | None = None,
            output_dir: str | None = None, seed: int = 42) -> tuple[dict, dict[str, str]]:
    """A recipe (as a dict, ready for ``config_from_dict``) chosen from the data, and the reason for each
    chosen setting, keyed 'section.field'."""
    from .config import DataConfig
    from .data.dataset import load_split
    from .models import DEFAULT_MODEL

    model = model or DEFAULT_MODEL
    train, validation, test = source(train, "train"), source(validation, "validation"), source(test, "test")
    names = _label_names(label_names)
    data = DataConfig(train=train, validation=validation, test=test, text_column=text_column,
                      label_column=label_column, label_names=names)
    split = load_split(train, data)
    _check_labels(split, label_column, label_names)
    labels = sorted(set(split.labels))
    why: dict[str, str] = {}
    recipe = {"task": "text-classification", "model": {"name": model},
              "data": {"train": train, "validation": validation, "test": test, "text_column": text_column,
                       "label_column": label_column, "label_names": names},
              "loss": {"name": "cross_entropy"}, "training": {}, "card": {}}
    n_train = len(split)
    if validation is None:
        recipe["data"]["validation_fraction"] = VALIDATION_FRACTION
        why["data.validation_fraction"] = (f"no validation file: {VALIDATION_FRACTION:.0%} of train held out "
                                           f"(stratified, seed {seed}) to pick the best epoch")
        n_train = int(n_train * (1 - VALIDATION_FRACTION))
    oos = next((x for x in labels if x.lower() in OOS_NAMES), None)
    if oos:
        recipe["data"]["oos_label"] = oos
        why["data.oos_label"] = (f"label '{oos}' means out of scope: adds in-scope accuracy and OOS recall, and a "
                                 "confidence threshold tuned on validation")
    recipe["model"]["max_length"], why["model.max_length"] = _max_length(split.texts, model, seed)
    steps = math.ceil(n_train / BATCH_SIZE)
    target = 1400 + 6 * len(labels)
    epochs = min(20, max(2, round(target / steps)))
    why["training.epochs"] = (f"{n_train:,} training rows, {len(labels)} classes: ~{target:,} optimizer steps "
                              f"wanted at batch {BATCH_SIZE}, {steps:,} per epoch (kept within 2..20)")
    lr, why["training.learning_rate"] = _learning_rate(model)
    out = output_dir or f"runs/{_run_name(train)}"
    recipe["training"] = {"output_dir": out, "epochs": epochs, "learning_rate": lr, "batch_size": BATCH_SIZE,
                          "warmup_ratio": 0.06, "seed": seed, "metric_for_best_model": "accuracy"}
    files = ", ".join(f"`{s}` ({k})" for k, s in (("train", train), ("validation", validation), ("test", test)) if s)
    recipe["card"] = {
        "dataset_name": ", ".join(dict.fromkeys(Path(s.split("::")[0]).name for s in (train, validation, test) if s)),
        "dataset_id": train.split("::")[0][4:].split(":")[0] if train.startswith("hub:") else None,  # hub data: its id
        "model_name": Path(out).name, "license": "other",
        "notes": (f"Trained on the user's own data: {files}. The licence and the intended use are yours to fill "
                  "in: state the data's terms and your licence in this card's `license` field, and who may use "
                  "the model for what (and what not) in this section, before you share it.")}
    return recipe, why


def print_choices(recipe: dict, why: dict[str, str], given: dict | None = None, file=None) -> None:
    """Print each chosen setting with its reason; ``given`` holds the final values, where a flag or --set
    replaced a choice."""
    import sys

    out = file or sys.stderr
    print("no recipe: settings chosen from the data (`distilkit init` writes them to an editable recipe):",
          file=out)
    for key, reason in why.items():
        section, name = key.split(".")
        chosen = recipe[section][name]
        final = (given or {}).get(section, {}).get(name, chosen)
        if isinstance(chosen, int) and isinstance(final, float) and final.is_integer():
            final = int(final)  # epochs are a float field: 4.0 reads as 4
        note = reason if final == chosen else f"your setting (chosen from the data: {chosen})"
        print(f"  {key} = {final}   # {note}", file=out)


def render_yaml(recipe: dict, why: dict[str, str], command: str) -> str:
    """The recipe as commented YAML: each chosen setting carries its reason."""
    lines = ["# A recipe chosen from the data by `distilkit init`; edit it, then run it with:",
             f"#   distilkit train {command}",
             "# Choose settings on validation data only: the test file is for the final report."]
    for section, fields in recipe.items():
        if not isinstance(fields, dict):
            lines.append(f"{section}: {fields}")
            continue
        lines.append(f"{section}:")
        for name, value in fields.items():
            text = yaml.safe_dump(value, default_flow_style=True, width=1000, allow_unicode=True).strip()
            text = text.removesuffix("\n...").removesuffix("...").strip()
            reason = why.get(f"{section}.{name}")
            lines.append(f"  {name}: {text}" + (f"   # {reason}" if reason else ""))
    return "\n".join(lines) + "\n"
