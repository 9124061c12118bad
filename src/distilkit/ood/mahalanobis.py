"""Mahalanobis distance to the nearest intent (Lee et al. 2018), on the classifier head's input features.

One mean per in-scope class and one covariance shared by all of them, from the training set; the score is
minus the smallest squared distance. On CLINC150 it beats max-softmax clearly for fine-tuned transformers
(Podolskiy et al. 2021, "Revisiting Mahalanobis Distance for Transformer-Based Out-of-Domain Detection").
"""
from __future__ import annotations

import numpy as np

from .base import Detector, in_scope_rows


class Mahalanobis(Detector):
    name = "mahalanobis"
    needs_features = True
    summary = "minus the Mahalanobis distance to the nearest intent's mean (shared covariance, training set)"

    def fit(self, features, labels, oos_id):
        x, y = in_scope_rows(features, labels, oos_id)
        classes = np.unique(y)
        means = np.stack([x[y == c].mean(0) for c in classes])
        centred = x - means[np.searchsorted(classes, y)]
        covariance = centred.T @ centred / len(x)
        # The pseudo-inverse: features of a tanh pooler or a small training set can leave the covariance singular.
        self.means, self.precision = means.astype(np.float32), np.linalg.pinv(covariance).astype(np.float32)
        return self

    def scores(self, logits, features=None) -> np.ndarray:
        x = np.asarray(features, dtype=np.float64)
        p, m = self.precision.astype(np.float64), self.means.astype(np.float64)
        # (x - m)^T P (x - m) for every row and mean at once: x P x - 2 x P m + m P m
        xp = x @ p
        distances = (xp * x).sum(-1, keepdims=True) - 2 * xp @ m.T + ((m @ p) * m).sum(-1)[None, :]
        return (-distances.min(-1)).astype(np.float32)

    def state(self):
        return {"means": self.means, "precision": self.precision}

    def load_state(self, state):
        self.means, self.precision = state["means"], state["precision"]
        return self
