"""Zero-shot classification through entailment: the same answers as transformers' pipeline, every backend,
batch files, evaluation, and each documented bad input."""
from __future__ import annotations

import json

import numpy as np
import pytest

from distilkit import ZeroShotClassifier, load_predictor
from distilkit.cli import main
from distilkit.inference.predictors import zero_shot as zs
from tests.conftest import _tokenizer, one_line_error, write_jsonl

NLI_LABELS = {0: "contradiction", 1: "entailment", 2: "neutral"}
TEXTS = ["i feel great today and the sun is out", "stocks fell sharply after the bank raised rates",
         "the match went to extra time " * 12, "sad"]
LABELS = ["joy", "finance", "sports", "sadness"]


def _save_nli(folder, arch: str, id2label: dict = NLI_LABELS) -> str:
    """A random-weight NLI model folder; a wide initialisation makes its outputs differ between inputs."""
    import torch
    from transformers import (BertConfig, BertForSequenceClassification, DistilBertConfig,
                              DistilBertForSequenceClassification)

    torch.manual_seed(0)
    common = {"num_labels": len(id2label), "id2label": id2label, "label2id": {v: k for k, v in id2label.items()},
              "initializer_range": 0.5}
    if arch == "bert":
        model = BertForSequenceClassification(BertConfig(
            vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
            max_position_embeddings=128, **common))
    else:
        model = DistilBertForSequenceClassification(DistilBertConfig(
            vocab_size=30522, dim=32, n_layers=2, n_heads=2, hidden_dim=64, max_position_embeddings=128, **common))
    model.save_pretrained(folder)
    tok = _tokenizer(arch == "distilbert")
    tok.model_max_length = 48  # long texts get truncated (only the text, never the hypothesis)
    tok.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def nli_models(tmp_path_factory) -> dict:
    return {arch: _save_nli(tmp_path_factory.mktemp(f"nli-{arch}"), arch) for arch in ("bert", "distilbert")}


@pytest.fixture(params=["bert", "distilbert"])
def nli_model(request, nli_models) -> str:
    return nli_models[request.param]


def _pipeline(model: str):
    from transformers import pipeline

    return pipeline("zero-shot-classification", model=model, device=-1)


@pytest.mark.parametrize("multi_label", [False, True])
def test_same_answers_as_the_transformers_pipeline(nli_model, multi_label):
    ours = ZeroShotClassifier(nli_model, labels=LABELS, multi_label=multi_label).predict(TEXTS)
    theirs = _pipeline(nli_model)(TEXTS, candidate_labels=LABELS, multi_label=multi_label)
    for a, b in zip(ours, theirs):
        assert a["sequence"] == b["sequence"]
        assert a["labels"] == b["labels"]
        np.testing.assert_allclose(a["scores"], b["scores"], atol=2e-5)
    spread = max(o["scores"][0] - o["scores"][-1] for o in ours)
    assert spread > 0.05  # the test model really separates labels, so the order above means something


def test_pairs_are_the_tokenizers_own(nli_model):
    """Texts and hypotheses tokenized once, assembled into exactly what tokenizer(text, hypothesis) gives,
    including the truncation of an over-long text."""
    zsc = ZeroShotClassifier(nli_model, labels=LABELS)
    hyps = [zsc.template.format(label) for label in LABELS]
    index = [(i, j) for i in range(len(TEXTS)) for j in range(len(hyps))]
    got = zsc.pairs.encode(TEXTS, hyps, index)
    want = zsc.tokenizer([TEXTS[i] for i, _ in index], [hyps[j] for _, j in index], truncation="only_first",
                         max_length=zsc.settings.max_length)
    for key in zsc.backend.input_names:
        assert got[key] == [list(x) for x in want[key]], key
    assert max(len(ids) for ids in got["input_ids"]) == zsc.settings.max_length == 48  # the long text was cut


@pytest.mark.parametrize("backend", ["onnx", "onnx-int8"])
def test_every_backend(nli_models, backend):
    model = nli_models["distilbert"]
    reference = ZeroShotClassifier(model, labels=LABELS).predict(TEXTS)
    other = ZeroShotClassifier(model, labels=LABELS, backend=backend).predict(TEXTS)
    same = np.mean([a["labels"][0] == b["labels"][0] for a, b in zip(reference, other)])
    assert same >= (1.0 if backend == "onnx" else 0.5)
    if backend == "onnx":
        for a, b in zip(reference, other):
            np.testing.assert_allclose(sorted(a["scores"]), sorted(b["scores"]), atol=1e-4)


