"""Out-of-scope detectors beyond max-softmax (energy, Mahalanobis, kNN): each separates what it should on
synthetic data, is chosen on validation, is stored in the model folder, and is applied alike by training's
evaluation, every backend, an exported folder and `distilkit eval --tune-threshold --oos-detector`."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from distilkit.cli import main
from tests.conftest import one_line_error
from tests.inference.test_threshold import train_oos_run


def _blobs(seed: int = 0, n: int = 60, width: int = 8):
    """Three in-scope classes as tight clusters, and out-of-scope rows (class 0) far from all of them, whose
    logits are as confident as the in-scope rows': only the features tell them apart."""
    centres = np.random.default_rng(0).normal(0, 4, (4, width))  # the same intents in every split
    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(4), n)
    features = centres[labels] + rng.normal(0, 0.3, (4 * n, width))
    features[labels == 0] = rng.normal(0, 4, ((labels == 0).sum(), width))  # anywhere, near no intent
    logits = np.full((4 * n, 4), -2.0)
    logits[np.arange(4 * n), np.where(labels == 0, rng.integers(1, 4, 4 * n), labels)] = 3.0
    return features.astype(np.float32), logits.astype(np.float32), labels


def test_feature_detectors_see_what_max_softmax_cannot():
    from distilkit.ood import DETECTORS
    from distilkit.tasks.thresholds import choose_detector

    features, logits, labels = _blobs(0)
    val_features, val_logits, val_labels = _blobs(1)
    fitted = {name: cls().fit(features, labels, oos_id=0) for name, cls in DETECTORS.items()}
    for name in ("mahalanobis", "knn"):
        scores = fitted[name].scores(val_logits, val_features)
        assert scores[val_labels == 0].max() < scores[val_labels != 0].min(), name  # perfectly separated
    for name in ("max_softmax", "energy"):  # equal logits: no score can separate them
        scores = fitted[name].scores(val_logits, val_features)
        assert np.ptp(scores) < 1e-5, name
    outputs = {"logits": val_logits, "features": val_features}
    detector, threshold, values = choose_detector(fitted, outputs, val_labels, 0, "balanced")
    assert detector.name == "mahalanobis"  # first of the perfect ones in registry order
    assert values["mahalanobis"] == values["knn"] == 1.0 and values["max_softmax"] == 0.5
    scores = detector.scores(val_logits, val_features)
    assert ((scores < threshold) == (val_labels == 0)).all()


def test_energy_keeps_the_scale_softmax_divides_away():
    from distilkit.ood import DETECTORS

    strong, weak = np.array([[8.0, 0.0, 0.0]]), np.array([[1.0, -7.0, -7.0]])  # same softmax, lower energy
    energy, softmax_ = DETECTORS["energy"](), DETECTORS["max_softmax"]()
    assert abs(softmax_.scores(strong)[0] - softmax_.scores(weak)[0]) < 1e-3
    assert energy.scores(strong)[0] > energy.scores(weak)[0] + 6


def test_state_round_trips_through_safetensors_beside_other_detectors(tmp_path):
    from distilkit.ood import DETECTORS, STATE_FILE, load_detector, save_state

    features, logits, labels = _blobs(0)
    maha = DETECTORS["mahalanobis"]().fit(features, labels, 0)
    knn = DETECTORS["knn"]().fit(features, labels, 0)
    save_state(tmp_path, maha)
    save_state(tmp_path, knn)  # kept beside mahalanobis's arrays: a folder still naming it keeps working
    assert save_state(tmp_path, DETECTORS["energy"]()) is None
    assert (tmp_path / STATE_FILE).read_bytes()[:8] != b"\x80\x04\x95"  # not a pickle
    for name, fitted in (("mahalanobis", maha), ("knn", knn)):
        loaded = load_detector(tmp_path, name)
        np.testing.assert_allclose(loaded.scores(logits, features), fitted.scores(logits, features), rtol=1e-3,
                                   atol=1e-2)
    assert "distilkit.json oos_detector: unknown out-of-scope detector 'bogus'" in one_line_error(
        load_detector, tmp_path, "bogus")
    assert "ood.safetensors is missing" in one_line_error(load_detector, tmp_path / "elsewhere", "knn")


@pytest.fixture(scope="module")
def detector_run(tmp_path_factory, tiny_distilbert):
    return train_oos_run(tmp_path_factory.mktemp("ood"), tiny_distilbert, oos_detector="auto")


def test_auto_fits_every_detector_and_stores_the_one_chosen_on_validation(detector_run):
    out, summary, _ = detector_run
    settings = json.loads((out / "distilkit.json").read_text())
    thresholds = summary["thresholds"]
    values = thresholds["validation_by_detector"]
    assert set(values) == {"max_softmax", "energy", "mahalanobis", "knn"}
    assert settings["oos_detector"] == thresholds["detector"] and values[thresholds["detector"]] == max(values.values())
    assert settings["oos_threshold"] == thresholds["oos_threshold"]
    report = json.loads((out / "eval_test.json").read_text())
    assert report["oos_detector"] == settings["oos_detector"]
    card = (out / "README.md").read_text()
    assert f"detector: `{thresholds['detector']}`" in card and "Out-of-scope detectors tried" in card
    assert all(f"{name} {value:.4f}" in card for name, value in values.items())


