"""How far a model's confidence can be trusted: plain functions on (confidence, right or wrong) pairs.

- ``reliability_bins``: B equal-width bins over [0, 1] (bin k holds confidences in [k/B, (k+1)/B), the last one
  also 1.0), each with its count, mean confidence and accuracy: the points of a reliability diagram.
- ``expected_calibration_error``: ECE = sum over bins of (n_k / n) * |accuracy_k - confidence_k|, with 10
  equal-width bins, the standard definition (Naeini, Cooper & Hauskrecht, AAAI 2015; Guo et al., ICML 2017). 0 is
  perfect; 0.05 means that, weighted by how many answers each bin holds, confidence and accuracy differ by 5
  points. Empty bins count for nothing.
- ``confidence_levels``: for each level t, the share of answers given with confidence >= t and the accuracy of
  those (selective prediction: withhold answers below t): the table a user picks a threshold from.

Confidences and accuracies are fractions (0-1), not percents.
"""
from __future__ import annotations

import math

from ..errors import DistilkitError

BINS = 10
LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def _checked(confidences: list[float], correct: list[float]) -> list[tuple[float, float]]:
    if len(confidences) != len(correct):
        raise DistilkitError(f"calibration: {len(confidences)} confidences for {len(correct)} outcomes: give one per "
                             "answer")
    if not confidences:
        raise DistilkitError("calibration: no answers to measure: give at least one")
    pairs = []
    for i, (c, ok) in enumerate(zip(confidences, correct)):
        if not isinstance(c, (int, float)) or not math.isfinite(c) or not -1e-6 <= c <= 1 + 1e-6:
            raise DistilkitError(f"calibration: confidence {i + 1} is {c!r}: give probabilities between 0 and 1")
        pairs.append((min(max(float(c), 0.0), 1.0), float(ok)))
    return pairs


def reliability_bins(confidences: list[float], correct: list[float], bins: int = BINS) -> list[dict]:
    """Per equal-width bin: {"low", "high", "count", "confidence" (mean), "accuracy"}; the last two are None for
    an empty bin."""
    if bins < 1:
        raise DistilkitError(f"calibration: {bins} bins: give at least 1")
    groups: list[list[tuple[float, float]]] = [[] for _ in range(bins)]
    for c, ok in _checked(confidences, correct):
        groups[min(int(c * bins), bins - 1)].append((c, ok))
    return [{"low": round(k / bins, 6), "high": round((k + 1) / bins, 6), "count": len(g),
             "confidence": sum(c for c, _ in g) / len(g) if g else None,
             "accuracy": sum(ok for _, ok in g) / len(g) if g else None} for k, g in enumerate(groups)]


def expected_calibration_error(confidences: list[float], correct: list[float], bins: int = BINS) -> float:
    """ECE over ``bins`` equal-width bins (see the module docstring), a fraction in [0, 1]."""
    table = reliability_bins(confidences, correct, bins)
    n = sum(b["count"] for b in table)
    return sum(b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in table if b["count"])


def confidence_levels(confidences: list[float], correct: list[float], levels=LEVELS) -> list[dict]:
    """Per level t: {"threshold": t, "answered": share of answers with confidence >= t, "accuracy": their accuracy
    (None when none is kept)}."""
    pairs = _checked(confidences, correct)
    out = []
    for t in levels:
        kept = [ok for c, ok in pairs if c >= t]
        out.append({"threshold": t, "answered": len(kept) / len(pairs),
                    "accuracy": sum(kept) / len(kept) if kept else None})
    return out


def calibration(confidences: list[float], correct: list[float]) -> dict:
    """ECE, the reliability bins and the confidence levels of one set of answers."""
    return {"ece": expected_calibration_error(confidences, correct), "bins": reliability_bins(confidences, correct),
            "levels": confidence_levels(confidences, correct), "answers": len(confidences)}
