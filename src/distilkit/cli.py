"""The ``distilkit`` command line, generated from the signatures of the command functions.

Each command is a plain function: parameters without defaults become positional arguments,
keyword-only ones without defaults required ``--flags``, the others ``--flags`` (underscores become dashes), ``bool`` flags are switches, ``list``
parameters take several values, and the docstring's ``Args:`` lines become the help text.
Errors the user can fix (``DistilkitError``) print as one line, with no traceback.
"""
from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import typing

from .errors import DistilkitError

FLAG_NAMES = {"overrides": "--set"}  # a parameter may not be called `set`, the flag may


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
    from .recipe import load_recipe

    cfg = load_recipe(recipe, _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs))
    _report(run_training(cfg, resume=resume))


def run_training(cfg, resume: bool):
    from .training import train as run

    return run(cfg, resume=resume)


def _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs) -> list[str]:
    flags = {"training.output_dir": output_dir, "data.max_train_samples": max_train_samples,
             "data.max_eval_samples": max_eval_samples, "training.epochs": epochs}
    return list(overrides or []) + [f"{k}={v}" for k, v in flags.items() if v is not None]


def _report(summary: dict) -> None:
    if summary:  # empty on the non-main processes of a multi-process run
        print(json.dumps({"output_dir": summary["config"]["training"]["output_dir"], "results": summary["results"],
                          "train_runtime_s": summary["train_runtime_s"]}, indent=2))


def eval(model: str, *, data: str, output: str | None = None, oos_label: str = "auto", text_column: str = "text",
         text_pair_column: str | None = None, label_column: str = "label", label_names: list[str] | None = None,
         batch_size: int = 64, max_eval_samples: int | None = None, backend: str | None = None,
         threads: int | None = None, tune_threshold: bool = False, zero_shot: bool = False,
         labels: str | None = None, hypothesis_template: str | None = None):
    """Evaluate a trained model on labelled data: a classifier (metrics JSON and confusion-matrix PNG), an
    extractive QA model (SQuAD exact match and F1, and a file of wrong answers), or an NLI model as a
    zero-shot classifier (--zero-shot --labels ...).

    Args:
        model: Model folder (or hub id) of a text classifier or an extractive QA model.
        data: Labelled data: a file, FILE::split, or hub:NAME::split.
        output: JSON file for the results (default: MODEL/eval_<data name>.json); the PNG goes beside it.
        oos_label: Out-of-scope label for in-scope accuracy and OOS recall ('auto': 'oos' if the model has it).
        text_column: Column holding the text.
        text_pair_column: Column holding the second text of a pair.
        label_column: Column holding the gold label.
        label_names: Names for integer labels 0..k-1 in the data.
        batch_size: Examples per batch.
        max_eval_samples: Evaluate on a seeded random sample of N rows.
        backend: torch, torch-bf16, onnx or onnx-int8 (default: the folder's own; torch for trained folders).
        threads: CPU threads for the backend.
        tune_threshold: Pick the out-of-scope threshold on DATA (validation data, never test) and store it in the
            folder's distilkit.json.
        zero_shot: Run MODEL (an NLI model) as a zero-shot classifier over --labels.
        labels: With --zero-shot: the data's label names, comma-separated, each optionally NAME=WORDS for the hypothesis.
        hypothesis_template: With --zero-shot: the hypothesis, '{}' marks the label (default 'This example is {}.').
    """
    from .evaluation import evaluate

    report = evaluate(model, data, output, None if oos_label == "none" else oos_label, text_column,
                      text_pair_column, label_column, label_names, batch_size, max_eval_samples=max_eval_samples,
                      backend=backend, threads=threads, tune_threshold=tune_threshold, zero_shot=zero_shot,
                      labels=_split_labels(labels), hypothesis_template=hypothesis_template)
    shown = {k: report[k] for k in ("oos_threshold", "metrics_without_threshold", "settings_written") if k in report}
    print(json.dumps({"data": data, "backend": report["backend"], "examples": report["examples"],
                      "metrics": report["metrics"], **shown}, indent=2))


