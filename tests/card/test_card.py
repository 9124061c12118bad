"""The model card parses with huggingface_hub and tells the truth about the run."""
from __future__ import annotations

import pytest
import yaml
from huggingface_hub import ModelCard

from distilkit.card import base_model_id


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_card_front_matter_parses_with_model_index(toy_runs, arch):
    out, summary = toy_runs[arch]
    card = ModelCard.load(out / "README.md")
    data = card.data
    assert data.pipeline_tag == "text-classification" and data.library_name == "transformers"
    assert data.base_model is None  # a local folder is not a hub id; the body names it instead
    results = {(r.dataset_split, r.metric_type, r.metric_config): r.metric_value for r in data.eval_results}
    assert results[("test", "accuracy", None)] == round(summary["results"]["test"]["accuracy"], 4)
    assert results[("validation", "f1", "macro")] == round(summary["results"]["validation"]["f1_macro"], 4)
    assert data.eval_results[0].task_type == "text-classification"
    assert "model-index" in yaml.safe_load(card.content.split("---")[1])


def test_card_body_states_hyperparameters_history_and_versions(toy_runs):
    out, summary = toy_runs["bert"]
    body = ModelCard.load(out / "README.md").text
    # Every configured hyperparameter appears, including the loss ones, with the value used.
    for section in ("model", "loss", "training"):
        for key, value in summary["config"][section].items():
            assert f"| {section}.{key} |" in body, key
    assert "| loss.name | cross_entropy |" in body and "| training.learning_rate | 0.003 |" in body
    assert "| derived.effective_batch_size | 16 |" in body
    # The per-epoch table has one row per evaluation, with training and validation loss.
    assert "| Training loss | Epoch | Step | Validation loss | Accuracy |" in body
    for row in summary["history"]:
        assert f"| {row['training_loss']:.4f} | {row['epoch']:.4f} | {row['step']} | {row['validation_loss']:.4f} |" in body
    assert "![Learning curve](learning_curve.png)" in body and "confusion_matrix_test.png" in body
    for framework in ("transformers", "torch", "datasets", "tokenizers"):
        assert f"- {framework}: " in body
    assert "train.jsonl" in body and "| 160 |" in body  # data sizes
    report = __import__("json").loads((out / "eval_test.json").read_text())
    errors = sum(map(sum, report["confusion_matrix"])) - sum(report["confusion_matrix"][i][i] for i in range(2))
    assert sum(p["count"] for p in report["top_confusions"]) == errors  # two classes: every mistake is listed
    if errors:
        assert "Most frequent mistakes on the test split" in body


def test_alias_base_model_is_cited_by_hub_id():
    assert base_model_id("minilm-l6") == "sentence-transformers/all-MiniLM-L6-v2"
    assert base_model_id("distilbert-base-uncased") == "distilbert-base-uncased"
    assert base_model_id("./some/folder") is None


@pytest.mark.parametrize("corrupt,reason", [
    (lambda text, data: text[: len(text) // 2], "column"),  # torn: half a file (the JSON error says where)
    (lambda text, data: "[]", "a JSON object was expected"),
    (lambda text, data: {**data, "labels": 5}, "labels holds a number where a list belongs"),
    (lambda text, data: {**data, "wall_time_s": "fast"}, "wall_time_s holds a string where a number belongs"),
    (lambda text, data: {**data, "benchmark": {"data": "d", "hardware": "h", "date": "2025-01-01", "rows": [],
                                               "gpu": "none"}}, "unknown field benchmark.gpu"),
    (lambda text, data: {**data, "deployment": {"backend": "onnx"}}, "missing field deployment.file"),
])
def test_a_corrupt_run_record_is_one_line_naming_the_file_and_the_fix(toy_runs, tmp_path, capsys, corrupt, reason):
    import json

    from distilkit.card import RECORD, RunRecord
    from distilkit.cli import main
    from tests.conftest import one_line_error

    text = (toy_runs["bert"][0] / RECORD).read_text()
    bad = corrupt(text, json.loads(text))
    (tmp_path / RECORD).write_text(bad if isinstance(bad, str) else json.dumps(bad))
    message = one_line_error(RunRecord.read, tmp_path)
    assert message.startswith(f"{tmp_path / RECORD} is not a valid run record") and reason in message
    assert "retrain the model, or restore the file" in message
    # A command that extends the record refuses it before it measures anything (the folder holds no model:
    # loading one would fail with another message).
    assert main(["bench", str(tmp_path), "--data", "no-such-data", "--card", "--output", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "not a valid run record" in err and not (tmp_path / "b").exists()