def test_label_sets_per_text_verbalisations_and_one_label(nli_models):
    zsc = ZeroShotClassifier(nli_models["bert"], labels=LABELS)
    shared = zsc.predict(TEXTS[:2])
    per_text = zsc.predict(TEXTS[:2], labels=[LABELS, ["sports", "joy"]])
    assert per_text[0]["labels"] == shared[0]["labels"] and sorted(per_text[1]["labels"]) == ["joy", "sports"]
    np.testing.assert_allclose(per_text[0]["scores"], shared[0]["scores"], atol=1e-5)  # batches differ in padding
    # name=words: the label keeps its name, the hypothesis gets the words
    worded = ZeroShotClassifier(nli_models["bert"], labels={"pos": "joy", "neg": "sadness"}).predict(TEXTS[:1])[0]
    plain = zsc.predict(TEXTS[:1], labels=["joy", "sadness"])[0]
    assert [{"joy": "pos", "sadness": "neg"}[x] for x in plain["labels"]] == worded["labels"]
    np.testing.assert_allclose(worded["scores"], plain["scores"], atol=1e-5)
    # one label in single-label mode: scored entailment against contradiction, as multi-label (a softmax
    # over one label would always say 1.0)
    one = zsc.predict(TEXTS[:1], labels=["joy"])[0]
    multi = zsc.predict(TEXTS[:1], multi_label=True)[0]
    assert one["scores"][0] == pytest.approx(multi["scores"][multi["labels"].index("joy")], abs=1e-5)
    assert one["scores"][0] < 0.999


def test_many_labels_in_bounded_chunks(nli_models, monkeypatch):
    zsc = ZeroShotClassifier(nli_models["distilbert"], labels=[f"topic {i}" for i in range(300)])
    whole = zsc.predict(TEXTS)
    monkeypatch.setattr(zs, "PAIR_BUDGET", 350)  # one text (300 pairs) per chunk
    chunked = zsc.predict(TEXTS)
    assert [w["labels"][:5] for w in whole] == [c["labels"][:5] for c in chunked]
    assert len(chunked[0]["labels"]) == 300


