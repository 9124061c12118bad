"""The measurement helpers behind model cards, `distilkit bench` and bench/ scripts."""
from __future__ import annotations

from distilkit.inference.measure import latency_ms, measure_predictor, parameters, throughput


def test_measurements_on_a_trained_folder(toy_runs):
    from distilkit import Classifier

    folder, summary = toy_runs["bert"]
    clf = Classifier(str(folder))
    assert parameters(clf.backend.model) == summary["derived"]["parameters"]
    info = clf.backend.info()
    assert info["size_mb"] == round((folder / "model.safetensors").stat().st_size / 1e6, 2) > 0
    lat = latency_ms(clf.predict, ["a good day", "a bad day"], runs=20, warmup=2)
    assert lat["runs"] == 20 and 0 < lat["p50_ms"] <= lat["p90_ms"] <= lat["p95_ms"]
    assert throughput(clf.predict, ["a good day"] * 64, batch_size=32) > 0
    row = measure_predictor(clf, ["a good day", "a bad day"] * 20, latency_runs=10, batch_size=8)
    assert row["parameters"] == summary["derived"]["parameters"] and row["throughput_batch8"] > 0
    assert clf.batch_size == 64  # restored after measuring
