"""Every task with every backend, for BERT and DistilBERT: same decisions as PyTorch fp32 (identical for
ONNX fp32, nearly so for bf16 and int8), graphs reused, re-exported when stale, refused when damaged."""
from __future__ import annotations

import json
import shutil
import sys

import pytest

from tests.conftest import make_qa_rows, make_rows, one_line_error

BACKENDS = ["torch", "torch-bf16", "onnx", "onnx-int8"]


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_classifier_on_every_backend(toy_runs, arch):
    from distilkit import Classifier

    out, _ = toy_runs[arch]
    rows = make_rows(60, 21)
    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    reference = Classifier(str(out))
    expected = reference.logits(texts)
    for backend in BACKENDS[1:]:
        clf = Classifier(str(out), backend=backend)
        got = clf.logits(texts)
        agreement = reference.compare(expected, got)["agreement"]
        labels = [p[0]["label"] for p in clf.predict(texts)]
        accuracy = sum(a == b for a, b in zip(labels, gold)) / len(gold)
        if backend == "onnx":
            assert abs(got - expected).max() < 1e-4 and agreement == 1.0
        else:
            assert agreement >= 0.9, (backend, agreement)
        assert accuracy > 0.7, (backend, accuracy)  # the toy task is learnt; chance is 0.5
    settings = json.loads((out / "distilkit.json").read_text())
    assert set(settings["backends"]) >= {"onnx", "onnx-int8"}
    assert settings["backends"]["onnx-int8"]["quantization"] == "dynamic"


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_question_answerer_on_every_backend(qa_runs, arch):
    from distilkit import QuestionAnswerer

    out, _ = qa_runs[arch]
    rows = make_qa_rows(40, 11)
    questions, contexts = [r["question"] for r in rows], [r["context"] for r in rows]
    # Padded contexts read in several windows: ONNX fp32 must answer exactly as PyTorch does.
    long_contexts = [c + " and more words" * 3 for c in contexts]
    reference = QuestionAnswerer(str(out), batch_size=8, max_length=32, doc_stride=8)
    expected = reference.predict(questions, long_contexts, top_k=3)
    got = QuestionAnswerer(str(out), batch_size=8, max_length=32, doc_stride=8, backend="onnx").predict(
        questions, long_contexts, top_k=3)
    for e, g in zip(expected, got):
        assert [a["answer"] for a in e] == [a["answer"] for a in g]
        assert all(abs(a["score"] - b["score"]) < 1e-4 for a, b in zip(e, g))
    # bf16 and int8 move scores a little: on contexts like the training data (where the tiny model is sure
    # of itself) they keep its answers. On the padded ones its margins are too thin for int8.
    expected = reference.predict(questions, contexts)
    for backend in ("torch-bf16", "onnx-int8"):
        got = QuestionAnswerer(str(out), batch_size=8, max_length=32, doc_stride=8, backend=backend).predict(
            questions, contexts)
        same = sum(e[0]["answer"] == g[0]["answer"] for e, g in zip(expected, got)) / len(got)
        assert same >= 0.9, (backend, same)
        assert all(g[0]["answer"] == c[g[0]["start"]:g[0]["end"]] for g, c in zip(got, contexts))


def test_graphs_are_reused_and_re_exported_when_the_weights_change(toy_runs, tmp_path):
    from safetensors.torch import load_file, save_file

    from distilkit import Classifier

    folder = tmp_path / "model"
    shutil.copytree(toy_runs["bert"][0], folder)
    Classifier(str(folder), backend="onnx")
    graph = folder / "onnx" / "model.onnx"
    stamp = graph.stat().st_mtime_ns
    Classifier(str(folder), backend="onnx")
    assert graph.stat().st_mtime_ns == stamp  # reused: hashes match
    weights = load_file(folder / "model.safetensors")
    key = next(k for k in weights if k.startswith("classifier") and k.endswith("bias"))
    weights[key] = weights[key] + 5.0  # "retrained"
    save_file(weights, folder / "model.safetensors", metadata={"format": "pt"})
    clf = Classifier(str(folder), backend="onnx")
    assert graph.stat().st_mtime_ns != stamp  # stale graph exported again, never used
    torch_logits = Classifier(str(folder)).logits(["a good day"])
    assert abs(clf.logits(["a good day"]) - torch_logits).max() < 1e-4


