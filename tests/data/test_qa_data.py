"""Extractive-QA data: SQuAD v1/v2 JSON, JSON Lines, answer forms, and the validator's policies."""
from __future__ import annotations

import json

import pytest

from distilkit.config import AnswerRepair, DataConfig, OnEmpty, QAConfig
from distilkit.data.qa import check_files, load_qa_split, nearest_occurrence, read_qa, validate
from tests.conftest import SHARED, make_qa_rows, one_line_error, write, write_jsonl


def squad_json(path, qas, version="1.1"):
    paragraphs = [{"context": ctx, "qas": q} for ctx, q in qas]
    path.write_text(json.dumps({"version": version, "data": [{"title": "t", "paragraphs": paragraphs}]}))
    return str(path)


def test_squad_v1_json_is_flattened(tmp_path):
    path = squad_json(tmp_path / "v1.json", [("the cat sat on the mat", [
        {"id": "a", "question": "who sat?", "answers": [{"text": "the cat", "answer_start": 0},
                                                        {"text": "cat", "answer_start": 4}]},
        {"id": "b", "question": "where?", "answers": [{"text": "the mat", "answer_start": 15}]}])])
    split = load_qa_split(path, DataConfig(), QAConfig())
    assert split.ids == ["a", "b"]
    assert split.answers[0] == {"text": ["the cat", "cat"], "answer_start": [0, 4]}
    assert split.rows[1] == "article 1 paragraph 1 question 2"
    assert not split.has_unanswerable


def test_squad_v2_impossible_questions_have_no_answers(tmp_path):
    path = squad_json(tmp_path / "v2.json", [("the cat sat", [
        {"id": "a", "question": "who sat?", "answers": [{"text": "cat", "answer_start": 4}], "is_impossible": False},
        {"id": "b", "question": "who flew?", "answers": [], "plausible_answers": [{"text": "cat", "answer_start": 4}],
         "is_impossible": True}])], version="v2.0")
    split = load_qa_split(path, DataConfig(), QAConfig())
    assert split.answers[1] == {"text": [], "answer_start": []}
    assert split.has_unanswerable


def test_jsonl_with_answers_as_list_of_objects_and_custom_columns(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"qid": 7, "q": "what color?", "passage": "a red car",
                                                "gold": [{"text": "red", "answer_start": 2}]}])
    qa = QAConfig(question_column="q", context_column="passage", answers_column="gold", id_column="qid")
    split = load_qa_split(str(path), DataConfig(), qa)
    assert (split.ids, split.answers[0]["text"]) == (["7"], ["red"])


def test_nearest_occurrence_picks_the_closest():
    assert nearest_occurrence("red x red y red", "red", 10) == 12
    assert nearest_occurrence("red x red y red", "red", 9) == 6  # a tie goes to the earlier one
    assert nearest_occurrence("abc", "zz", 0) is None


def _misplaced(tmp_path):
    rows = make_qa_rows(5, 0)
    rows[3]["answers"]["answer_start"] = [rows[3]["answers"]["answer_start"][0] + 2]  # off by two
    return str(write_jsonl(tmp_path / "off.jsonl", rows)), rows


def test_misplaced_answer_is_an_error_naming_row_and_fix(tmp_path):
    path, rows = _misplaced(tmp_path)
    message = one_line_error(load_qa_split, path, DataConfig(), QAConfig())
    assert "row 4" in message and rows[3]["id"] in message and "--fix-offsets" in message


def test_fix_moves_answer_to_nearest_occurrence_and_counts(tmp_path):
    path, rows = _misplaced(tmp_path)
    split = load_qa_split(path, DataConfig(), QAConfig(bad_answers="fix"))
    start = split.answers[3]["answer_start"][0]
    assert split.contexts[3][start:start + len(rows[3]["answers"]["text"][0])] == rows[3]["answers"]["text"][0]
    assert split.report["fixed"] == 1 and split.report["misplaced"] == 1 and len(split) == 5
    assert any("1 fixed" in n for n in split.notes)


def test_answer_not_in_context_errors_or_is_skipped_and_counted(tmp_path):
    rows = make_qa_rows(4, 0)
    rows[1]["answers"] = {"text": ["violet"], "answer_start": [0]}
    rows[2]["answers"] = {"text": ["red"], "answer_start": [10_000]}  # start out of range, text absent
    rows[2]["context"] = "no colour here"
    path = str(write_jsonl(tmp_path / "bad.jsonl", rows))
    message = one_line_error(load_qa_split, path, DataConfig(), QAConfig(bad_answers="fix"))
    assert "row 2" in message and "'violet'" in message and "qa.bad_answers=skip" in message
    split = load_qa_split(path, DataConfig(), QAConfig(bad_answers="skip"))
    assert len(split) == 2 and split.report["not_found"] == 2 and split.report["skipped"] == 2


