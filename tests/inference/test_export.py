"""`distilkit export`: a verified deployable folder that predict, qa and eval load as it is; refusals
leave nothing behind."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from distilkit.cli import main
from tests.conftest import make_qa_rows, write_jsonl


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()  # progress lines ("exporting ...") may come first
    errors = [line for line in err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and err.endswith(errors[0]) and "Traceback" not in err
    return errors[0]


@pytest.fixture(scope="session")
def int8_export(toy_runs, toy_data, tmp_path_factory):
    from distilkit import export_model

    out = tmp_path_factory.mktemp("exports") / "toy-int8"
    result = export_model(str(toy_runs["distilbert"][0]), "onnx-int8", str(out), data=toy_data["validation"])
    return out, result


def test_int8_export_folder_is_complete_and_verified(int8_export):
    out, result = int8_export
    assert (out / "onnx" / "model-int8.onnx").is_file() and not (out / "onnx" / "model.onnx").exists()
    assert {"config.json", "tokenizer.json", "distilkit.json", "README.md"} <= {p.name for p in out.iterdir()}
    assert not list(out.glob("*.safetensors"))
    settings = json.loads((out / "distilkit.json").read_text())
    assert settings["default_backend"] == "onnx-int8" and settings["task"] == "text-classification"
    verification = result["verification"]
    assert verification["metric"] == "accuracy" and verification["drop_points"] <= 1.0
    assert verification["agreement"] >= 0.9 and verification["max_abs_logit_diff"] >= 0
    card = (out / "README.md").read_text()
    assert "## Deployment" in card and "onnx-int8" in card and "kept fp32" in card
    assert result["excluded_nodes"] == len(settings["backends"]["onnx-int8"]["excluded_nodes"]) > 0


def test_predict_and_eval_load_the_export_directly(int8_export, toy_data, tmp_path, capsys):
    out, _ = int8_export
    assert main(["predict", str(out), "a happy wonderful day"]) == 0
    assert json.loads(capsys.readouterr().out)["predictions"][0]["label"] in ("pos", "neg")
    assert main(["eval", str(out), "--data", toy_data["test"], "--output", str(tmp_path / "e.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["backend"] == "onnx-int8" and printed["metrics"]["accuracy"] > 0.7
    # No PyTorch weights in an export folder: asking for torch says which backend to use.
    assert "--backend onnx-int8" in _one_line_error(capsys, ["predict", str(out), "text", "--backend", "torch"])


def test_qa_export_in_fp32_answers_like_torch(qa_runs, qa_data, tmp_path, capsys):
    from distilkit import QuestionAnswerer

    out = tmp_path / "qa-onnx"
    assert main(["export", str(qa_runs["bert"][0]), "--backend", "onnx", "--output", str(out), "--data",
                 qa_data["validation"]]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verification"]["metric"] == "f1" and result["verification"]["agreement"] == 1.0
    rows = make_qa_rows(20, 5)
    qs, cs = [r["question"] for r in rows], [r["context"] for r in rows]
    assert [a[0]["answer"] for a in QuestionAnswerer(str(out)).predict(qs, cs)] == \
        [a[0]["answer"] for a in QuestionAnswerer(str(qa_runs["bert"][0])).predict(qs, cs)]
    assert main(["qa", str(out), "--question", "what color is it?", "--context", "an old blue car"]) == 0


def test_static_int8_with_calibration_data(toy_runs, toy_data, tmp_path, capsys):
    out = tmp_path / "static"
    assert main(["export", str(toy_runs["bert"][0]), "--calibration-data", toy_data["train"], "--data",
                 toy_data["validation"], "--output", str(out), "--force"]) == 0
    settings = json.loads((out / "distilkit.json").read_text())
    assert settings["backends"]["onnx-int8"]["quantization"] == "static"
    assert "static quantisation" in (out / "README.md").read_text()


def test_export_refusals_leave_nothing_behind(toy_runs, toy_data, tmp_path, capsys, monkeypatch):
    from distilkit.inference import export as export_mod

    run = str(toy_runs["bert"][0])
    out = tmp_path / "refused"
    real = export_mod._verify
    monkeypatch.setattr(export_mod, "_verify", lambda *a: {**real(*a), "drop_points": 3.0})
    err = _one_line_error(capsys, ["export", run, "--data", toy_data["validation"], "--output", str(out)])
    assert "--max-drop 1.0" in err and "--force" in err
    assert not out.exists() and not list(tmp_path.glob(".refused.partial-*"))
    monkeypatch.undo()
    assert "has no config.json" in _one_line_error(capsys, ["export", str(tmp_path), "--data", toy_data["test"]])
    bad = write_jsonl(tmp_path / "calib.jsonl", [{"sentence": "no text column here"}])
    err = _one_line_error(capsys, ["export", run, "--calibration-data", str(bad), "--output", str(out)])
    assert "--calibration-data" in err and "text" in err and not out.exists()
    assert "cannot be exported" in _one_line_error(capsys, ["export", run, "--backend", "torch-bf16", "--data",
                                                            toy_data["test"]])
    assert "--data FILE" in _one_line_error(capsys, ["export", run])
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    assert "not empty" in _one_line_error(capsys, ["export", run, "--data", toy_data["test"], "--output",
                                                   str(tmp_path / "full")])
    assert Path(tmp_path / "full" / "x").exists()
