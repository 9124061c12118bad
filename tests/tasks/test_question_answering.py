"""Question answering end to end with tiny BERT and DistilBERT: train, reload, evaluate, card, answer."""
from __future__ import annotations

import json

import pytest
import yaml

from distilkit.errors import DistilkitError
from tests.conftest import ROOT, make_qa_rows, one_line_error, qa_config, write_jsonl


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_training_learns_the_span_and_beats_chance(qa_runs, arch):
    out, summary = qa_runs[arch]
    losses = [loss for _, loss in summary["loss_curve"]]
    assert losses[-1] < losses[0] * 0.5
    # Chance: 8 context tokens, a start and an end: far below 50% exact match.
    assert summary["results"]["test"]["exact_match"] > 80
    assert summary["results"]["test"]["f1"] >= summary["results"]["test"]["exact_match"]
    assert summary["history"] and "f1" in summary["history"][-1]


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_saved_folder_loads_with_transformers_and_answers(qa_runs, arch):
    from transformers import AutoModelForQuestionAnswering

    from distilkit import QuestionAnswerer

    out, _ = qa_runs[arch]
    assert (out / "model.safetensors").is_file() and not list(out.glob("*.bin"))
    model = AutoModelForQuestionAnswering.from_pretrained(out)
    assert model.config.architectures[0].endswith("ForQuestionAnswering")
    qa = QuestionAnswerer(str(out))
    assert (qa.max_length, qa.doc_stride) == (48, 16)  # the training settings travel with the folder
    best = qa("what color is it?", "the old car was green and very new")
    assert best["answer"] == "green" and best["start"] == 16 and 0 < best["score"] <= 1


def test_card_has_qa_metrics_and_hyperparameters(qa_runs):
    from huggingface_hub import ModelCard

    out, _ = qa_runs["bert"]
    card = ModelCard.load(out / "README.md")
    assert card.data.pipeline_tag == "question-answering"
    results = card.data.eval_results
    assert {r.metric_type for r in results} == {"exact_match", "f1"}
    assert all(r.task_type == "question-answering" for r in results)
    for name in ("qa.doc_stride", "qa.max_answer_length", "qa.n_best", "model.max_length", "loss.name"):
        assert f"| {name} |" in card.text
    assert "AutoModelForQuestionAnswering" in card.text and "confusion" not in card.text.lower()


def test_extra_test_sets_are_scored_beside_test_and_named_by_their_source(qa_runs):
    from huggingface_hub import ModelCard

    out, summary = qa_runs["distilbert"]
    source = summary["config"]["data"]["extra_tests"]["other"]
    assert list(summary["results"]) == ["validation", "test", "other"]
    assert summary["data"]["other"] == {"source": source, "rows": 30}
    report = json.loads((out / "eval_other.json").read_text())
    assert report["metrics"] == summary["results"]["other"] and report["examples"] == 30
    other = [r for r in ModelCard.load(out / "README.md").data.eval_results if r.dataset_split == "other"]
    assert {r.metric_type for r in other} == {"exact_match", "f1"}
    assert all(r.dataset_name == source for r in other)
    assert f"**other**: `{source}` (30 rows)" in (out / "README.md").read_text(encoding="utf-8")


def test_an_extra_test_set_that_cannot_be_read_stops_the_run_before_training(tiny_bert, qa_data, tmp_path):
    from distilkit import train

    cfg = qa_config(tiny_bert, {**{k: qa_data[k] for k in ("train", "validation")},
                                "extra_tests": {"handwritten": str(tmp_path / "missing.jsonl")}}, tmp_path / "run")
    assert "missing.jsonl" in one_line_error(train, cfg)
    assert not (tmp_path / "run" / "checkpoints").exists()
    with pytest.raises(DistilkitError, match="'test' is a split of its own"):
        qa_config(tiny_bert, {"train": qa_data["train"], "extra_tests": {"test": qa_data["test"]}}, tmp_path / "x")
    unlabelled = write_jsonl(tmp_path / "q.jsonl", [{k: r[k] for k in ("id", "question", "context")}
                                                    for r in make_qa_rows(5, 9)])
    cfg = qa_config(tiny_bert, {**qa_data, "extra_tests": {"notes": str(unlabelled)}}, tmp_path / "run2")
    assert one_line_error(train, cfg).startswith("data.extra_tests.notes: ")
    assert not (tmp_path / "run2" / "checkpoints").exists()