def test_a_corrupt_graph_is_re_exported_or_refused(toy_runs, tmp_path):
    from distilkit import Classifier

    folder = tmp_path / "model"
    shutil.copytree(toy_runs["bert"][0], folder)
    Classifier(str(folder), backend="onnx")
    graph = folder / "onnx" / "model.onnx"
    graph.write_bytes(graph.read_bytes()[:1000])  # truncated on disk
    assert Classifier(str(folder), backend="onnx").predict(["a good day"])  # made again from the weights
    (folder / "model.safetensors").unlink()
    graph.write_bytes(b"not a graph")
    message = one_line_error(Classifier, str(folder), backend="onnx")
    assert "corrupt" in message and "distilkit export" in message


def test_a_graph_export_keeps_what_another_run_recorded_meanwhile(toy_runs, tmp_path):
    # distilkit.json is re-read under the folder's lock before the new graph's record goes in: a graph and a
    # threshold recorded after this predictor read the file are kept, and that graph is not exported again.
    from distilkit import Classifier, ModelSettings

    folder = tmp_path / "model"
    shutil.copytree(toy_runs["bert"][0], folder)
    stale = ModelSettings.read(folder)  # what this process read when it opened the folder
    Classifier(str(folder), backend="onnx")  # meanwhile another run exports the fp32 graph...
    ModelSettings.read(folder).update(oos_label="neg", oos_threshold=0.3).write(folder)  # ...and stores a threshold
    graph = folder / "onnx" / "model.onnx"
    stamp = graph.stat().st_mtime_ns
    Classifier(str(folder), backend="onnx-int8", settings=stale)
    disk = ModelSettings.read(folder)
    assert set(disk.backends) == {"onnx", "onnx-int8"} and (disk.oos_label, disk.oos_threshold) == ("neg", 0.3)
    assert graph.stat().st_mtime_ns == stamp  # int8 started from the other run's graph


def test_unknown_backend_lists_the_valid_ones(toy_runs):
    from distilkit import Classifier

    message = one_line_error(Classifier, str(toy_runs["bert"][0]), backend="tf")
    assert "torch, torch-bf16, onnx, onnx-int8" in message


def test_missing_onnxruntime_names_the_extra(toy_runs, tmp_path, monkeypatch):
    from distilkit import Classifier

    folder = tmp_path / "model"
    shutil.copytree(toy_runs["bert"][0], folder)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import onnxruntime now raises ImportError
    assert 'pip install "distilkit[onnx]"' in one_line_error(Classifier, str(folder), backend="onnx")


def test_a_plain_transformers_folder_runs_without_distilkit_json(toy_runs, tmp_path):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from distilkit import Classifier, load_predictor

    folder = tmp_path / "plain"
    AutoModelForSequenceClassification.from_pretrained(toy_runs["distilbert"][0]).save_pretrained(folder)
    AutoTokenizer.from_pretrained(toy_runs["distilbert"][0]).save_pretrained(folder)
    clf = load_predictor(str(folder))
    assert isinstance(clf, Classifier) and clf.settings.task == "text-classification"
    assert not (folder / "distilkit.json").exists()
    assert [p[0]["label"] for p in clf.predict(["a good day", "a bad day"])] == ["pos", "neg"]


def test_predict_and_qa_commands_take_a_backend(toy_runs, qa_runs, capsys):
    from distilkit.cli import main

    assert main(["predict", str(toy_runs["bert"][0]), "a happy day", "a terrible day", "--backend", "onnx-int8",
                 "--threads", "1"]) == 0
    printed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [p["predictions"][0]["label"] for p in printed] == ["pos", "neg"]  # the toy data's sentiment words
    assert main(["qa", str(qa_runs["distilbert"][0]), "--question", "what color is it?", "--context",
                 "a new red house", "--backend", "onnx"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and json.loads(printed[0])["answers"][0]["answer"] == "red"
    assert main(["predict", str(qa_runs["bert"][0]), "a text"]) == 2
    assert "use `distilkit qa`" in capsys.readouterr().err


def test_tasks_and_backends_satisfy_their_protocols(toy_runs, toy_data):
    from distilkit.config import DataConfig, QAConfig
    from distilkit.inference import Classifier
    from distilkit.inference.backends import Backend
    from distilkit.tasks import TASKS, ClassificationTask, QuestionAnsweringTask
    from distilkit.tasks.base import Task

    assert isinstance(ClassificationTask(DataConfig()), Task)
    assert isinstance(QuestionAnsweringTask(DataConfig(), 64, QAConfig()), Task)
    assert set(TASKS) == {"text-classification", "question-answering"}
    for backend in ("torch", "onnx"):
        assert isinstance(Classifier(str(toy_runs["bert"][0]), backend=backend).backend, Backend)
