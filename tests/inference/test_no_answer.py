"""A QA folder that may say the context records none (a null threshold in distilkit.json, issue 33): the answer
is `"answer": null, "no_answer": true` in the predictor, `distilkit qa` (one question and batch files) and on every
backend, the best span comes with it when asked, and empty notes and malformed unanswerable rows are one-line
errors with exit code 2. The folder is an untrained tiny BERT: a threshold of -1 makes every answer a no-answer
(no-answer and span probabilities both lie in [0, 1]), one of 1 none."""
from __future__ import annotations

import json

import pytest

from tests.conftest import _tokenizer, make_qa_rows, one_line_error, write_jsonl

QUESTION, CONTEXT = "what color is it?", "the old car was green and very new"


def qa_folder(path, null_threshold: float | None) -> str:
    import torch
    from transformers import BertConfig, BertForQuestionAnswering

    from distilkit.inference import ModelSettings

    torch.manual_seed(0)
    BertForQuestionAnswering(BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                        intermediate_size=64, max_position_embeddings=128)).save_pretrained(path)
    _tokenizer(False).save_pretrained(path)
    ModelSettings(task="question-answering", max_length=48, doc_stride=16, max_answer_length=15,
                  null_threshold=null_threshold).write(path)
    return str(path)


@pytest.fixture(scope="module")
def never(tmp_path_factory) -> str:
    return qa_folder(tmp_path_factory.mktemp("qa-never"), -1.0)


@pytest.fixture(scope="module")
def always(tmp_path_factory) -> str:
    return qa_folder(tmp_path_factory.mktemp("qa-always"), 1.0)


@pytest.mark.parametrize("backend", ["torch", "torch-bf16"])
def test_a_no_answer_is_null_with_its_probability_and_the_best_span_on_request(never, backend):
    from distilkit import QuestionAnswerer

    qa = QuestionAnswerer(never, backend=backend)
    answer = qa(QUESTION, CONTEXT)
    assert answer == {"answer": None, "no_answer": True, "score": answer["score"], "start": None, "end": None}
    assert 0 <= answer["score"] <= 1 and qa.says_no_answer
    asked = qa(QUESTION, CONTEXT, best_span=True)
    span = asked["best_span"]
    assert CONTEXT[span["start"]:span["end"]] == span["answer"] and span["no_answer"] is False
    both = qa.predict([QUESTION], [CONTEXT], top_k=2)[0]
    assert both[0]["no_answer"] and both[1] == {**span, "no_answer": False}


def test_span_answers_say_no_answer_false_and_other_folders_are_as_before(always, tiny_bert, tmp_path):
    from distilkit import QuestionAnswerer

    answer = QuestionAnswerer(always)(QUESTION, CONTEXT, best_span=True)
    assert answer["no_answer"] is False and CONTEXT[answer["start"]:answer["end"]] == answer["answer"]
    assert "best_span" not in answer  # only a no-answer carries it
    plain = QuestionAnswerer(qa_folder(tmp_path / "plain", None))(QUESTION, CONTEXT)
    assert set(plain) == {"answer", "score", "start", "end"}  # no null threshold: the pipeline's answer, unchanged


def test_qa_command_and_batch_files(never, tmp_path, capsys):
    from distilkit.cli import main

    assert main(["qa", never, "--question", QUESTION, "--context", CONTEXT, "--best-span"]) == 0
    (answer,) = json.loads(capsys.readouterr().out)["answers"]
    assert answer["answer"] is None and answer["no_answer"] is True and answer["best_span"]["answer"]
    rows = [{"question": r["question"], "context": r["context"]} for r in make_qa_rows(5, 2)]
    source = write_jsonl(tmp_path / "q.jsonl", rows)
    assert main(["qa", never, "--file", str(source), "--output", str(tmp_path / "a.jsonl")]) == 0
    got = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert len(got) == 5 and all(g["answer"] is None and g["no_answer"] and "best_span" not in g for g in got)
    capsys.readouterr()
    assert main(["qa", never, "--file", str(source), "--output", str(tmp_path / "b.jsonl"), "--best-span"]) == 0
    assert all(json.loads(line)["best_span"] for line in (tmp_path / "b.jsonl").read_text().splitlines())


@pytest.mark.parametrize("context, flag", [("", "--context"), ("   ", "--context")])
def test_an_empty_note_is_one_line_and_exit_2(never, context, flag, capsys):
    from distilkit.cli import main

    assert main(["qa", never, "--question", QUESTION, "--context", context]) == 2
    err = capsys.readouterr().err.strip()
    assert f"{flag} is empty" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("row, message", [
    ({"answers": {"text": ["green"], "answer_start": [16]}, "is_impossible": True}, "is_impossible is true but"),
    ({"answers": {"text": [], "answer_start": []}, "is_impossible": False}, "is_impossible is false but"),
    ({"answers": {"text": [""], "answer_start": [-1]}}, "an answer text is empty"),
    ({"answers": {"text": [], "answer_start": [0]}}, "0 answer texts but 1 answer_start"),
    ({"answers": {"text": [], "answer_start": []}, "is_impossible": "yes"}, "give true"),
])
def test_malformed_unanswerable_rows_are_one_line_errors_naming_the_row(never, row, message, tmp_path, capsys):
    from distilkit.cli import main
    from distilkit.config import DataConfig, QAConfig
    from distilkit.data.qa import load_qa_split

    good = make_qa_rows(3, 1, unanswerable=0.5)
    path = write_jsonl(tmp_path / "bad.jsonl", good + [{"id": "bad", "question": QUESTION, "context": CONTEXT, **row}])
    error = one_line_error(load_qa_split, str(path), DataConfig(), QAConfig())
    assert message in error and "row 4" in error
    assert main(["eval", never, "--data", str(path), "--output", str(tmp_path / "e.json")]) == 2
    assert "row 4" in capsys.readouterr().err


def test_well_formed_unanswerable_rows_load_with_or_without_is_impossible(tmp_path):
    from distilkit.config import DataConfig, QAConfig
    from distilkit.data.qa import load_qa_split

    rows = make_qa_rows(6, 1, unanswerable=0.5)
    flagged = [{**r, "is_impossible": not r["answers"]["text"]} for r in rows]
    for data in (rows, flagged):
        split = load_qa_split(str(write_jsonl(tmp_path / "ok.jsonl", data)), DataConfig(), QAConfig())
        assert split.has_unanswerable and len(split) == 6


def test_eval_of_a_no_answer_folder_scores_has_ans_and_no_ans_with_calibration(never, tmp_path):
    from distilkit import evaluate

    data = write_jsonl(tmp_path / "v2.jsonl", make_qa_rows(20, 3, unanswerable=0.5))
    report = evaluate(never, str(data), output=str(tmp_path / "eval_v2.json"))
    m = report["metrics"]
    assert m["no_ans_exact_match"] == 100.0 and m["has_ans_exact_match"] == 0.0  # it never answers
    cal = report["calibration"]
    assert 0 <= cal["ece"] <= 1 and len(cal["bins"]) == 10 and cal["answers"] == 20
    assert cal["levels"][0] == {"threshold": 0.0, "answered": 1.0, "accuracy": m["exact_match"] / 100}
    assert (tmp_path / "eval_v2_reliability.png").stat().st_size > 1000 and cal["image"] == "eval_v2_reliability.png"
    written = json.loads((tmp_path / "eval_v2.json").read_text())
    assert written["calibration"]["ece"] == pytest.approx(cal["ece"])
