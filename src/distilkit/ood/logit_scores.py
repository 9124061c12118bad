"""Detectors that read the logits alone: nothing to fit, nothing stored, the same on every backend."""
from __future__ import annotations

import numpy as np

from .base import Detector, softmax


class MaxSoftmax(Detector):
    """The top class probability (Hendrycks & Gimpel 2017; Larson et al. 2019 on CLINC150): the baseline."""

    name = "max_softmax"
    summary = "the highest class probability"
    probability = True

    def scores(self, logits, features=None) -> np.ndarray:
        return softmax(logits).max(-1)


class Energy(Detector):
    """The negative free energy, T * logsumexp(logits / T) (Liu et al. 2020, T = 1): it keeps the logits' scale,
    which softmax divides away, so a text the head answers weakly on every class scores low even when one class
    wins by a clear margin."""

    name = "energy"
    summary = "logsumexp of the logits (negative free energy, Liu et al. 2020)"

    def scores(self, logits, features=None) -> np.ndarray:
        x = np.asarray(logits, dtype=np.float64)
        top = x.max(-1, keepdims=True)
        return (top[:, 0] + np.log(np.exp(x - top).sum(-1))).astype(np.float32)
