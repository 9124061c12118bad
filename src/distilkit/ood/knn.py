"""Distance to the k-th nearest training example, on unit-length features (Sun et al. 2022, "Out-of-Distribution
Detection with Deep Nearest Neighbors"): no assumption that an intent's features form one Gaussian blob.

The training features are kept (float16, in-scope rows only): for CLINC150's 15,000 rows and 384-wide MiniLM
features, 11.5 MB beside the model.
"""
from __future__ import annotations

import numpy as np

from .base import Detector, in_scope_rows

K = 10
"""Neighbours; Sun et al. use k = 50 for 50,000 training images, about 0.1% of them: 10 is that share of 15,000."""


def unit(x) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


class KNN(Detector):
    name = "knn"
    needs_features = True
    summary = f"cosine similarity to the {K}th nearest in-scope training example"

    def fit(self, features, labels, oos_id):
        x, _ = in_scope_rows(features, labels, oos_id)
        self.bank = unit(x).astype(np.float16)
        return self

    def scores(self, logits, features=None) -> np.ndarray:
        bank, k = self.bank.astype(np.float32), min(K, len(self.bank))
        out = []
        for start in range(0, len(features), 1024):  # bounded memory: 1,024 x bank similarities at a time
            sims = unit(features[start:start + 1024]) @ bank.T
            out.append(-np.partition(-sims, k - 1, axis=-1)[:, k - 1])
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)

    def state(self):
        return {"bank": self.bank}

    def load_state(self, state):
        self.bank = state["bank"]
        return self