def _forced(out, tmp_path, detector: str):
    """A copy of the run whose stored detector is ``detector``, refitted through `distilkit eval`."""
    folder = tmp_path / detector
    shutil.copytree(out, folder)
    return folder


def test_eval_refits_a_detector_and_every_backend_and_export_apply_it(detector_run, tmp_path, capsys):
    from distilkit import Classifier
    from distilkit.tasks import get_task
    from distilkit.config import DataConfig

    out, _, data = detector_run
    detector = "mahalanobis"  # kNN goes the same way (auto fits it in training; its state round-trips above)
    folder = _forced(out, tmp_path, detector)
    assert main(["eval", str(folder), "--data", data["validation"], "--tune-threshold", "--oos-detector", detector,
          "--fit-data", data["train"], "--output", str(tmp_path / "val.json")]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["oos_detector"] == detector and set(shown["validation_by_detector"]) == {detector}
    settings = json.loads((folder / "distilkit.json").read_text())
    assert settings["oos_detector"] == detector and settings["oos_threshold"] == shown["oos_threshold"]
    assert (folder / "ood.safetensors").is_file()

    # Training-style evaluation (the task's decisions) and each backend's predict() agree row by row.
    torch_clf = Classifier(str(folder))
    task = get_task("text-classification").for_predictor(torch_clf, DataConfig())
    split = task.load_eval(data["test"])
    expected = task.report(torch_clf.outputs(split), split)
    answers = {}
    for backend in ("torch", "onnx", "onnx-int8"):
        clf = Classifier(str(folder), backend=backend)
        answers[backend] = [p[0]["label"] for p in clf.predict(split.texts)]
    assert answers["torch"] == answers["onnx"]
    torch_accuracy = np.mean([a == b for a, b in zip(answers["torch"], split.labels)])
    assert abs(torch_accuracy - expected["metrics"]["accuracy"]) < 1e-9
    assert np.mean([a == b for a, b in zip(answers["torch"], answers["onnx-int8"])]) >= 0.9
    # The rule applied is the detector's: out of scope exactly where its score (on the features) is below the
    # stored threshold or the argmax is already the out-of-scope label.
    outputs = torch_clf.forward(split.texts)
    scores = torch_clf.detector.scores(outputs["logits"], outputs["features"])
    argmax_oos = outputs["logits"].argmax(-1) == torch_clf.labels.index("oos")
    assert [a == "oos" for a in answers["torch"]] == list((scores < settings["oos_threshold"]) | argmax_oos)

    exported = tmp_path / f"{detector}-int8"
    assert main(["export", str(folder), "--backend", "onnx-int8", "--output", str(exported), "--data",
                 data["validation"]]) == 0
    capsys.readouterr()
    assert (exported / "ood.safetensors").is_file()
    assert [p[0]["label"] for p in Classifier(str(exported)).predict(split.texts)] == answers["onnx-int8"]


def test_bad_detector_requests_are_one_line_errors(detector_run, tiny_distilbert, tmp_path, capsys):
    from distilkit import config_from_dict

    out, _, data = detector_run
    cases = [
        (["eval", str(out), "--data", data["validation"], "--tune-threshold", "--oos-detector", "bogus",
          "--fit-data", data["train"]], "--oos-detector: unknown out-of-scope detector 'bogus'"),
        (["eval", str(out), "--data", data["validation"], "--tune-threshold", "--oos-detector", "knn"],
         "give the training data with --fit-data TRAIN"),
        (["eval", str(out), "--data", data["validation"], "--oos-detector", "knn", "--fit-data", data["train"]],
         "add --tune-threshold"),
        (["eval", str(out), "--data", data["validation"], "--fit-data", data["train"]], "give --oos-detector"),
        (["eval", tiny_distilbert, "--data", data["validation"], "--tune-threshold", "--oos-detector",
          "energy"], "was not trained with an out-of-scope label"),
    ]
    before = (out / "distilkit.json").read_bytes()
    for argv, expected in cases:
        code = main(argv)
        err = capsys.readouterr().err.strip()
        assert code == 2 and expected in err and "\n" not in err, (argv, err)
    assert (out / "distilkit.json").read_bytes() == before
    base = {"task": "text-classification", "model": {"name": tiny_distilbert}, "data": {"train": data["train"]}}
    assert "data.oos_detector" in one_line_error(
        config_from_dict, {**base, "data": {**base["data"], "oos_label": "oos", "oos_detector": "maha"}})
    assert "needs an out-of-scope label" in one_line_error(
        config_from_dict, {**base, "data": {**base["data"], "oos_detector": "mahalanobis"}})
    assert "a fixed threshold is a probability" in one_line_error(config_from_dict, {**base, "data": {
        **base["data"], "oos_label": "oos", "oos_threshold": 0.5, "oos_detector": "knn"}})
