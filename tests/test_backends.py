"""Inference backends: ONNX Runtime answers as the PyTorch model does, for BERT and DistilBERT."""
from __future__ import annotations

import pytest

from tests.conftest import make_qa_rows, one_line_error


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_onnx_backend_gives_the_same_answers(qa_runs, arch):
    from distilkit import QuestionAnswerer

    out, _ = qa_runs[arch]
    rows = make_qa_rows(40, 11)
    questions, contexts = [r["question"] for r in rows], [r["context"] + " and more words" * 3 for r in rows]
    torch_qa = QuestionAnswerer(str(out), batch_size=8, max_length=32, doc_stride=8)
    onnx_qa = QuestionAnswerer(str(out), batch_size=8, max_length=32, doc_stride=8, backend="onnx")
    assert (out / "onnx" / "model.onnx").is_file()
    expected = torch_qa.predict(questions, contexts, top_k=3)
    got = onnx_qa.predict(questions, contexts, top_k=3)
    for e, g in zip(expected, got):
        assert [a["answer"] for a in e] == [a["answer"] for a in g]
        assert all(abs(a["score"] - b["score"]) < 1e-4 for a, b in zip(e, g))
    # The export is reused: a second answerer does not export again.
    stamp = (out / "onnx" / "model.onnx").stat().st_mtime_ns
    QuestionAnswerer(str(out), backend="onnx")
    assert (out / "onnx" / "model.onnx").stat().st_mtime_ns == stamp


def test_unknown_backend(qa_runs):
    from distilkit import QuestionAnswerer

    assert "choose one of torch, onnx" in one_line_error(QuestionAnswerer, str(qa_runs["bert"][0]), backend="tf")


def test_qa_command_with_onnx_backend_prints_only_json(qa_runs, capsys):
    import json

    from distilkit.cli import main

    out, _ = qa_runs["distilbert"]
    assert main(["qa", str(out), "--question", "what color is it?", "--context", "a new red house",
                 "--backend", "onnx"]) == 0
    printed = capsys.readouterr().out.strip().splitlines()
    assert len(printed) == 1 and json.loads(printed[0])["answers"][0]["answer"] == "red"
