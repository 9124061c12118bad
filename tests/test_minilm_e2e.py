"""The real offline base model (all-MiniLM-L6-v2) end to end on a few hundred emotion rows,
through the shipped recipe: train, evaluate, card, reload with transformers."""
from __future__ import annotations

import json

import pytest

from distilkit import Classifier, load_recipe, train
from tests.conftest import ROOT, SHARED

pytestmark = [pytest.mark.slow, pytest.mark.longest]


@pytest.mark.skipif(not (SHARED / "emotion").is_dir(), reason="needs ../shared/data")
def test_emotion_recipe_on_a_few_hundred_rows(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)  # recipes name ../shared/data relative to the repository root
    cfg = load_recipe(ROOT / "recipes" / "emotion.yaml", [
        f"training.output_dir={tmp_path}", "data.max_train_samples=480", "data.max_eval_samples=300",
        "training.epochs=3", "training.logging_steps=5"])
    summary = train(cfg)
    val = json.loads((tmp_path / "eval_validation.json").read_text())
    counts = [row["support"] for row in val["per_class"].values()]
    majority = max(counts) / sum(counts)  # accuracy of always predicting the most common emotion
    assert summary["results"]["validation"]["accuracy"] > majority + 0.05
    assert summary["loss_curve"][-1][1] < summary["loss_curve"][0][1]
    assert summary["labels"] == ["anger", "fear", "joy", "love", "sadness", "surprise"]
    # The recipe says precision: auto: what ran, and why, is recorded (bf16 on a CPU that runs it natively and
    # faster, fp32 elsewhere), and the default backend follows the bf16 check.
    ran = summary["precision"]
    assert ran["asked"] == "auto" and ran["ran"] in ("bf16", "fp32") and ran["why"].startswith(ran["ran"])
    # The recipe says training.onnx_graph: the real model's fp32 graph, scored against PyTorch on validation, makes
    # `auto` the default, which runs the graph for one-off calls only.
    graph = ran["onnx_check"]
    assert graph["ok"] and graph["agreement"] == 1.0 and graph["examples"] == 300, graph
    assert ran["default_backend"] == "auto"
    assert Classifier(str(tmp_path), one_off=True).backend_name == "auto -> onnx"
    clf = Classifier(str(tmp_path), backend="torch")  # fp32: the reference the ONNX graphs are compared with
    assert clf.labels == summary["labels"]
    assert len(clf.predict(["i feel wonderful and loved"], top_k=6)[0]) == 6
    # The real model on the ONNX backends: fp32 gives the same labels, int8 nearly all of them.
    from distilkit.data import load_split

    texts = load_split(cfg.data.validation, cfg.data).texts[:120]
    expected = clf.logits(texts)
    for backend, floor in (("onnx", 1.0), ("onnx-int8", 0.95)):
        other = Classifier(str(tmp_path), backend=backend)
        assert other.compare(expected, other.logits(texts))["agreement"] >= floor, backend


@pytest.mark.skipif(not (SHARED / "snli").is_dir(), reason="needs ../shared/data")
def test_nli_recipe_on_a_few_hundred_pairs_then_zero_shot(tmp_path, monkeypatch):
    """The NLI recipe's settings on the real model with a few hundred pairs (two sources joined, RTE's
    not_entailment dropped by the label map), tested on SNLI test pairs it never saw; then the folder as a
    zero-shot classifier, on the fp32 ONNX backend too."""
    from distilkit import ZeroShotClassifier

    monkeypatch.chdir(ROOT)
    cfg = load_recipe(ROOT / "recipes" / "nli.yaml", [
        f"training.output_dir={tmp_path}", "data.train=[../shared/data/snli/dev.jsonl,../shared/data/rte/train.jsonl]",
        "data.test=../shared/data/snli/test.jsonl", "data.max_train_samples=640", "data.max_eval_samples=200",
        "training.epochs=3", "training.learning_rate=2e-4", "model.freeze=none", "training.logging_steps=5",
        "model.max_length=64"])  # a few hundred pairs want a higher rate than the recipe's 30k (0.585 when written)
    summary = train(cfg)
    assert summary["labels"] == ["contradiction", "entailment", "neutral"]
    assert summary["loss_curve"][-1][1] < summary["loss_curve"][0][1]
    assert summary["results"]["test"]["accuracy"] > 0.45  # SNLI test is balanced: chance is ~0.33
    texts = ["i love this so much", "the government passed a new tax law", "our team won the final"]
    labels = ["happiness", "politics", "sports"]
    reference = ZeroShotClassifier(str(tmp_path), labels=labels).predict(texts)
    for backend, floor in (("onnx", 1.0),):  # int8 on the real model: the emotion test above
        other = ZeroShotClassifier(str(tmp_path), labels=labels, backend=backend).predict(texts)
        assert sum(a["labels"][0] == b["labels"][0] for a, b in zip(reference, other)) / 3 >= floor, backend