def predict(model: str, texts: list[str] | None = None, file: str | None = None, output: str | None = None,
            text_column: str = "text", text_pair_column: str | None = None, top_k: int = 1, batch_size: int = 64,
            on_empty: str = "error", backend: str | None = None, threads: int | None = None):
    """Classify texts given on the command line, or every row of a file (JSON Lines out).

    Args:
        model: Model folder (or hub id) of a text classifier.
        texts: Texts to classify.
        file: Input file (jsonl, csv, tsv, txt, json, parquet) for batch mode.
        output: Output JSON Lines file for batch mode (default: predictions.jsonl).
        text_column: Column holding the text in batch mode.
        text_pair_column: Column holding the second text of a pair in batch mode.
        top_k: Labels returned per text, best first.
        batch_size: Examples per batch.
        on_empty: What an empty text in a file does: 'error' or 'skip' (counted).
        backend: torch, torch-bf16, onnx or onnx-int8 (default: the folder's own; torch for trained folders).
        threads: CPU threads for the backend.
    """
    from .inference import load_predictor

    if not texts and not file:
        raise DistilkitError("predict: give texts to classify or --file FILE")
    if on_empty not in ("error", "skip"):
        raise DistilkitError(f"--on-empty: '{on_empty}' is not one of: error, skip")
    clf = load_predictor(model, backend, task="text-classification", batch_size=batch_size, threads=threads)
    if texts:
        for text, preds in zip(texts, clf.predict(texts, top_k=top_k)):
            print(json.dumps({"text": text, "predictions": preds}, ensure_ascii=False))
    if file:
        counts = clf.predict_file(file, output or "predictions.jsonl", text_column, text_pair_column, top_k,
                                  on_empty=on_empty)
        print(json.dumps({"output": output or "predictions.jsonl", **counts}))


def zero_shot(model: str, texts: list[str] | None = None, labels: str | None = None, file: str | None = None,
              output: str | None = None, text_column: str = "text", labels_column: str | None = None,
              hypothesis_template: str = "This example is {}.", multi_label: bool = False, logits: bool = False,
              batch_size: int = 64, on_empty: str = "error", backend: str | None = None, threads: int | None = None):
    """Classify texts into any labels with an NLI model (zero-shot, through entailment); or every row of a file.

    Args:
        model: An NLI model folder (ours, or any transformers one with entailment/contradiction labels).
        texts: Texts to classify.
        labels: Candidate labels, comma-separated (a,b,c); NAME=WORDS puts WORDS in the hypothesis.
        file: Input file (jsonl, csv, tsv, txt, json, parquet) for batch mode.
        output: Output JSON Lines file for batch mode (default: zero_shot.jsonl).
        text_column: Column holding the text in batch mode.
        labels_column: Column holding each row's own label set (a list or 'a,b,c') in batch mode.
        hypothesis_template: The hypothesis; '{}' marks where the label goes.
        multi_label: Score each label on its own (entailment against contradiction) instead of one softmax over all.
        logits: Batch mode: also write each row's entailment logits in label order (a distill.teacher_logits file).
        batch_size: (text, label) pairs per batch.
        on_empty: What an empty text in a file does: 'error' or 'skip' (counted).
        backend: torch, torch-bf16, onnx or onnx-int8 (default: the folder's own).
        threads: CPU threads for the backend.
    """
    from .tasks.entailment import check_template, parse_labels

    if not texts and not file:
        raise DistilkitError("zero-shot: give texts to classify or --file FILE")
    if on_empty not in ("error", "skip"):
        raise DistilkitError(f"--on-empty: '{on_empty}' is not one of: error, skip")
    if not labels and not (file and labels_column):
        raise DistilkitError("zero-shot: no labels: pass --labels a,b,c (or, with --file, --labels-column)")
    check_template(hypothesis_template)
    if labels:
        parse_labels(_split_labels(labels))
    from .inference import load_predictor

    zsc = load_predictor(model, backend, task="zero-shot-classification", labels=_split_labels(labels),
                         hypothesis_template=hypothesis_template, multi_label=multi_label, batch_size=batch_size,
                         threads=threads)
    if texts:
        for result in zsc.predict(texts):
            print(json.dumps(result, ensure_ascii=False))
    if file:
        counts = zsc.predict_file(file, output or "zero_shot.jsonl", text_column, labels_column, on_empty=on_empty,
                                  logits=logits)
        print(json.dumps({"output": output or "zero_shot.jsonl", **counts}))


