"""The out-of-scope decision of Larson et al. (2019, CLINC150), generalised to any in-scope score: when a
text's score is below a threshold, the answer becomes the out-of-scope label. The score is the top class
probability unless a detector from ``distilkit.ood`` gives another (energy, Mahalanobis, kNN).

Pure numpy, shared by the classification task (evaluation, tuning on validation) and the classifier
predictor (every backend), so they decide alike.
"""
from __future__ import annotations

import numpy as np

from ..ood import softmax

__all__ = ["softmax", "decide", "objective_value", "best_threshold", "choose_detector",
           "split_outputs", "detector_scores"]


def decide(probs: np.ndarray, oos_id: int | None = None, threshold: float | None = None,
           scores: np.ndarray | None = None) -> np.ndarray:
    """argmax, except rows whose in-scope score (default: the top probability) is below ``threshold`` go to
    ``oos_id``."""
    predictions = probs.argmax(-1)
    if oos_id is not None and threshold is not None:
        scores = probs.max(-1) if scores is None else scores
        predictions = np.where(scores < threshold, oos_id, predictions)
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


def best_threshold(probs: np.ndarray, labels, oos_id: int, objective: str = "balanced",
                   scores: np.ndarray | None = None) -> tuple[float, float]:
    """(threshold, objective value): the threshold on ``scores`` (default: the top probability, thresholds in
    [0, 1)) that maximises ``objective`` on these (validation) rows; the smallest on ties."""
    labels = np.asarray(labels)
    top = probs.max(-1) if scores is None else np.asarray(scores, dtype=np.float64)
    lowest = 0.0 if scores is None else float(top.min())  # a threshold at the lowest score changes nothing
    # Candidates: every distinct score (each changes the decision of at least one row), thinned.
    candidates = np.unique(np.concatenate([[lowest], np.quantile(top, np.linspace(0, 1, 401))]))
    best, best_value = lowest, -1.0
    for t in candidates:
        value = objective_value(decide(probs, oos_id, float(t), top), labels, oos_id, objective)
        if value > best_value + 1e-12:
            best, best_value = float(t), value
    # Probabilities are stored rounded (readable in distilkit.json); other scores exactly, so no row moves side.
    return (round(best, 6) if scores is None else best), best_value


def split_outputs(outputs) -> tuple[np.ndarray, np.ndarray | None]:
    """(logits, features or None) from a classifier's outputs: an array of logits, or {"logits", "features"}."""
    if isinstance(outputs, dict):
        return np.asarray(outputs["logits"]), outputs.get("features")
    return np.asarray(outputs), None


def detector_scores(detector, logits, features) -> np.ndarray | None:
    """The in-scope scores ``decide`` takes: None for a probability detector (decide reads the top probability)."""
    if detector is None or detector.probability:
        return None
    return detector.scores(logits, features)


def choose_detector(candidates: dict, outputs, labels, oos_id: int, objective: str) -> tuple[object, float, dict]:
    """(detector, threshold, {name: objective value}): each candidate's threshold tuned on these (validation)
    rows, and the candidate whose tuned threshold scores best kept; the first of equal ones (registry order)."""
    logits, features = split_outputs(outputs)
    probs, values, best = softmax(logits), {}, None
    for name, detector in candidates.items():
        threshold, value = best_threshold(probs, labels, oos_id, objective, detector_scores(detector, logits, features))
        values[name] = round(value, 6)
        if best is None or value > best[2] + 1e-12:
            best = (detector, threshold, value)
    return best[0], best[1], values
