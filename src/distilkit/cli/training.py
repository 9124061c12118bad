"""Commands that make models: train, distill, and the data helpers around them (check-qa, make-clinic-data)."""
from __future__ import annotations

import json

from ..errors import DistilkitError


def train(recipe: str, overrides: list[str] | None = None, output_dir: str | None = None,
          max_train_samples: int | None = None, max_eval_samples: int | None = None,
          epochs: float | None = None, resume: bool = False):
    """Fine-tune a model from a YAML recipe; writes the model folder, its card and evaluations.

    Args:
        recipe: YAML recipe, e.g. recipes/emotion.yaml.
        overrides: KEY=VALUE settings that override the recipe, e.g. training.learning_rate=1e-4.
        output_dir: Where the model folder goes (training.output_dir).
        max_train_samples: Train on a seeded random sample of N rows.
        max_eval_samples: Evaluate on a seeded random sample of N rows.
        epochs: Number of epochs (training.epochs).
        resume: Continue the run in output_dir from its last checkpoint (after a crash or kill).
    """
    from ..recipe import load_recipe

    cfg = load_recipe(recipe, _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs))
    _report(run_training(cfg, resume=resume))


def run_training(cfg, resume: bool):
    from ..training import train as run

    return run(cfg, resume=resume)


def _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs) -> list[str]:
    flags = {"training.output_dir": output_dir, "data.max_train_samples": max_train_samples,
             "data.max_eval_samples": max_eval_samples, "training.epochs": epochs}
    return list(overrides or []) + [f"{k}={v}" for k, v in flags.items() if v is not None]


def _report(summary: dict) -> None:
    if summary:  # empty on the non-main processes of a multi-process run
        print(json.dumps({"output_dir": summary["config"]["training"]["output_dir"], "results": summary["results"],
                          "train_runtime_s": summary["train_runtime_s"]}, indent=2))


def distill(recipe: str, overrides: list[str] | None = None, output_dir: str | None = None,
            max_train_samples: int | None = None, max_eval_samples: int | None = None, epochs: float | None = None,
            resume: bool = False, search: str | None = None, trials: int = 10):
    """Train a student from a teacher (a recipe with a distill section); optionally search its settings.

    Args:
        recipe: YAML recipe with a distill section, e.g. recipes/clinc-distill.yaml.
        overrides: KEY=VALUE settings that override the recipe, e.g. distill.alpha=0.7.
        output_dir: Where the student folder goes (training.output_dir).
        max_train_samples: Train on a seeded random sample of N rows.
        max_eval_samples: Evaluate on a seeded random sample of N rows.
        epochs: Number of epochs (training.epochs).
        resume: Continue the run in output_dir from its last checkpoint.
        search: Comma-separated settings to search with Optuna on validation data, e.g. alpha,temperature.
        trials: Number of search trials.
    """
    from ..recipe import load_recipe

    cfg = load_recipe(recipe, _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs))
    if not cfg.distill.enabled:
        raise DistilkitError(f"{recipe}: no teacher: set distill.teacher (or distill.teacher_logits), "
                             "or use `distilkit train` for plain fine-tuning")
    if search:
        from ..distill.search import search as run_search

        result = run_search(cfg, [p.strip() for p in search.split(",") if p.strip()], trials)
        print(json.dumps({k: result[k] for k in ("metric", "best_params", "best_value", "best_model")}, indent=2))
        return
    _report(run_training(cfg, resume=resume))


def check_qa(files: list[str], fix_offsets: bool = False, output: str | None = None,
             question_column: str = "question", context_column: str = "context", answers_column: str = "answers",
             id_column: str = "id"):
    """Validate extractive-QA data before training: per file, count answers that are not at their
    answer_start (fixable or not found), empty questions or contexts, and repeated ids.

    Args:
        files: SQuAD JSON, JSON Lines, parquet files, or hub:NAME::split sources.
        fix_offsets: Move each misplaced answer to its nearest exact occurrence in the context (counted).
        output: With --fix-offsets: write the repaired, usable examples here as JSON Lines.
        question_column: Column holding the question.
        context_column: Column holding the context.
        answers_column: Column holding the answers.
        id_column: Column holding the example id.
    """
    from ..data.qa import check_files

    if output and not fix_offsets:
        raise DistilkitError("check-qa: --output writes repaired data, so it needs --fix-offsets")
    reports = check_files(files, fix_offsets, output, question_column, context_column, answers_column, id_column)
    print(json.dumps(reports, indent=2))


def make_clinic_data(output_dir: str, train: int = 1200, validation: int = 300, test: int = 400, seed: int = 42):
    """Write seeded synthetic ophthalmology clinic notes with questions (train/validation/test JSON Lines).

    Args:
        output_dir: Folder for train.jsonl, validation.jsonl, test.jsonl and a README.
        train: Training questions (seed SEED).
        validation: Validation questions (seed SEED+1000).
        test: Test questions (seed SEED+2000; contexts never seen in train or validation).
        seed: Base seed.
    """
    from ..data.clinic import make_clinic_data as make

    print(json.dumps(make(output_dir, train, validation, test, seed), indent=2))
