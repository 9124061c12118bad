"""The PyTorch-free load (inference/lean.py): the lean tokenizer gives transformers' encodings exactly, an ONNX
export predicts through it with the answers of the transformers path, and `distilkit predict` on an export imports
neither PyTorch nor transformers."""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from distilkit.inference.lean import FolderConfig, LeanTokenizer

TEXTS = ["i feel great today", "An AWFUL, terrible day!!", "naïve café — 東京 emoji 🙂 ok",
         "word " * 80, "x", "  leading and trailing spaces  "]
PAIRS = ["the hypothesis", "a much longer hypothesis " * 10, "ok", "short", "y", "z"]


def encodings(tok, **kwargs) -> dict:
    out = tok(TEXTS, **kwargs)
    return {k: [list(map(tuple, v)) if k == "offset_mapping" else list(v) for v in out[k]] for k in out}


@pytest.mark.parametrize("which", ["tiny_bert", "tiny_distilbert", "minilm"])
def test_lean_tokenizer_encodes_as_transformers_does(which, request):
    from transformers import AutoTokenizer

    from distilkit.models import resolve_model

    folder = resolve_model("minilm-l6") if which == "minilm" else request.getfixturevalue(which)
    ours, theirs = LeanTokenizer(folder), AutoTokenizer.from_pretrained(folder)
    assert ours.model_input_names == theirs.model_input_names or which == "tiny_distilbert"
    cases = [dict(truncation=True, max_length=16), dict(truncation=True, max_length=128), dict(truncation=False),
             dict(truncation=True, max_length=12, add_special_tokens=False, return_offsets_mapping=True),
             dict(pairs=PAIRS, truncation=True, max_length=20),
             dict(pairs=["this text is about {}."] * len(TEXTS), truncation="only_first", max_length=24)]
    for case in cases:
        theirs_case = {("text_pair" if k == "pairs" else k): v for k, v in case.items()}
        expected, got = encodings(theirs, **theirs_case), encodings(ours, **case)
        for key in expected:  # every array transformers gives is given, equal; a DistilBERT folder adds type ids
            assert got[key] == expected[key], (which, case, key)
    assert ours.pad_token_id == theirs.pad_token_id and ours.padding_side == theirs.padding_side
    assert ours.all_special_ids == sorted(theirs.all_special_ids)
    ids = theirs("hello world")["input_ids"]
    assert ours.convert_ids_to_tokens(ids) == theirs.convert_ids_to_tokens(ids)
    assert ours.num_special_tokens_to_add(pair=True) == theirs.num_special_tokens_to_add(pair=True)
    with pytest.raises(TypeError, match="return_overflowing_tokens"):
        ours(TEXTS, return_overflowing_tokens=True)  # question answering's windows: not the lean path's


def test_folder_config_reads_labels_and_width(tiny_distilbert, toy_runs):
    from transformers import AutoConfig

    folder = toy_runs["bert"][0]
    ours, theirs = FolderConfig(folder), AutoConfig.from_pretrained(folder)
    assert ours.id2label == theirs.id2label and ours.num_labels == theirs.num_labels
    assert FolderConfig(tiny_distilbert).hidden_size == AutoConfig.from_pretrained(tiny_distilbert).hidden_size


def test_an_export_predicts_lean_with_the_transformers_path_answers(int8_export, toy_runs, monkeypatch):
    from distilkit import Classifier

    out = int8_export[0]
    lean = Classifier(str(out))
    assert lean.lean and isinstance(lean.tokenizer, LeanTokenizer)
    texts = TEXTS + ["a happy wonderful day", "an awful terrible day"]
    expected_lean = lean.logits(texts)
    monkeypatch.setattr(Classifier, "lean_load", False)
    full = Classifier(str(out))
    assert not full.lean
    np.testing.assert_array_equal(expected_lean, full.logits(texts))  # same ids, same graph: the same logits
    assert lean.predict(texts) == full.predict(texts)
    trained = Classifier(str(toy_runs["bert"][0]))  # a trained folder runs torch: transformers' tokenizer
    assert not trained.lean


def test_predict_on_an_export_imports_neither_torch_nor_transformers(int8_export):
    out = int8_export[0]
    script = ("import sys, json\nfrom distilkit.cli import main\ncode = main(['predict', sys.argv[1], "
              "'a happy wonderful day'])\nprint(json.dumps({'code': code, 'loaded': sorted(m for m in "
              "('torch', 'transformers') if m in sys.modules)}))")
    done = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and json.loads(lines[-1]) == {"code": 0, "loaded": []}, done.stderr[-2000:]
    assert json.loads(lines[0])["predictions"][0]["label"] == "pos"  # the toy data's sentiment words


