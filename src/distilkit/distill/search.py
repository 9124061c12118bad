"""Hyperparameter search for distillation (alpha, temperature, ...) with Optuna, on validation data.

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

# Search space per parameter: (config section, field, low, high, log scale).
SPACE = {
    "alpha": ("distill", "alpha", 0.0, 1.0, False),
    "temperature": ("distill", "temperature", 1.0, 10.0, True),
    "learning_rate": ("training", "learning_rate", 1e-5, 5e-4, True),
    "gamma": ("loss", "gamma", 0.0, 5.0, False),
    "hidden_weight": ("distill", "hidden_weight", 0.0, 1.0, False),
}


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
    optuna = _optuna()
    out = Path(cfg.training.output_dir)
    metric = cfg.training.metric_for_best_model or "accuracy"
    rows = []

    def objective(trial):
        c = copy.deepcopy(cfg)
        row = {"trial": trial.number}
        for name in params:
            section, field, low, high, log = SPACE[name]
            row[name] = trial.suggest_float(name, low, high, log=log)
            # replace(), not setattr(): the section's __post_init__ validates the new value
            setattr(c, section, dataclasses.replace(getattr(c, section), **{field: row[name]}))
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
