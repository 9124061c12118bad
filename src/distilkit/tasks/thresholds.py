"""The out-of-scope decision threshold of Larson et al. (2019, CLINC150): when the classifier's highest
probability is below a threshold, the answer becomes the out-of-scope label.

Pure numpy on probabilities, shared by the classification task (evaluation, tuning on validation)
and the classifier predictor (every backend), so they decide alike.
"""
from __future__ import annotations

import numpy as np


def softmax(logits) -> np.ndarray:
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(x - x.max(-1, keepdims=True))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


def decide(probs: np.ndarray, oos_id: int | None = None, threshold: float | None = None) -> np.ndarray:
    """argmax, except rows whose top probability is below ``threshold`` go to ``oos_id``."""
    predictions = probs.argmax(-1)
    if oos_id is not None and threshold is not None:
        predictions = np.where(probs.max(-1) < threshold, oos_id, predictions)
    return predictions


def objective_value(predictions: np.ndarray, labels: np.ndarray, oos_id: int, objective: str) -> float:
    """'accuracy': plain accuracy on this split. 'balanced': the mean of in-scope accuracy and
    out-of-scope recall, which does not depend on the share of out-of-scope rows in the split
    (3% of CLINC150's validation split, 18% of its test split)."""
    if objective == "accuracy":
        return float((predictions == labels).mean())
    in_scope = labels != oos_id
    parts = []
    if in_scope.any():
        parts.append(float((predictions[in_scope] == labels[in_scope]).mean()))
    if (~in_scope).any():
        parts.append(float((predictions[~in_scope] == oos_id).mean()))
    return float(np.mean(parts))


def tune_threshold(probs: np.ndarray, labels, oos_id: int, objective: str = "balanced") -> float:
    """The threshold in [0, 1) that maximises ``objective`` on these (validation) rows; the smallest on ties."""
    labels = np.asarray(labels)
    top = probs.max(-1)
    # Candidates: every distinct top probability (each changes the decision of at least one row), thinned.
    candidates = np.unique(np.concatenate([[0.0], np.quantile(top, np.linspace(0, 1, 401))]))
    best, best_value = 0.0, -1.0
    for t in candidates:
        value = objective_value(decide(probs, oos_id, float(t)), labels, oos_id, objective)
        if value > best_value + 1e-12:
            best, best_value = float(t), value
    return round(best, 6)
