"""Classification metrics: accuracy, F1 (macro / weighted), per-class report, confusion matrix,
and the CLINC150 paper's in-scope accuracy and out-of-scope recall."""
from __future__ import annotations

import numpy as np

# scikit-learn is imported where it is used: it takes seconds to import, and the CLI checks arguments
# (through modules that import this one) before any work starts.


def classification_metrics(labels, predictions, names: list[str], oos_label: str | None = None) -> dict:
    """Flat metric dict (numbers only) for training logs, cards and benchmarks."""
    from sklearn.metrics import f1_score

    labels, predictions = np.asarray(labels), np.asarray(predictions)
    ids = list(range(len(names)))
    out = {
        "accuracy": float((labels == predictions).mean()),
        "f1_macro": float(f1_score(labels, predictions, labels=ids, average="macro", zero_division=0)),
        "f1_weighted": float(f1_score(labels, predictions, labels=ids, average="weighted", zero_division=0)),
    }
    if oos_label is not None and oos_label in names:
        oos = names.index(oos_label)
        in_scope = labels != oos
        # Larson et al. 2019: accuracy over in-scope queries, recall over out-of-scope ones.
        out["in_scope_accuracy"] = float((predictions[in_scope] == labels[in_scope]).mean()) if in_scope.any() else 0.0
        out["oos_recall"] = float((predictions[~in_scope] == oos).mean()) if (~in_scope).any() else 0.0
    return out


def per_class_report(labels, predictions, names: list[str]) -> dict:
    from sklearn.metrics import precision_recall_fscore_support

    ids = list(range(len(names)))
    p, r, f, s = precision_recall_fscore_support(labels, predictions, labels=ids, zero_division=0)
    return {name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i, name in enumerate(names)}


def confusion(labels, predictions, n_classes: int) -> list[list[int]]:
    from sklearn.metrics import confusion_matrix

    return confusion_matrix(labels, predictions, labels=list(range(n_classes))).tolist()


def top_confusions(matrix: list[list[int]], names: list[str], k: int = 10) -> list[dict]:
    """The k most frequent (true, predicted) mistakes, most frequent first."""
    cm = np.asarray(matrix)
    pairs = [(int(cm[i, j]), i, j) for i in range(len(names)) for j in range(len(names)) if i != j and cm[i, j]]
    return [{"true": names[i], "predicted": names[j], "count": c} for c, i, j in sorted(pairs, reverse=True)[:k]]