def test_answer_start_out_of_range_is_fixed_when_text_exists(tmp_path):
    rows = make_qa_rows(2, 0)
    rows[0]["answers"]["answer_start"] = [999]
    split = load_qa_split(str(write_jsonl(tmp_path / "r.jsonl", rows)), DataConfig(), QAConfig(bad_answers="fix"))
    assert split.report["fixed"] == 1


def test_empty_question_or_context(tmp_path):
    rows = make_qa_rows(3, 0)
    rows[1]["context"] = "  "
    path = str(write_jsonl(tmp_path / "e.jsonl", rows))
    message = one_line_error(load_qa_split, path, DataConfig(), QAConfig())
    assert "row 2" in message and "empty 'context'" in message and "data.on_empty=skip" in message
    split = load_qa_split(path, DataConfig(on_empty="skip"), QAConfig())
    assert len(split) == 2 and split.report["empty_context"] == 1


def test_duplicate_ids(tmp_path):
    rows = make_qa_rows(3, 0)
    rows[2]["id"] = rows[0]["id"]
    path = str(write_jsonl(tmp_path / "d.jsonl", rows))
    message = one_line_error(load_qa_split, path, DataConfig(), QAConfig())
    assert "row 3" in message and "repeats the id of 1" in message
    assert load_qa_split(path, DataConfig(), QAConfig(bad_answers="skip")).report["duplicate_ids"] == 1


@pytest.mark.parametrize("record, expected", [
    ({"question": "q", "context": "c"}, "no column 'answers'"),
    ({"question": "q", "context": "c", "answers": {"text": ["c"], "answer_start": [0, 1]}}, "1 answer texts but 2"),
    ({"question": "q", "context": "c", "answers": "c"}, "answers must be"),
    ({"question": 5, "context": "c", "answers": []}, "not text"),
    ({"context": "c", "answers": []}, "no column 'question'"),
])
def test_malformed_rows(tmp_path, record, expected):
    path = str(write_jsonl(tmp_path / "m.jsonl", [record]))
    assert expected in one_line_error(load_qa_split, path, DataConfig(), QAConfig())


def test_non_utf8_file_names_line(tmp_path):
    path = tmp_path / "latin.jsonl"
    path.write_bytes(json.dumps({"question": "q", "context": "caf", "answers": []}).encode() + b"\n"
                     + '{"question": "q", "context": "café", "answers": []}\n'.encode("latin-1"))
    assert "line 2 is not valid UTF-8" in one_line_error(read_qa, str(path), QAConfig())


def test_validate_keeps_everything_when_clean():
    from distilkit.data.qa import QASplit

    rows = make_qa_rows(6, 1)
    split = QASplit("mem", [r["id"] for r in rows], [r["question"] for r in rows], [r["context"] for r in rows],
                    [r["answers"] for r in rows], [str(i) for i in range(6)])
    out = validate(split, QAConfig(bad_answers=AnswerRepair.ERROR), OnEmpty.ERROR)
    assert len(out) == 6 and out.report["misplaced"] == 0 and not out.notes


def test_check_files_reports_and_writes_repaired_data(tmp_path):
    path, rows = _misplaced(tmp_path)
    report = check_files([path], fix_offsets=False, output=None)[path]
    assert report["misplaced"] == 1 and report["fixable"] == 1 and report["usable"] == 5
    out = tmp_path / "fixed.jsonl"
    reports = check_files([path], fix_offsets=True, output=str(out))
    assert reports["written"]["examples"] == 5
    fixed = load_qa_split(str(out), DataConfig(), QAConfig())  # the repaired file passes the strict check
    assert fixed.report["misplaced"] == 0


def test_check_qa_cli(tmp_path, capsys):
    from distilkit.cli import main

    path, _ = _misplaced(tmp_path)
    assert main(["check-qa", path]) == 0
    assert json.loads(capsys.readouterr().out)[path]["fixable"] == 1
    assert main(["check-qa", path, "--output", str(tmp_path / "x.jsonl")]) == 2
    assert "needs --fix-offsets" in capsys.readouterr().err


@pytest.mark.skipif(not (SHARED / "covid_qa").exists(), reason="needs ../shared/data")
def test_shared_qa_files_are_clean():
    source = str(SHARED / "covid_qa" / "covid_qa_200423.json")
    report = check_files([source], fix_offsets=False, output=None)[source]
    assert report["examples"] == 1380 and report["misplaced"] == 0


def test_list_of_training_sources_is_joined(tmp_path):
    a = str(write_jsonl(tmp_path / "a.jsonl", make_qa_rows(3, 1)))
    b = str(write(tmp_path / "b.jsonl", "".join(json.dumps(r) + "\n" for r in make_qa_rows(2, 2))))
    split = load_qa_split([a, b], DataConfig(), QAConfig())
    assert len(split) == 5 and split.source == f"{a} + {b}"
