"""Hyperparameter search for distillation (alpha, temperature, epochs, transfer-set size, ...) with Optuna, on
validation data.

Each trial is an ordinary run in ``OUTPUT_DIR/trials/trial-N`` scored on the validation split only
(the test split is never looked at). The teacher's logits are cached by the first trial, so the
others pay for student training alone. Optuna is an optional extra: pip install 'distilkit[search]'.
"""
from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path

from ..config import RunConfig
from ..errors import DistilkitError
from ..io import PathLock, write_atomic

# Search space per parameter: (config section, field, low, high, log scale[, step]); int bounds suggest integers.
SPACE = {
    "alpha": ("distill", "alpha", 0.0, 1.0, False),
    "temperature": ("distill", "temperature", 1.0, 10.0, True),
    "learning_rate": ("training", "learning_rate", 1e-5, 5e-4, True),
    "gamma": ("loss", "gamma", 0.0, 5.0, False),
    "hidden_weight": ("distill", "hidden_weight", 0.0, 1.0, False),
    "epochs": ("training", "epochs", 1, 10, False),
    # A share of every distill.transfer source's size: 0 trains on the labelled rows alone, 1 on all of each.
    # In quarters: the teacher labels each share's texts once (cached), not once per trial.
    "transfer_share": ("distill", "transfer", 0.0, 1.0, False, 0.25),
}


def _transfer_share(sources: list, share: float) -> list:
    """Each transfer source cut to ``share`` of its size (sources cut to nothing dropped); the same seeds, so a
    smaller share takes a prefix of the larger one's texts."""
    return [dataclasses.replace(s, size=round(s.size * share)) for s in sources if round(s.size * share) >= 1]


APPLY = {"transfer_share": _transfer_share}
"""Parameters whose value is not the field's own: how the suggested value becomes the field's."""


def _optuna():
    try:
        import optuna
    except ImportError:
        raise DistilkitError("--search needs Optuna: pip install 'distilkit[search]' (or pip install optuna)") from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def search(cfg: RunConfig, params: list[str], trials: int) -> dict:
    from ..training import train

    unknown = [p for p in params if p not in SPACE]
    if unknown or not params:
        raise DistilkitError(f"--search: unknown parameter(s) {', '.join(unknown) or '(none given)'}; choose from "
                             f"{', '.join(SPACE)}")
    if trials < 1:
        raise DistilkitError("--trials must be >= 1")
    if not cfg.data.validation and not cfg.data.validation_fraction:
        raise DistilkitError("--search scores trials on validation data: set data.validation or data.validation_fraction")
    if "transfer_share" in params and not cfg.distill.transfer:
        raise DistilkitError("--search transfer_share: the recipe has no distill.transfer sources to size: add some "
                             "(docs/distillation.md#transfer-sets) or search other parameters")
    optuna = _optuna()
    out = Path(cfg.training.output_dir)
    metric = cfg.training.metric_for_best_model or "accuracy"
    rows = []

    def objective(trial):
        c = copy.deepcopy(cfg)
        row = {"trial": trial.number}
        for name in params:
            section, field, low, high, log, *step = SPACE[name]
            if isinstance(low, int):
                row[name] = trial.suggest_int(name, low, high, log=log)
            else:
                row[name] = trial.suggest_float(name, low, high, log=log, step=step[0] if step else None)
            value = APPLY[name](getattr(getattr(c, section), field), row[name]) if name in APPLY else row[name]
            # replace(), not setattr(): the section's __post_init__ validates the new value
            setattr(c, section, dataclasses.replace(getattr(c, section), **{field: value}))
        c.data.test = None  # trials never see the test split
        c.data.behaviour_tests = None  # nor the behaviour tests: they document the final model
        c.training.output_dir = str(out / "trials" / f"trial-{trial.number}")
        summary = train(c)
        row[f"validation_{metric}"] = summary["results"]["validation"][metric]
        rows.append(row)
        return row[f"validation_{metric}"]

    direction = "minimize" if metric.endswith("loss") else "maximize"
    # The search's own folder is locked before any trial runs (a second search into it is refused at once);
    # each trial's train() locks its own folder, out/trials/trial-N: another lock, beside that folder.
    with PathLock(out, "--output-dir"):
        study = optuna.create_study(direction=direction, sampler=optuna.samplers.TPESampler(seed=cfg.training.seed))
        study.optimize(objective, n_trials=trials)
        result = {"metric": f"validation_{metric}", "best_trial": study.best_trial.number,
                  "best_params": study.best_params, "best_value": study.best_value, "trials": rows,
                  "best_model": str(out / "trials" / f"trial-{study.best_trial.number}")}
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "search.json", json.dumps(result, indent=2))
        write_atomic(out / "search.md", search_table(result))
    return result


def search_table(result: dict) -> str:
    keys = list(result["trials"][0]) if result["trials"] else []
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in result["trials"]:
        mark = " **(best)**" if row["trial"] == result["best_trial"] else ""
        lines.append("| " + " | ".join(f"{row[k]:.4g}" if isinstance(row[k], float) else str(row[k]) for k in keys)
                     + f" |{mark}")
    return "\n".join(lines) + "\n"
