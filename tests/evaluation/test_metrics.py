"""Classification metrics, including CLINC150's in-scope accuracy and out-of-scope recall."""
import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from distilkit.metrics.classification import classification_metrics, confusion, per_class_report

NAMES = ["a", "b", "c", "d"]


def random_example(seed=0, n=200, k=4):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, k, n)
    # mostly right, sometimes wrong, so scores are neither 0 nor 1
    predictions = np.where(rng.random(n) < 0.6, labels, rng.integers(0, k, n))
    return labels.tolist(), predictions.tolist()


def test_accuracy_and_f1_agree_with_sklearn():
    labels, predictions = random_example()
    out = classification_metrics(labels, predictions, NAMES)
    assert out["accuracy"] == pytest.approx(accuracy_score(labels, predictions))
    assert out["f1_macro"] == pytest.approx(f1_score(labels, predictions, average="macro"))
    assert out["f1_weighted"] == pytest.approx(f1_score(labels, predictions, average="weighted"))
    assert out["f1_macro"] != pytest.approx(out["f1_weighted"])
    assert all(isinstance(v, float) for v in out.values())


def test_macro_f1_counts_a_class_never_seen_or_predicted_as_zero():
    # label ids cover all names, so an unused class lowers macro F1 (one of four classes)
    labels, predictions = [0, 1, 2, 0], [0, 1, 2, 0]
    out = classification_metrics(labels, predictions, NAMES)
    assert out["accuracy"] == 1.0
    assert out["f1_macro"] == pytest.approx(0.75)


def test_no_oos_metrics_without_oos_label():
    labels, predictions = random_example(1)
    out = classification_metrics(labels, predictions, NAMES)
    assert "in_scope_accuracy" not in out and "oos_recall" not in out
    # an oos label that is not among the names adds nothing either
    assert "oos_recall" not in classification_metrics(labels, predictions, NAMES, oos_label="oos")


def test_in_scope_accuracy_and_oos_recall_by_hand():
    names = ["greet", "bye", "oos"]
    labels = [0, 0, 1, 1, 2, 2, 2, 2]
    predictions = [0, 2, 1, 0, 2, 2, 0, 1]
    out = classification_metrics(labels, predictions, names, oos_label="oos")
    # gold in-scope rows 0..3: right on rows 0 and 2 -> 2/4
    assert out["in_scope_accuracy"] == pytest.approx(0.5)
    # gold oos rows 4..7: predicted oos on rows 4 and 5 -> 2/4
    assert out["oos_recall"] == pytest.approx(0.5)
    assert out["accuracy"] == pytest.approx(4 / 8)


def test_oos_metrics_differ_from_accuracy():
    names = ["oos", "x", "y"]  # oos need not be the last label
    labels = [1, 2, 2, 0, 0]
    predictions = [1, 2, 2, 0, 1]
    out = classification_metrics(labels, predictions, names, oos_label="oos")
    assert out["in_scope_accuracy"] == 1.0
    assert out["oos_recall"] == pytest.approx(0.5)
    assert out["accuracy"] == pytest.approx(0.8)


def test_per_class_report_supports_and_values():
    labels = [0, 0, 0, 1, 1, 2]
    predictions = [0, 0, 1, 1, 1, 0]
    report = per_class_report(labels, predictions, ["x", "y", "z"])
    assert list(report) == ["x", "y", "z"]
    assert [report[n]["support"] for n in "xyz"] == [3, 2, 1]
    assert report["x"]["precision"] == pytest.approx(2 / 3) and report["x"]["recall"] == pytest.approx(2 / 3)
    assert report["y"]["precision"] == pytest.approx(2 / 3) and report["y"]["recall"] == 1.0
    assert report["y"]["f1"] == pytest.approx(0.8)
    assert report["z"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_confusion_matrix_shape_and_sum():
    labels, predictions = random_example(2, n=57)
    matrix = confusion(labels, predictions, 5)  # a fifth class that never occurs still gets a row
    assert len(matrix) == 5 and all(len(row) == 5 for row in matrix)
    assert sum(map(sum, matrix)) == 57
    assert matrix[4] == [0] * 5
    assert sum(matrix[i][i] for i in range(5)) == sum(int(a == b) for a, b in zip(labels, predictions))
    # rows are gold labels, columns predictions
    assert confusion([0, 0, 1], [1, 1, 1], 2) == [[0, 2], [0, 1]]
