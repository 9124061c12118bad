"""The command line: train with overrides, eval, predict (texts and files), one-line errors."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from distilkit.cli import main
from tests.conftest import tiny_config


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err
    return err


def test_train_flags_and_set_override_the_recipe(tmp_path, tiny_bert, toy_data, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(tiny_config(tiny_bert, toy_data, tmp_path / "unused").to_dict()))
    out = tmp_path / "run"
    code = main(["train", str(recipe), "--output-dir", str(out), "--epochs", "2", "--max-train-samples", "100",
                 "--max-eval-samples", "30", "--set", "training.learning_rate=1e-3", "--set", "loss.name=focal"])
    assert code == 0
    summary = json.loads((out / "training_summary.json").read_text())
    assert summary["data"]["train"]["rows"] == 100 and summary["data"]["test"]["rows"] == 30
    assert summary["config"]["training"]["learning_rate"] == 1e-3 and summary["config"]["loss"]["name"] == "focal"
    assert summary["derived"]["epochs_completed"] == 2
    assert json.loads(capsys.readouterr().out)["output_dir"] == str(out)


def test_eval_writes_json_and_confusion_matrix(toy_runs, toy_data, tmp_path, capsys):
    run, _ = toy_runs["distilbert"]
    assert main(["eval", str(run), "--data", toy_data["test"], "--output", str(tmp_path / "e.json")]) == 0
    report = json.loads((tmp_path / "e.json").read_text())
    assert report["examples"] == 40 and report["metrics"]["accuracy"] >= 0.9  # the toy test set: 1.0 measured
    assert {"loss", "f1_macro", "f1_weighted"} <= set(report["metrics"])
    assert (tmp_path / "e.png").is_file()
    assert json.loads(capsys.readouterr().out)["metrics"] == report["metrics"]


def test_eval_reports_clinc_out_of_scope_metrics(toy_runs, toy_data, tmp_path):
    # Relabel the toy classifier's 'neg' as 'oos': eval must then add the CLINC150 metrics.
    run, _ = toy_runs["bert"]
    import shutil

    folder = tmp_path / "oos-model"
    shutil.copytree(run, folder)
    config = json.loads((folder / "config.json").read_text())
    config["id2label"] = {"0": "oos", "1": "pos"}
    config["label2id"] = {"oos": 0, "pos": 1}
    (folder / "config.json").write_text(json.dumps(config))
    rows = [json.loads(line) for line in Path(toy_data["test"]).read_text().splitlines()]
    data = tmp_path / "oos.jsonl"
    data.write_text("".join(json.dumps({**r, "label": "oos" if r["label"] == "neg" else "pos"}) + "\n" for r in rows))
    assert main(["eval", str(folder), "--data", str(data), "--output", str(tmp_path / "r.json")]) == 0
    metrics = json.loads((tmp_path / "r.json").read_text())["metrics"]
    assert {"in_scope_accuracy", "oos_recall"} <= set(metrics)


def test_predict_texts_top_k(toy_runs, capsys):
    run, _ = toy_runs["bert"]
    assert main(["predict", str(run), "a wonderful happy day", "awful and sad", "--top-k", "2"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert [len(line["predictions"]) for line in lines] == [2, 2]
    assert lines[0]["predictions"][0]["label"] == "pos" and lines[1]["predictions"][0]["label"] == "neg"
    assert lines[0]["predictions"][0]["score"] >= lines[0]["predictions"][1]["score"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_predict_file_streams_jsonl_out(toy_runs, tmp_path, suffix, capsys):
    run, _ = toy_runs["bert"]
    texts = [f"the story was {w}" for w in ("great", "awful", "happy", "sad")] * 3
    source = tmp_path / f"in{suffix}"
    if suffix == ".csv":
        with source.open("w", newline="") as f:
            csv.writer(f).writerows([["id", "text"]] + [[i, t] for i, t in enumerate(texts)])
    else:
        source.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)))
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(run), "--file", str(source), "--output", str(out), "--top-k", "2"]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 12 and all({"row", "text", "prediction", "score", "top_k"} <= set(r) for r in rows)
    assert [str(r["id"]) for r in rows] == [str(i) for i in range(12)]  # input order kept


def test_predict_file_empty_text_errors_or_is_counted(toy_runs, tmp_path, capsys):
    run, _ = toy_runs["bert"]
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "good"}\n{"text": "  "}\n{"text": "bad"}\n')
    err = _one_line_error(capsys, ["predict", str(run), "--file", str(source), "--output", str(tmp_path / "o.jsonl")])
    assert "row 2" in err and "--on-empty skip" in err
    assert main(["predict", str(run), "--file", str(source), "--output", str(tmp_path / "o.jsonl"),
                 "--on-empty", "skip"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["skipped_empty"] == 1


def test_user_errors_are_one_line(capsys, tmp_path, toy_runs, toy_data):
    run, _ = toy_runs["bert"]
    assert "recipe" in _one_line_error(capsys, ["train", str(tmp_path / "missing.yaml")])
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"text": "good day", "label": "meh"}\n')
    err = _one_line_error(capsys, ["eval", str(run), "--data", str(bad)])
    assert "row 1" in err and "'meh'" in err and "not one of the model's labels" in err
    assert "does not exist" in _one_line_error(capsys, ["predict", str(tmp_path / "nope"), "hello"])
    recipe = str(Path(__file__).resolve().parent.parent / "recipes" / "emotion.yaml")
    assert "KEY=VALUE" in _one_line_error(capsys, ["train", recipe, "--set", "oops"])
    assert "not one of" in _one_line_error(capsys, ["train", recipe, "--set", "training.precision=fp8"])
    unlabelled = tmp_path / "u.jsonl"
    unlabelled.write_text('{"text": "good day"}\n')
    assert "distilkit predict" in _one_line_error(capsys, ["eval", str(run), "--data", str(unlabelled)])
