"""The measurement helpers behind model cards and bench/ scripts."""
from __future__ import annotations

from distilkit.bench import latency_ms, parameters, size_mb, throughput


def test_measurements_on_a_trained_folder(toy_runs):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder, summary = toy_runs["bert"]
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    assert parameters(model) == summary["derived"]["parameters"]
    assert size_mb(folder) == round((folder / "model.safetensors").stat().st_size / 1e6, 2) > 0
    lat = latency_ms(model, tok, ["a good day", "a bad day"], runs=20, warmup=2)
    assert lat["runs"] == 20 and 0 < lat["median_ms"] <= lat["p90_ms"]
    assert throughput(model, tok, ["a good day"] * 64, batch_size=32) > 0
