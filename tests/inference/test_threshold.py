"""The out-of-scope threshold: tuned on validation, stored in distilkit.json, applied by every predictor
and backend, reported with and without it, and refused where there is no out-of-scope label."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from distilkit.cli import main
from tests.conftest import FILLER, NEGATIVE, POSITIVE, one_line_error, tiny_config, write_jsonl


def test_tuning_separates_confident_in_scope_from_unsure_out_of_scope():
    from distilkit.tasks.thresholds import best_threshold, decide

    def tune_threshold(*args, **kwargs):
        return best_threshold(*args, **kwargs)[0]

    rng = np.random.default_rng(0)
    confident = np.full((50, 3), 0.05)
    confident[np.arange(50), rng.integers(1, 3, 50)] = 0.9
    unsure = np.full((50, 3), 0.2)
    unsure[np.arange(50), rng.integers(1, 3, 50)] = 0.6  # out-of-scope rows the model puts in class 1 or 2
    probs = np.vstack([confident, unsure])
    labels = np.concatenate([confident.argmax(1), np.zeros(50, dtype=int)])  # class 0 is out of scope
    threshold = tune_threshold(probs, labels, oos_id=0)
    assert 0.6 < threshold <= 0.9
    assert (decide(probs, 0, threshold) == labels).all()
    assert (decide(probs, 0, None) == probs.argmax(1)).all()
    assert tune_threshold(confident, confident.argmax(1), 0) == 0.0  # nothing out of scope: no threshold


def _rows(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = ("pos", "neg", "oos")[i % 3]
        words = rng.sample(FILLER, 5) + ([rng.choice(POSITIVE)] if label == "pos" else
                                          [rng.choice(NEGATIVE)] if label == "neg" else [])
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "label": label})
    return rows


def train_oos_run(folder, model: str, **data_settings):
    """A toy run with an out-of-scope label (4 epochs): (folder, summary, data files)."""
    from distilkit import train

    data = {name: str(write_jsonl(folder / f"{name}.jsonl", _rows(n, seed)))
            for name, n, seed in (("train", 180, 1), ("validation", 60, 2), ("test", 60, 3))}
    out = folder / "run"
    cfg = tiny_config(model, data, out, sections={"data": {**data, "oos_label": "oos", **data_settings}}, epochs=4)
    return out, train(cfg), data


@pytest.fixture(scope="session")
def oos_run(tmp_path_factory, tiny_distilbert):
    return train_oos_run(tmp_path_factory.mktemp("oos"), tiny_distilbert)


def test_training_tunes_stores_and_reports_the_threshold(oos_run):
    out, summary, _ = oos_run
    settings = json.loads((out / "distilkit.json").read_text())
    assert settings["oos_label"] == "oos" and 0.0 <= settings["oos_threshold"] < 1.0
    assert summary["thresholds"]["oos_threshold"] == settings["oos_threshold"]
    report = json.loads((out / "eval_test.json").read_text())
    assert report["oos_threshold"] == settings["oos_threshold"]
    for metrics in (report["metrics"], report["metrics_without_threshold"]):
        assert {"accuracy", "in_scope_accuracy", "oos_recall"} <= set(metrics)
    assert report["metrics"]["oos_recall"] >= report["metrics_without_threshold"]["oos_recall"]
    card = (out / "README.md").read_text()
    assert "Out-of-scope threshold" in card and "does not apply it" in card


@pytest.mark.parametrize("backend", ["torch", "onnx-int8"])
def test_every_backend_applies_the_stored_threshold(oos_run, backend, tmp_path):
    import shutil

    from distilkit import Classifier, ModelSettings
    from distilkit.tasks.thresholds import softmax

    folder = tmp_path / "model"
    shutil.copytree(oos_run[0], folder)
    settings = ModelSettings.read(folder)
    settings.update(oos_threshold=0.9).write(folder)  # high enough that many rows fall below it
    clf = Classifier(str(folder), backend=backend)
    texts = [r["text"] for r in _rows(30, 9)]
    probs = softmax(clf.logits(texts))
    labels = [p[0]["label"] for p in clf.predict(texts)]
    expected = ["oos" if row.max() < 0.9 else clf.labels[row.argmax()] for row in probs]
    assert labels == expected and "oos" in labels


def test_eval_can_tune_on_validation_and_refuses_without_an_oos_label(oos_run, toy_runs, toy_data, tmp_path, capsys):
    import shutil

    folder = tmp_path / "model"
    shutil.copytree(oos_run[0], folder)
    (folder / "distilkit.json").unlink()  # as a folder trained elsewhere
    assert main(["eval", str(folder), "--data", oos_run[2]["validation"], "--tune-threshold",
                 "--output", str(tmp_path / "v.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert "oos_threshold" in printed and printed["settings_written"].endswith("distilkit.json")
    assert json.loads((folder / "distilkit.json").read_text())["oos_threshold"] == printed["oos_threshold"]
    assert main(["eval", str(toy_runs["bert"][0]), "--data", toy_data["validation"], "--tune-threshold"]) == 2
    err = capsys.readouterr().err
    assert "no out-of-scope label" in err and err.count("\n") == 1


def test_eval_tune_threshold_keeps_what_another_run_recorded_meanwhile(oos_run, tmp_path, monkeypatch, capsys):
    # The tuned threshold goes into distilkit.json as it is when the lock is taken, re-read then: a graph
    # another run recorded while this one evaluated is kept.
    import importlib
    import shutil

    from distilkit import ModelSettings
    from distilkit.inference import BackendFile

    module = importlib.import_module("distilkit.evaluation.evaluate")
    folder = tmp_path / "model"
    shutil.copytree(oos_run[0], folder)
    (folder / "distilkit.json").unlink()  # as a folder trained elsewhere: this run starts from defaults
    evaluate_split = module.evaluate_split

    def meanwhile(predictor, task, split, tune=False):
        report = evaluate_split(predictor, task, split, tune)
        graph = BackendFile("onnx/model.onnx", "0" * 64)
        predictor.settings.update(backends={"onnx": graph}).write(folder)  # another run's export, recorded now
        return report

    monkeypatch.setattr(module, "evaluate_split", meanwhile)
    assert main(["eval", str(folder), "--data", oos_run[2]["validation"], "--tune-threshold"]) == 0
    printed = json.loads(capsys.readouterr().out)
    disk = ModelSettings.read(folder)
    assert disk.oos_threshold == printed["oos_threshold"] and disk.oos_label == "oos"
    assert disk.backends["onnx"].file == "onnx/model.onnx"  # not lost
    assert json.loads((folder / "eval_validation.json").read_text())["oos_threshold"] == printed["oos_threshold"]


def test_a_threshold_needs_an_oos_label_in_the_recipe(tiny_bert, toy_data, tmp_path):
    from distilkit import config_from_dict

    message = one_line_error(config_from_dict, {"model": {"name": tiny_bert}, "data": {**toy_data,
                                                                                      "oos_threshold": 0.5}})
    assert "data.oos_threshold" in message and "oos_label" in message
    assert "not 'tune', 'off'" in one_line_error(config_from_dict, {"data": {"oos_threshold": "high"}})
