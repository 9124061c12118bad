"""The out-of-scope detector contract.

A detector turns a classifier's outputs into one *in-scope score* per text: higher means more like
the training intents. A text whose score is below the threshold chosen on validation answers the
out-of-scope label. Max-softmax (Hendrycks & Gimpel 2017) reads only the logits; the others also read
the *features*, the vector the classifier head's last linear layer receives (the pooled [CLS] for
BERT-family models), and keep what they learned from the training set in ``ood.safetensors``.

Pure numpy: the task (evaluation, tuning) and the classifier predictor (every backend) score alike.
"""
from __future__ import annotations

from typing import ClassVar

import numpy as np

STATE_FILE = "ood.safetensors"


def softmax(logits) -> np.ndarray:
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def sigmoid(logits) -> np.ndarray:
    """Per-label probabilities from logits, in the logits' own dtype."""
    return 1.0 / (1.0 + np.exp(-logits))


class Detector:
    name: ClassVar[str]
    """The registry key, stored in distilkit.json as ``oos_detector``."""
    needs_features: ClassVar[bool] = False
    """True when scoring needs the features output as well as the logits (and a fit on training data)."""
    summary: ClassVar[str]
    """One line for the card: what the score is."""
    probability: ClassVar[bool] = False
    """True when the score is the top class probability (its threshold is a probability, in [0, 1])."""

    def fit(self, features: np.ndarray, labels: np.ndarray, oos_id: int | None) -> "Detector":
        """Learn from the training set's features and labels (rows of the out-of-scope label are left out:
        they are what the score should set apart). Detectors on logits alone learn nothing."""
        return self

    def scores(self, logits: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """One in-scope score per row; higher is more in scope."""
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """What ``fit`` learned, as named arrays (saved with safetensors, never pickled)."""
        return {}

    def load_state(self, state: dict[str, np.ndarray]) -> "Detector":
        return self


def in_scope_rows(features: np.ndarray, labels: np.ndarray, oos_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    keep = np.ones(len(labels), dtype=bool) if oos_id is None else np.asarray(labels) != oos_id
    return np.asarray(features, dtype=np.float64)[keep], np.asarray(labels)[keep]
