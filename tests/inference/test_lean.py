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