def _split_labels(labels: str | None) -> list[str] | None:
    """'--labels a,b,c' -> [a, b, c]; empty entries stay, so that parse_labels names them."""
    return None if labels is None else [part.strip() for part in labels.split(",")]


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
    from .recipe import load_recipe

    cfg = load_recipe(recipe, _flag_overrides(overrides, output_dir, max_train_samples, max_eval_samples, epochs))
    if not cfg.distill.enabled:
        raise DistilkitError(f"{recipe}: no teacher: set distill.teacher (or distill.teacher_logits), "
                             "or use `distilkit train` for plain fine-tuning")
    if search:
        from .distill.search import search as run_search

        result = run_search(cfg, [p.strip() for p in search.split(",") if p.strip()], trials)
        print(json.dumps({k: result[k] for k in ("metric", "best_params", "best_value", "best_model")}, indent=2))
        return
    _report(run_training(cfg, resume=resume))


def qa(model: str, question: str | None = None, context: str | None = None, file: str | None = None,
       output: str | None = None, top_k: int = 1, batch_size: int = 32, max_length: int | None = None,
       doc_stride: int | None = None, max_answer_length: int | None = None, question_column: str = "question",
       context_column: str = "context", backend: str | None = None, threads: int | None = None):
    """Answer questions from contexts with any extractive QA model folder (ours or any other).

    Args:
        model: Model folder (or hub id) with a question-answering head (BERT, DistilBERT, RoBERTa...).
        question: The question (with --context).
        context: The text holding the answer.
        file: Batch mode: JSON Lines / csv / SQuAD-style rows with question and context columns.
        output: Output JSON Lines file for batch mode (default: answers.jsonl).
        top_k: Answers per question, best first.
        batch_size: Windows per batch.
        max_length: Tokens per window (default: the training setting, else 384 as the transformers pipeline).
        doc_stride: Tokens shared by consecutive windows of a long context (default: training's, else 128).
        max_answer_length: Longest answer in tokens (default: training's, else 15 as the pipeline).
        question_column: Column holding the question in batch mode.
        context_column: Column holding the context in batch mode.
        backend: torch, torch-bf16, onnx or onnx-int8 (default: the folder's own; ONNX graphs go in MODEL/onnx/).
        threads: CPU threads for the backend.
    """
    from .inference import load_predictor

    if not file and not (question and context):
        raise DistilkitError("qa: give --question and --context, or --file FILE for batch mode")
    answerer = load_predictor(model, backend, task="question-answering", batch_size=batch_size, max_length=max_length,
                              doc_stride=doc_stride, max_answer_length=max_answer_length, threads=threads)
    if question and context:
        found = answerer.predict([question], [context], top_k)[0]
        print(json.dumps({"question": question, "answers": found}, ensure_ascii=False))
    if file:
        counts = answerer.predict_file(file, output or "answers.jsonl", question_column, context_column, top_k)
        print(json.dumps({"output": output or "answers.jsonl", **counts}))


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
    from .data.qa import check_files

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
    from .data.clinic import make_clinic_data as make

    print(json.dumps(make(output_dir, train, validation, test, seed), indent=2))


def export(model: str, backend: str = "onnx-int8", output: str | None = None, data: str | None = None,
           calibration_data: str | None = None, max_drop: float = 1.0, force: bool = False, threads: int | None = None,
           samples: int = 1000):
    """Export a model folder for ONNX Runtime (fp32 or int8), verified against the PyTorch model.

    Args:
        model: Trained model folder (text classifier or extractive QA).
        backend: onnx or onnx-int8.
        output: Folder to write (default: MODEL-BACKEND beside the model); must not exist or be empty.
        data: Labelled data (e.g. the validation split) to verify the export on: metric change and agreement.
        calibration_data: Texts (or questions and contexts) for static int8 quantisation; also verifies agreement.
        max_drop: Refuse the export when the metric drops by more than this many points.
        force: Keep the export even when it drops more than --max-drop.
        threads: CPU threads.
        samples: Verify on at most this many rows of the data.
    """
    from .inference.export import export_model

    print(json.dumps(export_model(model, backend, output, data, calibration_data, max_drop, force, threads, samples),
                     indent=2))


