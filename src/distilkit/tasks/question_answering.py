"""Extractive question answering: a span head that points at the answer inside a context.

Same surface as classification (see ``tasks.base``); what differs is that one example becomes one
or more windows (``qa_features``), the loss is the mean of the start and end losses over token
positions, and predictions are decoded back from windows to text spans (``qa_postprocess``)
before SQuAD exact match and F1 are computed (``evaluation.squad``).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ..config import DataConfig, QAConfig, SpanAlignment
from ..data.qa import QASplit, load_qa_split
from ..errors import DistilkitError
from ..io import write_atomic
from ..metrics.calibration import calibration
from ..metrics.squad import apply_null_threshold, best_null_threshold, per_example, squad_metrics
from .base import TaskData
from .qa_features import answer_positions, iter_windows, make_windows
from .qa_postprocess import decode

INPUT_KEYS = ("input_ids", "attention_mask", "token_type_ids")  # what the collator passes to the model
CONFIDENCE = ("the score of the answer given: p(start) x p(end) of a span, or the no-answer probability "
              "p(start=[CLS]) x p(end=[CLS]) where the model answered none; right means exact match")


class QuestionAnsweringTask:
    name = "question-answering"
    pipeline_tag = "question-answering"
    default_metric = "f1"
    metric_scale = 1  # SQuAD metrics are already in percent points
    config_sections = ("model", "loss", "training", "qa")
    supports_distillation = False  # soft labels over spans are not implemented yet

    def __init__(self, data: DataConfig, max_length: int = 384, qa: QAConfig | None = None):
        self.data, self.max_length, self.qa = data, max_length, qa or QAConfig()
        self.unanswerable = False  # SQuAD v2 data: decide "no answer" against a threshold
        self.null_threshold: float | None = None
        self._windows: dict[int, object] = {}

    @classmethod
    def from_config(cls, cfg) -> "QuestionAnsweringTask":
        return cls(cfg.data, cfg.model.max_length, cfg.qa)

    @classmethod
    def for_predictor(cls, predictor, data: DataConfig) -> "QuestionAnsweringTask":
        """A task that scores a model folder with the settings it runs with."""
        s = predictor.settings
        qa = QAConfig(doc_stride=s.doc_stride, max_answer_length=s.max_answer_length or 15, n_best=s.n_best)
        task = cls(data, s.max_length, qa)
        if s.null_threshold is not None:
            task.null_threshold, task.unanswerable = s.null_threshold, True
        return task

    def inference_settings(self) -> dict:
        """What a predictor needs from this task, for distilkit.json."""
        return {"max_length": self.max_length, "doc_stride": self.qa.doc_stride,
                "max_answer_length": self.qa.max_answer_length, "n_best": self.qa.n_best,
                "null_threshold": self.null_threshold if self.unanswerable else None}

    # --- model -------------------------------------------------------------------------------
    @property
    def auto_model(self):
        from transformers import AutoModelForQuestionAnswering

        return AutoModelForQuestionAnswering

    def model_kwargs(self) -> dict:
        return {}

    def metric_names(self) -> list[str]:
        extra = ["has_ans_f1", "no_ans_f1", "has_ans_exact_match", "no_ans_exact_match"] if self.unanswerable else []
        return ["exact_match", "f1", *extra]

    def class_counts(self, dataset) -> list[int] | None:
        return None  # positions are not classes: frequency-weighted losses do not apply

    # --- data ----------------------------------------------------------------------------------
    def load(self, seed: int = 42) -> TaskData:
        cfg = self.data
        if not cfg.train:
            raise DistilkitError("data.train is not set: give a training file in the recipe or with --set data.train=FILE")
        if cfg.validation_fraction:
            raise DistilkitError("data.validation_fraction: question answering needs a separate validation file "
                                 "(questions on one context must not straddle train and validation)")
        train = load_qa_split(cfg.train, cfg, self.qa).subset(cfg.max_train_samples, seed)
        validation = load_qa_split(cfg.validation, cfg, self.qa).subset(cfg.max_eval_samples, seed) \
            if cfg.validation else None
        test = load_qa_split(cfg.test, cfg, self.qa, require_answers=False).subset(cfg.max_eval_samples, seed) \
            if cfg.test else None
        self.unanswerable = any(s is not None and s.has_unanswerable for s in (train, validation))
        notes = [f"{s.source}: {n}" for s in (train, validation, test) if s is not None for n in s.notes]
        return TaskData(train, validation, test, notes)

    def load_eval(self, source: str, extra: bool = False) -> QASplit:
        split = load_qa_split(source, self.data, self.qa, require_answers=False)
        if not extra:  # scoring SQuAD v2 data alone: its no-answer questions decide; a trained run's own data does
            self.unanswerable = self.unanswerable or split.has_unanswerable
        return split.subset(self.data.max_eval_samples, 42)

    @staticmethod
    def _where(split: QASplit):
        """Question i of ``split`` as an error names it: source, row, id."""
        return lambda i: f"{split.source}: {split.rows[i]} (id {split.ids[i]})"

    def windows(self, split: QASplit, tokenizer):
        return make_windows(tokenizer, split.questions, split.contexts, self.max_length, self.qa.doc_stride,
                            self._where(split))

    def preprocess(self, split: QASplit, tokenizer, notes: list[str] | None = None, training: bool = False):
        import datasets

        if training:
            return self._training_windows(split, tokenizer, notes)
        windows = self.windows(split, tokenizer)
        self._windows[id(split)] = windows  # kept to decode this split's evaluation predictions
        columns = dict(windows.encoding)
        columns["length"] = [len(ids) for ids in windows.encoding["input_ids"]]
        if split.answers is not None:
            columns["start_positions"], columns["end_positions"] = answer_positions(windows, split.answers)
        self._note_windows(notes, split, len(windows))
        return datasets.Dataset.from_dict(columns, features=self._features(columns))

    def _training_windows(self, split: QASplit, tokenizer, notes: list[str] | None):
        """The training windows, featurised chunk by chunk (``qa_features.chunks``) into compact Arrow columns: a
        chunk's encodings, token offsets and word ids live for that chunk only, so peak memory follows the chunk,
        not the corpus. The rows and their order are those of featurising the whole split at once; the negative
        windows kept are the same (one random stream)."""
        import datasets

        rng, parts, total, negatives, kept = np.random.default_rng(0), [], 0, 0, 0
        for first, last, windows in iter_windows(tokenizer, split.questions, split.contexts, self.max_length,
                                           self.qa.doc_stride, self._where(split)):
            columns = dict(windows.encoding)
            columns["length"] = [len(ids) for ids in windows.encoding["input_ids"]]
            answers = split.answers[first:last]
            columns["start_positions"], columns["end_positions"] = answer_positions(windows, answers)
            total += len(windows)
            if self.qa.negative_windows < 1.0:  # long documents would otherwise be mostly "no answer here"
                positive = np.asarray(columns["start_positions"]) > 0
                keep = positive | (rng.random(len(positive)) < self.qa.negative_windows)
                negatives, kept = negatives + int((~positive).sum()), kept + int(keep.sum() - positive.sum())
                columns = {k: [v for v, ok in zip(values, keep) if ok] for k, values in columns.items()}
            del windows
            parts.append(datasets.Dataset.from_dict(columns, features=self._features(columns)))
        if notes is not None and self.qa.negative_windows < 1.0:
            notes.append(f"{split.source}: kept {kept} of {negatives} training windows without the answer "
                         f"(qa.negative_windows={self.qa.negative_windows})")
        self._note_windows(notes, split, total)
        return datasets.concatenate_datasets(parts)

    def _note_windows(self, notes: list[str] | None, split: QASplit, windows: int) -> None:
        if notes is not None and windows > len(split):
            notes.append(f"{split.source}: {len(split)} questions became {windows} windows of at most "
                         f"{self.max_length} tokens (doc_stride {self.qa.doc_stride})")

    @staticmethod
    def _features(columns: dict):
        """Compact Arrow types: token ids in int32, masks in int8 (int64 lists by default: 4-8x the bytes)."""
        import datasets

        small = {"attention_mask": "int8", "token_type_ids": "int8"}
        return datasets.Features({k: datasets.Sequence(datasets.Value(small.get(k, "int32"))) if k in INPUT_KEYS
                                  else datasets.Value("int32") for k in columns})

    def collator(self, tokenizer):
        return _Collator(tokenizer)

    # --- training and evaluation -------------------------------------------------------------
    def compute_loss(self, model, inputs: dict, loss_fn):
        outputs = model(**{k: v for k, v in inputs.items() if k in INPUT_KEYS})
        # Start and end are two classifications over token positions; any registry loss applies.
        loss = (loss_fn(outputs.start_logits, inputs["start_positions"])
                + loss_fn(outputs.end_logits, inputs["end_positions"])) / 2
        return loss, outputs

    def decode(self, windows, starts, ends, split: QASplit, top_k: int = 1) -> list[dict]:
        return decode(windows, starts, ends, split.contexts, top_k, self.qa.n_best, self.qa.max_answer_length,
                      self.qa.span_alignment is SpanAlignment.WORDS)

    def score(self, split: QASplit, decoded: list[dict], tune_threshold: bool) -> tuple[dict, dict]:
        """SQuAD metrics of decoded answers and the predictions scored; for v2 data the no-answer
        threshold is picked on this split when ``tune_threshold`` (validation), else the stored one."""
        if len(set(split.ids)) < len(split.ids):  # scores are per id: a repeat would be scored once, silently
            seen: set[str] = set()
            again = next(i for i in split.ids if i in seen or seen.add(i))
            raise DistilkitError(f"{split.source}: the id {again!r} is used twice: question ids must differ in "
                                 "every split scored (and between validation sets joined to choose a threshold)")
        spans = {i: (d["answers"][0]["answer"] if d["answers"] else "") for i, d in zip(split.ids, decoded)}
        refs = {i: a["text"] for i, a in zip(split.ids, split.answers)}
        if not self.unanswerable:
            return squad_metrics(spans, refs), spans
        diff = {i: d["null_score"] - (d["answers"][0]["score"] if d["answers"] else 0.0)
                for i, d in zip(split.ids, decoded)}
        fixed = self.qa.null_threshold if isinstance(self.qa.null_threshold, float) else None
        if tune_threshold and fixed is None:
            self.null_threshold, _ = best_null_threshold(spans, diff, refs)
        # No threshold tuned yet (v2 data without a validation split): "no answer" must beat the best span.
        threshold = fixed if fixed is not None else (self.null_threshold if self.null_threshold is not None else 0.0)
        chosen = apply_null_threshold(spans, diff, threshold)
        return {**squad_metrics(chosen, refs), "null_threshold": float(threshold)}, chosen

    def trainer_metrics(self, split: QASplit, dataset):
        """``compute_metrics`` for Trainer's per-epoch evaluation of the validation windows."""
        windows = self._windows[id(split)]

        def compute(prediction) -> dict:
            starts, ends = prediction.predictions[:2]
            metrics, _ = self.score(split, self.decode(windows, starts, ends, split), tune_threshold=True)
            return {k: round(float(v), 4) for k, v in metrics.items() if not k.endswith("total")}
        return compute

    def labelled(self, split) -> bool:
        return split is not None and split.answers is not None

    def report(self, outputs: dict, split: QASplit, tune: bool = False) -> dict:
        """The full report on one split from a predictor's decoded answers: metrics and a row per question."""
        decoded = outputs["decoded"]
        metrics, predictions = self.score(split, decoded, tune)
        scores = {i: self.confidence(d, predictions[i]) for i, d in zip(split.ids, decoded)}
        refs = {i: a["text"] for i, a in zip(split.ids, split.answers)}
        rows = per_example(predictions, refs, scores)
        for row, question in zip(rows, split.questions):
            row["question"] = question
        calibrated = calibration([r["score"] for r in rows], [r["exact_match"] for r in rows])
        return {"metrics": {k: round(float(v), 4) for k, v in metrics.items() if not k.endswith("total")},
                "source": split.source, "examples": len(split), "windows": outputs["windows"], "errors": rows,
                "calibration": {**calibrated, "confidence": CONFIDENCE}, "validation": split.report}

    def confidence(self, decoded: dict, prediction: str) -> float:
        """How sure the model is of the answer it gave: p(start) * p(end) of its span (at most 1: a text found in
        several windows sums its scores), or the no-answer probability where it answered none."""
        if prediction == "" and self.unanswerable:
            return min(float(decoded["null_score"]), 1.0)
        return min(float(decoded["answers"][0]["score"]), 1.0) if decoded["answers"] else 0.0

    def write_report(self, report: dict, json_path: Path, image_path=None) -> list[str]:
        """The metrics as JSON, every wrong or partial answer in <json stem>_errors.jsonl beside it, and the
        reliability diagram of the answers' confidence in <json stem>_reliability.png (its name is returned, and
        kept in the report's calibration as "image")."""
        from ..plots import reliability_diagram

        json_path = Path(json_path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        rows = report["errors"]
        wrong = sorted((r for r in rows if r["exact_match"] < 1), key=lambda r: r["f1"])
        images = []
        if report.get("calibration"):
            image = json_path.with_name(f"{json_path.stem}_reliability.png")
            reliability_diagram(report["calibration"], image, f"Reliability: {Path(report['source']).name}")
            report["calibration"]["image"] = image.name
            images.append(image.name)
        summary = {k: v for k, v in report.items() if k != "errors"}
        write_atomic(json_path, json.dumps({**summary, "wrong": len(wrong)}, indent=2))
        write_atomic(json_path.with_name(f"{json_path.stem}_errors.jsonl"),
                     "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in wrong))
        return images

    # --- cards and users -----------------------------------------------------------------------
    def summary_fields(self) -> dict:
        return {"labels": [], "qa": {"unanswerable": self.unanswerable, "null_threshold": self.null_threshold}}

    def card_text(self, model_name: str) -> dict:
        return {"what": "extractive question answering (the answer is a span of the given context)",
                "usage": ("```python\nfrom distilkit import QuestionAnswerer\nqa = QuestionAnswerer(\""
                          f"{model_name}\")\nqa.predict([\"your question\"], [\"the context holding the answer\"], "
                          "top_k=3)\n```\n\nor `distilkit qa " f"{model_name} --question \"...\" --context \"...\"`. "
                          "The folder loads with `AutoModelForQuestionAnswering`."),
                "limits": (f"Contexts longer than `model.max_length` ({self.max_length}) tokens are read in "
                           f"overlapping windows (stride {self.qa.doc_stride}); answers longer than "
                           f"{self.qa.max_answer_length} tokens are never predicted."),
                "extra": ("Exact match and F1 are SQuAD's (official normalisation), in percent. Every wrong or "
                          "partial answer (question, gold answers, prediction, score) is in "
                          "`eval_<split>_errors.jsonl`.")}


class _Collator:
    """Pads the model inputs per batch; stacks start/end positions; drops 'length'."""

    def __init__(self, tokenizer):
        from transformers import DataCollatorWithPadding

        self.pad = DataCollatorWithPadding(tokenizer)

    def __call__(self, features):
        import torch

        batch = self.pad([{k: f[k] for k in INPUT_KEYS if k in f} for f in features])
        for key in ("start_positions", "end_positions"):
            if key in features[0]:
                batch[key] = torch.tensor([f[key] for f in features], dtype=torch.long)
        return batch