@pytest.mark.parametrize("data, message", [
    ({"extra_tests": {"a/b": "x.jsonl"}}, "'a/b' is not a usable name"),
    ({"extra_tests": {"x": None}}, "give a mapping of name to one data source"),
    ({"extra_tests": ["x.jsonl"]}, "give a mapping of name to one data source"),
    ({"behaviour_tests": [5]}, "give a list of tests files"),
])
def test_bad_extra_test_settings_are_one_line_errors(data, message, tiny_bert, qa_data, tmp_path):
    assert message in one_line_error(qa_config, tiny_bert, {**qa_data, **data}, tmp_path)


def test_extra_sets_with_unanswerable_questions_do_not_change_the_trained_task(qa_data, tmp_path):
    from distilkit.config import DataConfig, QAConfig
    from distilkit.tasks.question_answering import QuestionAnsweringTask

    v2 = write_jsonl(tmp_path / "v2.jsonl", make_qa_rows(20, 5, unanswerable=0.5))
    task = QuestionAnsweringTask(DataConfig(**qa_data), 48, QAConfig())
    task.load()
    task.load_eval(str(v2), extra=True)
    assert task.unanswerable is False  # scored as trained: no no-answer threshold, no has_ans/no_ans split
    task.load_eval(str(v2))
    assert task.unanswerable is True  # `distilkit eval` on SQuAD v2 data alone


def test_error_file_lists_wrong_answers(qa_runs):
    out, summary = qa_runs["bert"]
    report = json.loads((out / "eval_test.json").read_text())
    rows = [json.loads(line) for line in (out / "eval_test_errors.jsonl").read_text().splitlines()]
    assert report["wrong"] == len(rows)
    assert report["metrics"] == summary["results"]["test"]
    for row in rows:
        assert {"id", "question", "golds", "prediction", "score", "f1"} <= set(row) and row["exact_match"] == 0