def bench(models: list[str], *, data: str, backends: list[str] | None = None, threads: int | None = None,
          output: str = "bench-results", card: bool = False, latency_runs: int = 100, batch_size: int = 32,
          max_eval_samples: int | None = None):
    """Compare models and backends: metric, size, parameters, batch-1 latency, batched throughput.

    Args:
        models: Model folders (trained or exported).
        data: Labelled data to score every model on (e.g. the test split).
        backends: Backends to run each model with (default: torch onnx onnx-int8).
        threads: CPU threads, the same for every backend.
        output: Folder for bench.json, bench.md and bench.png.
        card: Append the table to each model's README.md card.
        latency_runs: Single-input calls timed per row.
        batch_size: Batch size of the throughput measurement.
        max_eval_samples: Score on a seeded random sample of N rows.
    """
    from .benchmark import bench_models, markdown, write_outputs

    backends = backends or ["torch", "onnx", "onnx-int8"]
    result = bench_models(models, data, backends, threads, latency_runs, batch_size, max_eval_samples)
    files = write_outputs(result, output, card, models)
    print(markdown(result))
    print(json.dumps(files, indent=2))


COMMANDS = {"train": train, "distill": distill, "eval": eval, "predict": predict, "zero-shot": zero_shot, "qa": qa,
            "check-qa": check_qa,
            "make-clinic-data": make_clinic_data, "export": export, "bench": bench}


def _arg_help(doc: str) -> dict[str, str]:
    return dict(re.findall(r"^\s+(\w+): (.+)$", doc or "", flags=re.MULTILINE))


def _add_command(sub, name: str, fn) -> None:
    doc = inspect.getdoc(fn) or ""
    parser = sub.add_parser(name, help=doc.splitlines()[0], description=doc.split("\n\n")[0])
    helps, hints = _arg_help(doc), typing.get_type_hints(fn)
    for param in inspect.signature(fn).parameters.values():
        hint = hints.get(param.name, str)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        base = args[0] if args and typing.get_origin(hint) is not list else hint
        is_list = typing.get_origin(base) is list
        kwargs = {"help": helps.get(param.name)}
        if param.default is inspect.Parameter.empty and param.kind is param.KEYWORD_ONLY:
            parser.add_argument("--" + param.name.replace("_", "-"), dest=param.name, required=True, **kwargs)
        elif param.default is inspect.Parameter.empty:
            parser.add_argument(param.name, **({"nargs": "+"} if is_list else {}), **kwargs)
        elif base is bool:
            parser.add_argument(FLAG_NAMES.get(param.name, "--" + param.name.replace("_", "-")),
                                dest=param.name, action="store_true", **kwargs)
        elif is_list and param.name == "texts":  # free positional texts: `predict MODEL "a" "b"`
            parser.add_argument(param.name, nargs="*", default=None, **kwargs)
        else:
            item = typing.get_args(base)[0] if is_list else base
            extra = {"nargs": "+", "action": "extend"} if is_list else {}
            parser.add_argument(FLAG_NAMES.get(param.name, "--" + param.name.replace("_", "-")), dest=param.name,
                                type=item, default=param.default, metavar=param.name.upper(), **extra, **kwargs)
    parser.set_defaults(_fn=fn)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="distilkit", description="Fine-tune, evaluate, document and run compact "
                                     "transformer encoders.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn in COMMANDS.items():
        _add_command(sub, name, fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parsed, extra = parser.parse_known_args(argv)
    args = vars(parsed)
    # Free texts after a flag (`zero-shot MODEL --labels a,b "text"`): argparse gave them to no one.
    if extra and "texts" in args and not any(x.startswith("-") for x in extra):
        args["texts"] = (args["texts"] or []) + extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    fn = args.pop("_fn")
    args.pop("command")
    try:
        fn(**args)
    except DistilkitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: training runs continue from their last checkpoint with --resume", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
