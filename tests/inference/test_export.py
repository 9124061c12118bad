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


def test_int8_export_folder_is_complete_and_verified(int8_export):
    out, result = int8_export
    assert (out / "onnx" / "model-int8.onnx").is_file() and not (out / "onnx" / "model.onnx").exists()
    assert {"config.json", "tokenizer.json", "distilkit.json", "README.md"} <= {p.name for p in out.iterdir()}
    assert not list(out.glob("*.safetensors"))
    settings = json.loads((out / "distilkit.json").read_text())
    assert settings["default_backend"] == "onnx-int8" and settings["task"] == "text-classification"
    verification = result["verification"]
    # The toy model learns the validation split (100% measured): int8 must keep nearly all of it, and its
    # logits stay near torch's (0.0007 measured on the toy model; ONNX fp32 is checked to 1e-4 below).
    assert verification["metric"] == "accuracy" and verification["exported"] >= 90.0
    assert verification["drop_points"] == round(verification["torch"] - verification["exported"], 4)
    assert verification["agreement"] >= 0.9 and verification["max_abs_logit_diff"] < 0.05
    assert result["excluded_nodes"] == len(settings["backends"]["onnx-int8"]["excluded_nodes"]) > 0


def test_export_card_is_the_run_record_plus_deployment(int8_export, toy_runs):
    """card/ renders the exported folder's card: the source's training sections and the deployment, from the
    exported folder's own run record (so that `check` and `bench --card` can extend it later)."""
    from huggingface_hub import ModelCard

    from distilkit.card import RunRecord, render_card

    out, result = int8_export
    card = (out / "README.md").read_text()
    for heading in ("## Deployment", "## Training procedure", "### Training results", "### Evaluation",
                    "## How to use"):
        assert card.count(heading) == 1, heading
    assert "onnx-int8" in card and "kept fp32" in card and f"`{toy_runs['distilbert'][0]}`" in card
    record = RunRecord.read(out)
    assert record.deployment.backend == "onnx-int8" and record.deployment.verification == result["verification"]
    assert record.results == RunRecord.read(toy_runs["distilbert"][0]).results
    assert card == render_card(record)
    assert "onnx" in ModelCard.load(out / "README.md").data.tags
    assert (out / "learning_curve.png").is_file() and all((out / image).is_file() for image in record.images)


def test_check_on_an_export_keeps_its_deployment_section(int8_export, tmp_path, capsys):
    import shutil

    import yaml

    out = tmp_path / "export"
    shutil.copytree(int8_export[0], out)
    tests = tmp_path / "t.yaml"
    tests.write_text(yaml.safe_dump({"task": "text-classification", "threshold": 0.5, "tests": [
        {"name": "word", "type": "mft", "examples": [{"text": "the movie was great today", "label": "pos"}]}]}))
    assert main(["check", str(out), str(tests)]) == 0
    card = (out / "README.md").read_text()
    assert card.count("## Deployment") == 1 and "### Behaviour tests" in card and "onnx-int8 backend" in card
    capsys.readouterr()


def test_predict_and_eval_load_the_export_directly(int8_export, toy_data, tmp_path, capsys):
    out, _ = int8_export
    assert main(["predict", str(out), "a happy wonderful day", "an awful terrible day"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [p["predictions"][0]["label"] for p in printed] == ["pos", "neg"]  # the toy data's sentiment words
    assert main(["eval", str(out), "--data", toy_data["test"], "--output", str(tmp_path / "e.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["backend"] == "onnx-int8" and printed["metrics"]["accuracy"] >= 0.9  # 1.0 measured
    # No PyTorch weights in an export folder: asking for torch says which backend to use.
    assert "--backend onnx-int8" in _one_line_error(capsys, ["predict", str(out), "text", "--backend", "torch"])


def test_qa_export_in_fp32_answers_like_torch(qa_runs, qa_data, tmp_path, capsys):
    from distilkit import QuestionAnswerer

    out = tmp_path / "qa-onnx"
    assert main(["export", str(qa_runs["bert"][0]), "--backend", "onnx", "--output", str(out), "--data",
                 qa_data["validation"]]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["verification"]["metric"] == "f1" and result["verification"]["agreement"] == 1.0
    assert result["verification"]["drop_points"] == 0.0  # fp32: the same answers, so the same F1
    rows = make_qa_rows(20, 5)
    qs, cs = [r["question"] for r in rows], [r["context"] for r in rows]
    assert [a[0]["answer"] for a in QuestionAnswerer(str(out)).predict(qs, cs)] == \
        [a[0]["answer"] for a in QuestionAnswerer(str(qa_runs["bert"][0])).predict(qs, cs)]
    assert main(["qa", str(out), "--question", "what color is it?", "--context", "an old blue car"]) == 0


def test_fp32_export_keeps_torch_logits_and_a_forced_export_says_so(toy_runs, toy_data, tmp_path, monkeypatch,
                                                                     capsys):
    from distilkit.inference import export as export_mod

    real = export_mod.verify
    monkeypatch.setattr(export_mod, "verify", lambda *a: {**real(*a), "drop_points": 3.0})  # as if it lost 3 points
    out = tmp_path / "fp32"
    assert main(["export", str(toy_runs["bert"][0]), "--backend", "onnx", "--output", str(out), "--data",
                 toy_data["validation"], "--force"]) == 0
    verification = json.loads(capsys.readouterr().out)["verification"]
    assert verification["max_abs_logit_diff"] < 1e-4 and verification["agreement"] == 1.0  # 1e-7 measured
    card = (out / "README.md").read_text()
    assert "3.00 points" in card and "kept with `--force`" in card


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
    real = export_mod.verify
    monkeypatch.setattr(export_mod, "verify", lambda *a: {**real(*a), "drop_points": 3.0})
    err = _one_line_error(capsys, ["export", run, "--data", toy_data["validation"], "--output", str(out)])
    assert "--max-drop 1.0" in err and "--force" in err
    assert not any(tmp_path.iterdir())  # no output, no temporary folder, no lock file left
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
