"""Evaluate a model on labelled data: metrics, per-class report, confusion matrix (JSON + PNG)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..config import DataConfig
from ..errors import DistilkitError
from ..inference import predict_logits
from ..models import load_model, load_tokenizer
from .plots import confusion_matrix_plot


def report_split(model, tokenizer, task, split, batch_size: int = 64) -> dict | None:
    """The task's full report on a TextSplit, plus the cross-entropy loss; None if unlabelled."""
    if split is None or split.labels is None:
        return None
    labels = np.asarray(task.labels.encode(split))
    logits = predict_logits(model, tokenizer, split.texts, split.pairs, batch_size, task.max_length, progress=True)
    report = task.report(logits, labels)
    loss = torch.nn.functional.cross_entropy(torch.as_tensor(logits), torch.as_tensor(labels)).item()
    report["metrics"] = {"loss": round(loss, 6), **report["metrics"]}
    report.update(source=split.source, examples=len(split))
    return report


def write_report(report: dict, json_path: Path, plot_path: Path | None) -> None:
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(report, indent=2), encoding="utf-8")
    if plot_path is not None:
        confusion_matrix_plot(report["confusion_matrix"], report["labels"], plot_path,
                              f"Confusion matrix: {Path(report['source']).name}")


def evaluate_splits(model, tokenizer, task, splits: dict, out: Path) -> dict:
    """After training: evaluate the (best) model on each labelled split, validation first (a task
    may tune a decision threshold there, e.g. SQuAD v2's no-answer threshold, and apply it to test).
    Runs on the main process only, with a plain inference loop (Trainer.predict would wait for the
    other DDP ranks)."""
    results = {}
    for name, split in splits.items():
        report = task.evaluate_split(model, tokenizer, split, tune_threshold=name == "validation")
        if report is not None:
            report["images"] = task.write_report(report, out, name)
            results[name] = report
    return results


def is_qa_model(model_dir: str) -> bool:
    from transformers import AutoConfig

    from ..models import resolve_model

    try:
        config = AutoConfig.from_pretrained(resolve_model(model_dir))
    except (OSError, ValueError):
        return False  # load_model reports the problem with its one-line error
    return any(a.endswith("ForQuestionAnswering") for a in config.architectures or [])


def evaluate_qa(model_dir: str, data: str, output: str | None = None, batch_size: int = 64,
                max_eval_samples: int | None = None, qa=None) -> dict:
    """Evaluate an extractive QA folder (ours or any other) on SQuAD-style data: EM/F1 and an errors file."""
    from ..config import QAConfig
    from ..qa import QuestionAnswerer
    from ..tasks import QuestionAnsweringTask

    answerer = QuestionAnswerer(model_dir, batch_size)
    settings = qa or QAConfig(doc_stride=answerer.doc_stride, max_answer_length=answerer.max_answer_length)
    task = QuestionAnsweringTask(DataConfig(max_eval_samples=max_eval_samples), answerer.max_length, settings)
    split = task.load_eval(data)
    if answerer.null_threshold is not None:
        task.null_threshold, task.unanswerable = answerer.null_threshold, True
    report = task.evaluate_split(answerer.model, answerer.tokenizer, split, batch_size)
    if report is None:
        raise DistilkitError(f"{data} has no answers to score against: use `distilkit qa --file` for unlabelled "
                             "questions, or set --answers-column")
    json_path = Path(output) if output else Path(model_dir) / f"eval_{Path(data.split('::')[0]).stem}.json"
    task.write_report(report, json_path.parent, json_path.stem.removeprefix("eval_"))
    return report


def evaluate(model_dir: str, data: str, output: str | None = None, oos_label: str | None = "auto",
             text_column: str = "text", text_pair_column: str | None = None, label_column: str = "label",
             label_names: list[str] | None = None, batch_size: int = 64, max_length: int | None = None,
             max_eval_samples: int | None = None) -> dict:
    """Evaluate a trained model folder on a labelled data source (classifier, or extractive QA)."""
    from ..tasks import ClassificationTask

    if is_qa_model(model_dir):
        return evaluate_qa(model_dir, data, output, batch_size, max_eval_samples)

    model = load_model(__import__("transformers").AutoModelForSequenceClassification, model_dir)
    tokenizer = load_tokenizer(model_dir)
    names = list(model.config.id2label.values())
    oos = ("oos" if "oos" in names else None) if oos_label == "auto" else oos_label
    cfg = DataConfig(text_column=text_column, text_pair_column=text_pair_column, label_column=label_column,
                     label_names=label_names, oos_label=oos, max_eval_samples=max_eval_samples)
    task = ClassificationTask.for_model(model, cfg, max_length or tokenizer.model_max_length)
    split = task.load_eval(data)
    report = report_split(model, tokenizer, task, split, batch_size)
    if report is None:
        raise DistilkitError(f"{data} has no '{label_column}' column, so there is nothing to score: "
                             "use `distilkit predict` for unlabelled data, or set --label-column")
    json_path = Path(output) if output else Path(model_dir) / f"eval_{Path(data.split('::')[0]).stem}.json"
    write_report(report, json_path, json_path.with_suffix(".png"))
    return report
