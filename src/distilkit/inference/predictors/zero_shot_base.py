"""What every zero-shot method shares: candidate labels and the hypothesis template, a label set per text, the
pipeline's output, evaluation over the default candidates, batch files and the metadata written with them.

A method is a predictor that mixes ``ZeroShotBase`` in before its model class and scores texts against label
sets in ``label_scores``; ``predictors.METHODS`` maps each method's name to it ('nli': ``ZeroShotClassifier``,
'embedding': ``EmbeddingZeroShot``), and 'auto' takes the first that fits a model.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

from ...errors import DistilkitError
from ...tasks.entailment import DEFAULT_TEMPLATE, check_template, parse_labels
from .base import as_array

NO_LABELS = "no candidate labels: pass labels=[...] (CLI: --labels a,b,c)"
Scored = list[tuple[np.ndarray, np.ndarray]]
"""Per text, (scores, logits) of each label of its set."""


class ZeroShotBase:
    """Mixed in before the predictor class of a zero-shot method."""

    task = "zero-shot-classification"
    report_task = "text-classification"
    command = "zero-shot"
    method: ClassVar[str]

    def __init__(self, model: str, backend: str | None = None, labels=None,
                 hypothesis_template: str = DEFAULT_TEMPLATE, multi_label: bool = False, **kwargs):
        self.template = check_template(hypothesis_template)
        self.candidates = self.label_set(labels) if labels is not None else None
        self.multi_label = multi_label
        super().__init__(model, backend, **kwargs)

    @property
    def labels(self) -> list[str]:
        """The default candidate labels (what evaluation scores against)."""
        if self.candidates is None:
            raise DistilkitError(NO_LABELS)
        return list(self.candidates)

    @classmethod
    def label_set(cls, labels, where: str = "labels") -> dict[str, str]:
        """{name: words for the hypothesis} from a list ('name' or 'name=words') or a dict; checked."""
        return parse_labels(labels, where)

    def passes_per_text(self, labels: int) -> int:
        """Forward passes one text costs against ``labels`` labels (servers weigh batches by it)."""
        return labels

    def _label_sets(self, texts: list[str], labels) -> list[dict[str, str]]:
        if labels is None:
            if self.candidates is None:
                raise DistilkitError(NO_LABELS)
            return [self.candidates] * len(texts)
        if isinstance(labels, (list, tuple)) and labels and all(isinstance(x, (list, tuple, dict)) for x in labels):
            if len(labels) != len(texts):
                raise DistilkitError(f"labels: {len(labels)} label sets for {len(texts)} texts: give one per text")
            return [self.label_set(x, f"labels of text {i + 1}") for i, x in enumerate(labels)]
        return [self.label_set(labels)] * len(texts)

    def label_scores(self, texts: list[str], labels=None, multi_label: bool | None = None,
                     hypothesis_template: str | None = None, progress: bool = False) -> Scored:
        """Per text, (scores, logits) for each label of its set, in the set's order: the scores the output shows,
        and the values whose softmax is the single-label score (evaluation and teacher files use them)."""
        raise NotImplementedError

    def predict(self, texts: list[str], labels=None, multi_label: bool | None = None,
                progress: bool = False, hypothesis_template: str | None = None) -> list[dict]:
        """Per text {"sequence", "labels", "scores"}, labels best first (the transformers pipeline's output)."""
        sets = self._label_sets(texts, labels)
        out = []
        for text, names, (scores, _) in zip(texts, sets, self.label_scores(texts, sets, multi_label,
                                                                          hypothesis_template, progress)):
            order = np.argsort(-scores, kind="stable")
            names = list(names)
            out.append({"sequence": text, "labels": [names[i] for i in order],
                        "scores": [round(float(scores[i]), 6) for i in order]})
        return out

    def calibrate(self, rows, labels=None, multi_label: bool | None = None, hypothesis_template: str | None = None,
                  source: str | None = None):
        """Fit the scores to a few labelled rows (see ``inference.calibration``)."""
        raise DistilkitError(f"the {self.method} method has no calibration: drop --calibrate, or use --method "
                             "embedding")

    def metadata(self) -> dict:
        """How the predictions were made: written with batch outputs and evaluation reports."""
        return {"method": self.method, "labels": self.candidates, "hypothesis_template": self.template,
                "multi_label": self.multi_label, "model": str(self.folder), "backend": self.backend_name}

    # --- evaluation and benchmarks: single-label over the default candidates --------------------------
    def outputs(self, split, progress: bool = True) -> np.ndarray:
        """[texts, labels] values whose softmax is the single-label score, so the classification report scores
        them as a classifier's logits."""
        rows = self.label_scores(split.texts, None, False, None, progress)
        return as_array([logits for _, logits in rows], len(self.labels))

    def items(self, split) -> list:
        return list(split.texts)

    def call(self, items: list) -> list[dict]:
        return self.predict(items)

    def predict_file(self, source: str, output: str, text_column: str = "text", labels_column: str | None = None,
                     chunk_size: int = 256, on_empty: str = "error", logits: bool = False) -> dict:
        """Stream ``source`` to JSON Lines (or Parquet) at ``output``; ``labels_column`` gives a label set per row."""
        from ..files import zero_shot_file

        return zero_shot_file(self, source, output, text_column, labels_column, chunk_size, on_empty, logits)