PREDICT_SCRIPT = ("import sys, json\nfrom distilkit.cli import main\ncode = main(['predict', sys.argv[1], "
                  "'a happy wonderful day'])\nprint(json.dumps({'code': code, 'loaded': sorted(m for m in "
                  "('torch', 'transformers') if m in sys.modules)}))")


def _finish_with_graph(toy_runs, toy_data, tmp_path):
    """What a run with training.onnx_graph does after training (``training.finish.onnx_check``), on a copy of a
    finished toy run: (folder, check, default backend)."""
    import shutil

    from distilkit import Classifier
    from distilkit.config import DataConfig
    from distilkit.tasks import get_task
    from distilkit.training.finish import onnx_check

    from distilkit.inference import ModelSettings

    folder = tmp_path / "run"
    shutil.copytree(toy_runs["bert"][0], folder)
    shutil.rmtree(folder / "onnx", ignore_errors=True)  # graphs other tests made in the shared run: as trained
    ModelSettings.read(folder).update(backends={}).write(folder)
    trained = Classifier(str(folder), backend="torch")
    task = get_task("text-classification").for_predictor(trained, DataConfig())
    split = task.load_eval(toy_data["validation"])
    check, default = onnx_check(trained.backend.model, trained.tokenizer, task, folder, split)
    return folder, check, default


def test_a_run_with_onnx_graph_answers_one_off_calls_without_torch(toy_runs, toy_data, tmp_path):
    from distilkit import Classifier
    from distilkit.card.sections import precision_section

    out, check, default = _finish_with_graph(toy_runs, toy_data, tmp_path)
    assert check["ok"] and check["agreement"] == 1.0 and abs(check["drop_points"]) <= 0.1, check
    assert check["examples"] == sum(1 for _ in open(toy_data["validation"]))
    settings = json.loads((out / "distilkit.json").read_text())
    assert settings["onnx_check"] == check and settings["default_backend"] == default == "auto"
    assert (out / settings["backends"]["onnx"]["file"]).is_file()
    card = precision_section({"asked": "fp32", "ran": "fp32", "why": "fp32: asked for", "onnx_check": check,
                              "default_backend": default})
    assert "An fp32 ONNX graph (`onnx/model.onnx`) was exported after training" in card
    one_off, usual = Classifier(str(out), one_off=True), Classifier(str(out))
    assert one_off.lean and one_off.backend_name == "auto -> onnx" and "one-off call" in one_off.backend_why
    assert not usual.lean and usual.backend.name == "torch"  # a batch, a server: auto's usual choice (no bf16 here)
    texts = TEXTS + ["a happy wonderful day", "an awful terrible day"]
    np.testing.assert_allclose(one_off.logits(texts), usual.logits(texts), atol=1e-4)
    assert [p[0]["label"] for p in one_off.predict(texts)] == [p[0]["label"] for p in usual.predict(texts)]
    done = subprocess.run([sys.executable, "-c", PREDICT_SCRIPT, str(out)], capture_output=True, text=True, timeout=120)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0 and json.loads(lines[-1]) == {"code": 0, "loaded": []}, done.stderr[-2000:]
    assert json.loads(lines[0])["predictions"][0]["label"] == one_off.predict(["a happy wonderful day"])[0][0]["label"]


def test_a_failed_onnx_graph_leaves_a_run_that_predicts_on_torch(toy_runs, toy_data, tmp_path, monkeypatch, capfd):
    from distilkit import Classifier
    from distilkit.card.sections import precision_section
    from distilkit.errors import DistilkitError
    from distilkit.inference import onnx_graphs

    def refuse(model, input_names, output_names, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a graph")  # as a kill of the exporter mid-write would leave it
        raise DistilkitError("cannot export the model to ONNX (an operator the exporter lacks): use backend 'torch'")

    monkeypatch.setattr(onnx_graphs, "export_onnx", refuse)
    out, check, default = _finish_with_graph(toy_runs, toy_data, tmp_path)
    assert "training.onnx_graph: cannot export the model to ONNX" in capfd.readouterr().err
    settings = json.loads((out / "distilkit.json").read_text())
    assert settings["onnx_check"]["ok"] is False and settings["default_backend"] == default == "torch"
    assert not settings["backends"] and not (out / "onnx").exists()  # nothing half written is left in the folder
    card = precision_section({"asked": "fp32", "ran": "fp32", "why": "fp32: asked for", "onnx_check": check,
                              "default_backend": default})
    assert "is not used by default: cannot export the model to ONNX" in card
    one_off = Classifier(str(out), one_off=True)
    assert not one_off.lean and one_off.backend.name == "torch"
