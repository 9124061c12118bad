"""Text (and text-pair) classification: sentiment, emotion, intent, NLI-style pairs."""
from __future__ import annotations

import numpy as np

from ..config import DataConfig
from ..data import LabelSpace, TextSplit, load_split
from ..errors import DistilkitError
from ..ood import AUTO, DEFAULT, DETECTORS, needs_features
from ..metrics.classification import classification_metrics, confusion, per_class_report, top_confusions
from .base import TaskData
from .entailment import is_nli
from .thresholds import choose_detector, decide, detector_scores, softmax, split_outputs


def _holdout(split: TextSplit, fraction: float, seed: int) -> tuple[TextSplit, TextSplit]:
    """Stratified, seeded hold-out of a fraction of train as validation data."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(split))
    try:
        keep, held = train_test_split(idx, test_size=fraction, random_state=seed, stratify=split.labels)
    except ValueError:  # a class too rare to stratify: fall back to a plain random split
        keep, held = train_test_split(idx, test_size=fraction, random_state=seed)

    def take(ix, what):
        ix = sorted(ix)
        pick = lambda xs: None if xs is None else [xs[i] for i in ix]  # noqa: E731
        note = (f"validation: {len(ix)} rows held out from train (seed {seed})" if what == "validation"
                else f"train: {len(ix)} rows left after holding out validation")
        return TextSplit(f"{split.source} ({what})", pick(split.texts), pick(split.pairs), pick(split.labels),
                         pick(split.rows), notes=(split.notes if what == "train" else []) + [note])
    return take(keep, "train"), take(held, "validation")


class ClassificationTask:
    name = "text-classification"
    pipeline_tag = "text-classification"
    default_metric = "accuracy"
    metric_scale = 100  # metrics are fractions; x 100 gives points
    config_sections = ("model", "loss", "training")
    supports_distillation = True

    def __init__(self, data: DataConfig, max_length: int = 128, labels: LabelSpace | None = None):
        self.data = data
        self.max_length = max_length
        self.labels = labels
        # A fixed threshold from the config; 'tune' fills it in on validation (report(..., tune=True)).
        self.oos_threshold: float | None = data.oos_threshold if isinstance(data.oos_threshold, float) else None
        self.detector = None
        """The out-of-scope detector the threshold applies to (distilkit.ood); None: the top probability."""
        self.candidates: dict = {}
        """Detectors fitted on the training set (fit_detectors), among which ``tune`` chooses."""
        self.detector_values: dict = {}
        """Validation objective of each detector tried, for the card."""

    @classmethod
    def from_config(cls, cfg) -> "ClassificationTask":
        return cls(cfg.data, cfg.model.max_length)

    # --- model -------------------------------------------------------------------------------
    @property
    def auto_model(self):
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def model_kwargs(self) -> dict:
        return {"num_labels": len(self.labels.names), "id2label": self.labels.id2label,
                "label2id": self.labels.label2id}

    @classmethod
    def for_predictor(cls, predictor, data: DataConfig) -> "ClassificationTask":
        """A task whose label space and threshold are the trained model's own (for evaluating a folder)."""
        settings = predictor.settings
        if data.oos_label is None and settings.oos_label:
            data.oos_label = settings.oos_label
        if data.oos_label is not None and data.oos_label not in predictor.labels:
            raise DistilkitError(f"--oos-label: '{data.oos_label}' is not a label of this model (labels: "
                                 f"{', '.join(predictor.labels[:10])}...): give one of its labels, or 'none'")
        task = cls(data, settings.max_length, LabelSpace(predictor.labels))
        if task.oos_threshold is None and data.oos_label == settings.oos_label and settings.oos_threshold is not None:
            task.oos_threshold, task.detector = settings.oos_threshold, predictor.detector
            task.candidates = {task.detector.name: task.detector}  # --tune-threshold re-tunes the folder's own
        return task

    def inference_settings(self) -> dict:
        """What a predictor needs from this task, for distilkit.json. Before ``tune`` chose a detector, the one
        the config names (so the predictor that scores validation also returns features when it needs them)."""
        detector = self.detector.name if self.detector else (
            self.data.oos_detector.value if self.wants_features() else None)
        return {"max_length": self.max_length, "oos_label": self.data.oos_label, "oos_threshold": self.oos_threshold,
                "oos_detector": detector}

    def wants_features(self) -> bool:
        """True when choosing the out-of-scope rule needs the training set's features (fit_detectors)."""
        return (self.data.oos_threshold == "tune" and self.data.oos_label is not None
                and needs_features(self.data.oos_detector.value))

    def fit_detectors(self, outputs, split) -> None:
        """Fit the detectors the config names ('auto': all of them) on the training split's outputs."""
        _, features = split_outputs(outputs)
        labels = np.asarray(self.labels.encode(split))
        names = list(DETECTORS) if self.data.oos_detector.value == AUTO else [self.data.oos_detector.value]
        self.candidates = {n: DETECTORS[n]().fit(features, labels, self._oos_id) for n in names}

    def metric_names(self) -> list[str]:
        n = len(self.labels.names)
        return list(self.metrics(np.eye(n), np.arange(n)))

    def class_counts(self, dataset) -> list[int]:
        return self.labels.counts(dataset["labels"])

    # --- data ----------------------------------------------------------------------------------
    def load(self, seed: int = 42) -> TaskData:
        cfg = self.data
        if not cfg.train:
            raise DistilkitError("data.train is not set: give a training file in the recipe or with --set data.train=FILE")
        train = load_split(cfg.train, cfg)
        validation = load_split(cfg.validation, cfg) if cfg.validation else None
        if validation is None and cfg.validation_fraction:
            train, validation = _holdout(train, cfg.validation_fraction, seed)
        test = load_split(cfg.test, cfg, require_label=False) if cfg.test else None
        train = train.subset(cfg.max_train_samples, seed)
        validation = validation.subset(cfg.max_eval_samples, seed) if validation else None
        test = test.subset(cfg.max_eval_samples, seed) if test else None
        self.labels = LabelSpace.from_split(train, cfg.label_names)
        for split in (train, validation, test):  # unknown labels fail now, not after training
            if split is not None and split.labels is not None:
                self.labels.encode(split)
        notes = [f"{s.source}: {n}" for s in (train, validation, test) if s is not None for n in s.notes]
        return TaskData(train, validation, test, notes)

    def load_eval(self, source: str, extra: bool = False) -> TextSplit:
        split = load_split(source, self.data, require_label=False)
        if split.labels is not None:
            self.labels.encode(split)
        return split.subset(self.data.max_eval_samples, 42)

    def preprocess(self, split: TextSplit, tokenizer, notes: list[str] | None = None, training: bool = False):
        """Tokenize without padding (the collator pads per batch) and record lengths for grouping."""
        import datasets

        enc = tokenizer(split.texts, split.pairs, truncation=True, max_length=self.max_length)
        columns = {k: enc[k] for k in enc.keys()}
        columns["length"] = [len(ids) for ids in enc["input_ids"]]
        truncated = self._count_truncated(split, tokenizer, columns["length"])
        if truncated and notes is not None:
            notes.append(f"{split.source}: {truncated} of {len(split)} texts truncated to {self.max_length} tokens")
        if split.labels is not None:
            columns["labels"] = self.labels.encode(split)
        return datasets.Dataset.from_dict(columns)

    def _count_truncated(self, split: TextSplit, tokenizer, lengths: list[int]) -> int:
        full = [i for i, n in enumerate(lengths) if n >= self.max_length]
        if not full:
            return 0
        pairs = [split.pairs[i] for i in full] if split.pairs else None
        untruncated = tokenizer([split.texts[i] for i in full], pairs)["input_ids"]
        return sum(len(ids) > self.max_length for ids in untruncated)

    def collator(self, tokenizer):
        from transformers import DataCollatorWithPadding

        return _Collator(DataCollatorWithPadding(tokenizer))

    # --- training and evaluation -------------------------------------------------------------
    def compute_loss(self, model, inputs: dict, loss_fn):
        inputs = dict(inputs)
        labels = inputs.pop("labels")
        targets = {k: inputs.pop(k) for k in [k for k in inputs if k.startswith("teacher_")]}
        import torch

        # Hidden states feed only the training loss; evaluation (no grad) scores the hard loss.
        if getattr(loss_fn, "needs_hidden_states", False) and torch.is_grad_enabled():
            outputs = model(**inputs, output_hidden_states=True)
            targets["hidden_states"] = outputs.hidden_states
        else:
            outputs = model(**inputs)
        if getattr(loss_fn, "needs_inputs", False):
            targets["inputs"] = inputs
        return loss_fn(outputs.logits, labels, **targets), outputs

    def metrics(self, logits, labels) -> dict:
        """Metrics of the plain argmax (training's per-epoch evaluation, teachers)."""
        return classification_metrics(labels, np.asarray(logits).argmax(-1), self.labels.names, self.data.oos_label)

    def labelled(self, split) -> bool:
        return split is not None and split.labels is not None

    @property
    def _oos_id(self) -> int | None:
        label = self.data.oos_label
        return self.labels.names.index(label) if label in self.labels.names else None

    def tune(self, outputs, labels) -> None:
        """Pick the out-of-scope detector and its threshold on these (validation) rows, if the config asks."""
        if self.data.oos_threshold == "tune" and self._oos_id is not None:
            if self.wants_features() and not self.candidates:
                raise DistilkitError(f"data.oos_detector {self.data.oos_detector.value}: nothing was fitted on the "
                                     "training set: give the training data to fit it on (--fit-data TRAIN)")
            candidates = self.candidates or {DEFAULT: DETECTORS[DEFAULT]()}
            self.detector, self.oos_threshold, self.detector_values = choose_detector(
                candidates, outputs, labels, self._oos_id, self.data.oos_objective.value)

    def report(self, outputs, split, tune: bool = False) -> dict:
        """Everything evaluation writes: flat metrics (threshold applied, and without it), per-class
        scores, confusion matrix, and the loss. ``outputs``: logits, or {"logits", "features"}."""
        import torch

        labels = np.asarray(self.labels.encode(split))
        if tune:
            self.tune(outputs, labels)
        logits, features = split_outputs(outputs)
        probs = softmax(logits)
        scores = detector_scores(self.detector, logits, features) if self.oos_threshold is not None else None
        predictions = decide(probs, self._oos_id, self.oos_threshold, scores)
        names = self.labels.names
        matrix = confusion(labels, predictions, len(names))
        loss = torch.nn.functional.cross_entropy(torch.as_tensor(logits), torch.as_tensor(labels)).item()
        report = {"metrics": {"loss": round(loss, 6), **classification_metrics(labels, predictions, names,
                                                                               self.data.oos_label)},
                  "per_class": per_class_report(labels, predictions, names),
                  "top_confusions": top_confusions(matrix, names), "confusion_matrix": matrix, "labels": names,
                  "source": split.source, "examples": len(split)}
        if self.oos_threshold is not None:
            report["oos_threshold"] = self.oos_threshold
            report["oos_detector"] = self.detector.name if self.detector else DEFAULT
            report["metrics_without_threshold"] = self.metrics(logits, labels)
        return report

    def trainer_metrics(self, split, dataset):
        """``compute_metrics`` for Trainer's per-epoch evaluation."""
        return lambda p: self.metrics(p.predictions, p.label_ids)

    def write_report(self, report: dict, json_path, image_path=None) -> list[str]:
        """The report as JSON and its confusion matrix as PNG (``image_path``, default beside the JSON)."""
        import json
        from pathlib import Path

        from ..io import write_atomic
        from ..plots import confusion_matrix_plot

        json_path = Path(json_path)
        json_path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(json_path, json.dumps(report, indent=2))
        image = Path(image_path) if image_path else json_path.with_suffix(".png")
        confusion_matrix_plot(report["confusion_matrix"], report["labels"], image,
                              f"Confusion matrix: {Path(report['source']).name}")
        return [image.name]

    def summary_fields(self) -> dict:
        thresholds = {"oos_label": self.data.oos_label, "oos_threshold": self.oos_threshold,
                      "objective": self.data.oos_objective.value,
                      "detector": (self.detector or DETECTORS[DEFAULT]).name,
                      "detector_summary": (self.detector or DETECTORS[DEFAULT]).summary,
                      "validation_by_detector": self.detector_values} if self.oos_threshold is not None else {}
        return {"labels": self.labels.names, "thresholds": thresholds}

    def card_text(self, model_name: str) -> dict:
        n = len(self.labels.names)
        if is_nli(self.labels.names):  # an NLI model: what people use it for is zero-shot classification
            labels = ", ".join(self.labels.names)
            other = [x for x in self.labels.names if not x.lower().startswith("entail")][0]
            two_way = (" (a two-way head, as Laurer et al.'s universal classifiers: zero-shot scores entailment "
                       f"against {other})") if n == 2 else ""
            return {"what": f"natural language inference (premise, hypothesis -> {labels}), and zero-shot "
                            f"classification through entailment{two_way}",
                    "usage": ("```python\nfrom distilkit import ZeroShotClassifier\nzsc = ZeroShotClassifier("
                              f"\"{model_name}\", labels=[\"sports\", \"politics\", \"tech\"])\n"
                              "zsc.predict([\"the match went to extra time\"])\n```\n\nor `distilkit zero-shot "
                              f"{model_name} --labels sports,politics,tech \"the match went to extra time\"`; "
                              "transformers' `pipeline(\"zero-shot-classification\", model=...)` finds the "
                              "entailment label in config.json too (same answers, slower)."),
                    "extra": "Per-class precision, recall and F1 are in `eval_<split>.json`."}
        return {"what": f"text classification over {n} labels",
                "usage": ("```python\nfrom transformers import pipeline\nclassifier = pipeline(\"text-classification\", "
                          f"model=\"{model_name}\")\nclassifier(\"your text here\", top_k=3)\n```\n\n"
                          f"or `distilkit predict {model_name} \"your text here\" --top-k 3`."),
                "extra": "Per-class precision, recall and F1 are in `eval_<split>.json`."}


class _Collator:
    """Pads the token fields, drops 'length' (only the length-grouped sampler needs it) and stacks
    fixed-size targets such as 'teacher_logits', which the tokenizer must not try to pad."""

    def __init__(self, collate):
        self.collate = collate

    def __call__(self, features):
        import torch

        targets = [k for k in features[0] if k.startswith("teacher_")]
        batch = self.collate([{k: v for k, v in f.items() if k != "length" and k not in targets} for f in features])
        for key in targets:
            batch[key] = torch.tensor([f[key] for f in features], dtype=torch.float)
        return batch