def test_eval_and_qa_commands(qa_runs, qa_data, tmp_path, capsys):
    from distilkit.cli import main

    out, summary = qa_runs["distilbert"]
    assert main(["eval", str(out), "--data", qa_data["test"], "--output", str(tmp_path / "eval_t.json")]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["metrics"]["exact_match"] == pytest.approx(summary["results"]["test"]["exact_match"])
    assert main(["qa", str(out), "--question", "what color is it?", "--context", "a new red house",
                 "--top-k", "2"]) == 0
    answers = json.loads(capsys.readouterr().out)["answers"]
    assert answers[0]["answer"] == "red" and len(answers) == 2
    rows = make_qa_rows(30, 9)
    source = write_jsonl(tmp_path / "q.jsonl", [{"question": r["question"], "context": r["context"]} for r in rows])
    assert main(["qa", str(out), "--file", str(source), "--output", str(tmp_path / "a.jsonl")]) == 0
    got = [json.loads(line) for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert len(got) == 30 and sum(g["answer"] == r["answers"]["text"][0] for g, r in zip(got, rows)) >= 24
    assert main(["qa", str(out), "--question", "what?", "--context", "  "]) == 2
    assert "--context is empty" in capsys.readouterr().err  # before the model loads


def test_unanswerable_questions_tune_a_null_threshold(tiny_bert, tmp_path):
    from distilkit import QuestionAnswerer, train

    more = [{**r, "id": f"more-{r['id']}"} for r in make_qa_rows(30, 5, unanswerable=0.3)]
    data = {"train": str(write_jsonl(tmp_path / "tr.jsonl", make_qa_rows(300, 1, unanswerable=0.3))),
            "validation": str(write_jsonl(tmp_path / "va.jsonl", make_qa_rows(60, 2, unanswerable=0.3))),
            "extra_validation": {"more_val": str(write_jsonl(tmp_path / "mv.jsonl", more))},
            "test": str(write_jsonl(tmp_path / "te.jsonl", make_qa_rows(60, 3, unanswerable=0.3)))}
    summary = train(qa_config(tiny_bert, data, tmp_path / "run", epochs=8))
    test = summary["results"]["test"]
    assert {"has_ans_f1", "no_ans_f1", "null_threshold"} <= set(test)
    assert test["no_ans_exact_match"] > 50 and test["has_ans_exact_match"] > 50
    assert summary["qa"]["unanswerable"] and summary["qa"]["null_threshold"] == pytest.approx(test["null_threshold"], abs=1e-4)
    assert list(summary["results"]) == ["validation", "more_val", "test"]  # scored, and chosen on, with validation
    qa = QuestionAnswerer(str(tmp_path / "run"))
    answer = qa("what color is it?", "the car was parked near the old house")
    assert answer["answer"] is None and answer["no_answer"] is True
    # calibration per split in the record, its diagrams beside the card, and both on the card
    out = tmp_path / "run"
    for split in ("validation", "more_val", "test"):
        cal = summary["calibration"][split]
        assert 0 <= cal["ece"] <= 1 and len(cal["levels"]) == 12 and (out / cal["image"]).is_file()
        assert cal["image"] in summary["images"]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "### Questions the text does not answer" in card and "`validation` and `more_val` together" in card
    assert "### Calibration" in card and "](eval_test_reliability.png)" in card and "| Confidence ≥ |" in card
    assert card.count("eval_test_reliability.png") == 1
    assert "extra validation sets (`data.extra_validation`" in card


def test_bad_settings_fail_before_training(tiny_bert, qa_data, tmp_path):
    from distilkit import train

    cfg = qa_config(tiny_bert, qa_data, tmp_path / "a", metric_for_best_model="accuracy")
    assert "choose one of exact_match, f1, loss" in one_line_error(train, cfg)
    cfg = qa_config(tiny_bert, qa_data, tmp_path / "b")
    cfg.loss.name = "class_balanced"
    assert "predicts token positions" in one_line_error(train, cfg)
    cfg = qa_config(tiny_bert, {**qa_data, "validation": None, "validation_fraction": 0.2}, tmp_path / "c")
    assert "separate validation file" in one_line_error(train, cfg)


def test_distillation_is_refused_for_qa(tiny_bert, qa_data, tmp_path):
    from distilkit import config_from_dict, train

    cfg = qa_config(tiny_bert, qa_data, tmp_path / "d").to_dict()
    cfg["distill"]["teacher"] = tiny_bert
    assert "not question-answering" in one_line_error(train, config_from_dict(cfg))


def test_answers_with_a_qa_folder_distilkit_did_not_train(tmp_path):
    """A RoBERTa QA model (byte-level BPE tokenizer, context after two separators) saved by plain
    transformers: distilkit answers with it, offsets consistent with the context."""
    import torch
    from tokenizers import ByteLevelBPETokenizer
    from tokenizers.processors import RobertaProcessing
    from transformers import RobertaConfig, RobertaForQuestionAnswering, RobertaTokenizerFast

    from distilkit import QuestionAnswerer

    corpus = [r["context"] + " " + r["question"] for r in make_qa_rows(200, 4)]
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(corpus, vocab_size=300, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe._tokenizer.post_processor = RobertaProcessing(("</s>", bpe.token_to_id("</s>")), ("<s>", bpe.token_to_id("<s>")))
    tok = RobertaTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token="<s>", eos_token="</s>", sep_token="</s>",
                               cls_token="<s>", pad_token="<pad>", unk_token="<unk>", mask_token="<mask>")
    torch.manual_seed(0)
    model = RobertaForQuestionAnswering(RobertaConfig(vocab_size=tok.vocab_size + 5, hidden_size=32,
                                                      num_hidden_layers=2, num_attention_heads=2,
                                                      intermediate_size=64, max_position_embeddings=130))
    model.save_pretrained(tmp_path / "roberta-qa")
    tok.save_pretrained(tmp_path / "roberta-qa")
    qa = QuestionAnswerer(str(tmp_path / "roberta-qa"), max_length=64, doc_stride=16)
    context = "the old car was green and very new " * 6  # several windows
    answers = qa.predict(["what color is it?"], [context], top_k=3)[0]
    assert len(answers) == 3
    assert all(context[a["start"]:a["end"]] == a["answer"] and a["answer"].strip() for a in answers)
    assert "question" not in " ".join(a["answer"] for a in answers)


def test_recipes_parse():
    from distilkit import load_recipe

    for name in ("clinic-qa", "squad"):
        cfg = load_recipe(ROOT / "recipes" / f"{name}.yaml")
        assert cfg.task == "question-answering" and cfg.qa.doc_stride < cfg.model.max_length
    assert yaml.safe_load((ROOT / "recipes" / "clinic-qa.yaml").read_text())["training"]["seed"] == 42


def test_thresholds_are_chosen_once_on_every_validation_set_joined(tmp_path):
    from distilkit.data.qa import QASplit
    from distilkit.evaluation.evaluate import evaluate_splits

    calls = []

    class Task:
        def labelled(self, split):
            return True

        def report(self, outputs, split, tune=False):
            calls.append((split.source, len(split), tune))
            return {"metrics": {}}

        def write_report(self, report, json_path, image_path=None):
            return []

    class Predictor:
        def outputs(self, split):
            return {}

    def split(name, n):
        return QASplit(name, [f"{name}{i}" for i in range(n)], ["q"] * n, ["c"] * n,
                       [{"text": [], "answer_start": []}] * n, [str(i) for i in range(n)])
    splits = {"validation": split("v", 3), "hand": split("h", 2), "test": split("t", 4)}
    evaluate_splits(Predictor(), Task(), splits, tmp_path, ["validation", "hand"])
    assert calls == [("v + h", 5, True), ("v", 3, False), ("h", 2, False), ("t", 4, False)]
    calls.clear()
    evaluate_splits(Predictor(), Task(), splits, tmp_path)  # validation alone: tuned as it is scored
    assert calls == [("v", 3, True), ("h", 2, False), ("t", 4, False)]


@pytest.mark.parametrize("data, message", [
    ({"extra_validation": {"test": "x.jsonl"}}, "'test' is already a split or an extra test set"),
    ({"extra_validation": {"x": "a.jsonl"}, "extra_tests": {"x": "b.jsonl"}}, "'x' is already a split"),
    ({"extra_validation": {"x": "a.jsonl"}, "validation": None}, "give data.validation too"),
    ({"extra_validation": ["a.jsonl"]}, "give a mapping of name to one data source"),
])
def test_bad_extra_validation_settings_are_one_line_errors(data, message, tiny_bert, qa_data, tmp_path):
    assert message in one_line_error(qa_config, tiny_bert, {**qa_data, **data}, tmp_path)


def test_null_threshold_without_validation_and_fixed():
    """v2 scoring: a tuned threshold, a fixed one, or 0 when nothing was tuned (no validation split)."""
    from distilkit.config import DataConfig, QAConfig
    from distilkit.data.qa import QASplit
    from distilkit.tasks import QuestionAnsweringTask

    split = QASplit("mem", ["a", "b"], ["q", "q"], ["red car", "a car"],
                    [{"text": ["red"], "answer_start": [0]}, {"text": [], "answer_start": []}], ["1", "2"])
    decoded = [{"answers": [{"answer": "red", "score": 0.6}], "null_score": 0.3},
               {"answers": [{"answer": "car", "score": 0.4}], "null_score": 0.5}]
    task = QuestionAnsweringTask(DataConfig(), 48, QAConfig())
    task.unanswerable = True
    metrics, chosen = task.score(split, decoded, tune_threshold=False)  # untuned: threshold 0
    assert metrics["null_threshold"] == 0.0 and chosen == {"a": "red", "b": ""} and metrics["exact_match"] == 100
    fixed = QuestionAnsweringTask(DataConfig(), 48, QAConfig(null_threshold=0.5))
    fixed.unanswerable = True
    metrics, chosen = fixed.score(split, decoded, tune_threshold=True)  # a fixed threshold is never re-tuned
    assert metrics["null_threshold"] == 0.5 and chosen == {"a": "red", "b": "car"} and metrics["exact_match"] == 50
    metrics, _ = task.score(split, decoded, tune_threshold=True)
    assert metrics["exact_match"] == 100 and task.null_threshold == metrics["null_threshold"]
