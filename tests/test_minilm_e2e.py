"""The real offline base model (all-MiniLM-L6-v2) end to end on a few hundred emotion rows,
through the shipped recipe: train, evaluate, card, reload with transformers."""
from __future__ import annotations

import json

import pytest

from distilkit import Classifier, load_recipe, train
from tests.conftest import ROOT, SHARED

pytestmark = pytest.mark.slow


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
    clf = Classifier(str(tmp_path))
    assert clf.labels == summary["labels"]
    assert len(clf.predict(["i feel wonderful and loved"], top_k=6)[0]) == 6
    # The real model on the ONNX backends: fp32 gives the same labels, int8 nearly all of them.
    from distilkit.data import load_split

    texts = load_split(cfg.data.validation, cfg.data).texts[:120]
    expected = clf.logits(texts)
    for backend, floor in (("onnx", 1.0), ("onnx-int8", 0.95)):
        other = Classifier(str(tmp_path), backend=backend)
        assert other.compare(expected, other.logits(texts))["agreement"] >= floor, backend