def test_bad_inputs_are_one_line_errors(nli_models, toy_runs, tmp_path):
    model = nli_models["bert"]
    assert "no candidate labels" in one_line_error(ZeroShotClassifier(model).predict, ["hi"])
    assert "twice" in one_line_error(ZeroShotClassifier, model, labels=["a", "b", "a"])
    assert "empty label" in one_line_error(ZeroShotClassifier, model, labels=["a", "", "b"])
    assert "{}" in one_line_error(ZeroShotClassifier, model, labels=["a"], hypothesis_template="It is about X.")
    assert "text 2 is empty" in one_line_error(ZeroShotClassifier(model, labels=LABELS).predict, ["ok", " "])
    assert "too long" in one_line_error(ZeroShotClassifier(model, labels=["word " * 60]).predict, ["ok"])
    # a classifier that is not an NLI model: its labels name no entailment
    classifier, _ = toy_runs["bert"]
    assert "entailment" in one_line_error(ZeroShotClassifier, str(classifier), labels=LABELS)
    ambiguous = _save_nli(tmp_path / "ambiguous", "bert", {0: "entailment", 1: "entailed", 2: "contradiction"})
    assert "exactly one 'entailment'" in one_line_error(ZeroShotClassifier, ambiguous, labels=LABELS)
    unnamed = _save_nli(tmp_path / "unnamed", "bert", {0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2"})
    assert "id2label" in one_line_error(ZeroShotClassifier, unnamed, labels=LABELS)


def test_load_predictor_picks_zero_shot_for_nli_folders(nli_models):
    zsc = load_predictor(nli_models["bert"], task="zero-shot-classification", labels=LABELS)
    assert isinstance(zsc, ZeroShotClassifier)
    assert type(load_predictor(nli_models["bert"])).__name__ == "Classifier"  # plain classification still


def _cli_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_cli_texts_files_and_errors(nli_models, tmp_path, capsys):
    model = nli_models["distilbert"]
    assert main(["zero-shot", model, "--labels", "joy,finance", "i am so happy", "markets fell"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [x["sequence"] for x in lines] == ["i am so happy", "markets fell"]
    assert sorted(lines[0]["labels"]) == ["finance", "joy"] and abs(sum(lines[0]["scores"]) - 1) < 1e-4
    rows = [{"text": t, "labels": ["joy", "sports"] if i % 2 else "finance,sadness,joy"} for i, t in enumerate(TEXTS)]
    source, out = write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl"
    assert main(["zero-shot", model, "--file", str(source), "--labels-column", "labels", "--output", str(out),
                 "--logits", "--backend", "onnx"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["predicted"] == len(TEXTS)
    written = [json.loads(x) for x in out.read_text().splitlines()]
    assert [w["row"] for w in written] == [1, 2, 3, 4]
    assert {r["label"] for r in written[1]["ranking"]} == {"joy", "sports"} and len(written[0]["logits"]) == 3
    assert written[0]["prediction"] == written[0]["ranking"][0]["label"]
    assert "no labels" in _cli_error(capsys, ["zero-shot", model, "hello"])
    assert "empty label" in _cli_error(capsys, ["zero-shot", model, "--labels", "a,,b", "hello"])
    assert "exactly once" in _cli_error(capsys, ["zero-shot", model, "--labels", "a,b", "--hypothesis-template",
                                                 "no slot", "hello"])
    bad = write_jsonl(tmp_path / "bad.jsonl", [{"text": "fine"}, {"text": ""}])
    assert "row 2" in _cli_error(capsys, ["zero-shot", model, "--labels", "a,b", "--file", str(bad), "--output",
                                          str(tmp_path / "o.jsonl")])


def test_eval_zero_shot_reports_like_a_classifier(nli_models, tmp_path, capsys):
    rows = [{"text": t, "label": lab} for t, lab in zip(TEXTS * 3, ["joy", "finance", "sports", "sad"] * 3)]
    data = write_jsonl(tmp_path / "labelled.jsonl", rows)
    out = tmp_path / "zs.json"
    assert main(["eval", nli_models["bert"], "--zero-shot", "--data", str(data), "--labels",
                 "joy,finance,sports,sad=sadness", "--output", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["examples"] == 12 and report["labels"] == ["joy", "finance", "sports", "sad"]
    assert np.array(report["confusion_matrix"]).sum() == 12 and set(report["per_class"]) == set(report["labels"])
    assert report["zero_shot"]["labels"]["sad"] == "sadness" and (tmp_path / "zs.png").is_file()
    capsys.readouterr()
    assert "--zero-shot needs --labels" in _cli_error(capsys, ["eval", nli_models["bert"], "--zero-shot", "--data",
                                                               str(data)])
    assert "not one of the model's labels" in _cli_error(capsys, ["eval", nli_models["bert"], "--zero-shot", "--data",
                                                                  str(data), "--labels", "joy,finance,sports"])


def test_picking_the_method_for_a_folder_of_ours_reads_config_json_without_transformers(nli_models, tmp_path):
    import shutil
    import subprocess
    import sys

    from distilkit.inference import ModelSettings

    folder = tmp_path / "nli"
    shutil.copytree(nli_models["bert"], folder)
    ModelSettings(task="text-classification", max_length=48).write(folder)  # what `distilkit train` leaves beside config.json
    script = ("import sys, json\nfrom distilkit.inference.predictors import pick\ncls = pick(sys.argv[1], "
              "'zero-shot-classification', 'text-classification', None, {})\nprint(json.dumps({'picked': cls.method, "
              "'loaded': sorted(m for m in ('torch', 'transformers') if m in sys.modules)}))")
    done = subprocess.run([sys.executable, "-c", script, str(folder)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and json.loads(done.stdout) == {"picked": "nli", "loaded": []}, done.stderr[-2000:]
    # A folder without distilkit.json still goes through transformers' config, which fills in its defaults.
    assert load_predictor(nli_models["bert"], task="zero-shot-classification", labels=LABELS).method == "nli"
