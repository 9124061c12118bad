"""`distilkit bench`: one table of models × backends (metric, size, parameters, latency, throughput),
written as JSON, markdown and a PNG, and recorded in each model's run record and card on request."""
from __future__ import annotations

import json

from distilkit.cli import main


def test_bench_writes_table_plot_and_card(toy_runs, toy_data, tmp_path, capsys):
    import shutil

    model, other = tmp_path / "model", tmp_path / "other"  # copies: --card writes into them
    shutil.copytree(toy_runs["bert"][0], model)
    shutil.copytree(toy_runs["distilbert"][0], other)
    out = tmp_path / "bench"
    assert main(["bench", str(model), str(other), "--data", toy_data["test"], "--backends",
                 "torch,onnx-int8", "--threads", "1", "--latency-runs", "5", "--output", str(out),
                 "--card"]) == 0
    result = json.loads((out / "bench.json").read_text())
    assert [(r["backend"]) for r in result["rows"]] == ["torch", "onnx-int8"] * 2
    for row in result["rows"]:
        assert row["metric"] == "accuracy" and row["score"] >= 0.9  # the toy test set: 1.0 measured
        assert row["size_mb"] > 0 and row["parameters"] > 0 and row["throughput_batch32"] > 0
        assert 0 < row["latency_p50_ms"] <= row["latency_p95_ms"]
    torch_row, int8_row = result["rows"][:2]
    assert int8_row["size_mb"] < torch_row["size_mb"]  # int8 weights are smaller on disk
    assert result["hardware"].endswith(", 1 threads")
    assert (out / "bench.png").stat().st_size > 1000 and "| model | backend | accuracy |" in (out / "bench.md").read_text()
    card = (model / "README.md").read_text()
    assert card.count("## Benchmark (distilkit bench)") == 1 and "| onnx-int8 |" in card
    assert json.loads((model / "training_summary.json").read_text())["benchmark"]["rows"] == result["rows"]
    capsys.readouterr()


def test_bench_bad_backend_and_unlabelled_data(toy_runs, tmp_path, capsys):
    from tests.conftest import write_jsonl

    model = str(toy_runs["bert"][0])
    unlabelled = write_jsonl(tmp_path / "u.jsonl", [{"text": "a good day"}])
    assert main(["bench", model, "--data", str(unlabelled), "--backends", "torch", "--latency-runs", "2"]) == 2
    assert "has no labels" in capsys.readouterr().err
    assert main(["bench", model, "--data", str(unlabelled), "--backends", "tensorrt"]) == 2
    assert "choose one of torch, torch-bf16, onnx, onnx-int8, auto" in capsys.readouterr().err
