"""Behaviour tests (`distilkit check`): the tests file, perturbations, pass rates on tiny trained models,
the card section, and the one-line errors for bad tests files."""
from __future__ import annotations

import json
import random
import shutil

import pytest
import yaml

from distilkit.cli import main
from distilkit.evaluation.behaviour import load_suite
from distilkit.evaluation.behaviour.perturb import PERTURBATIONS
from tests.conftest import ROOT, one_line_error

QA_TESTS = {
    "task": "question-answering",
    "threshold": 0.9,
    "lexicons": {"color": ["red", "blue", "green", "yellow"]},
    "tests": [
        {"name": "colour", "type": "mft", "fill": {"c": "@color"},
         "template": {"context": "the car was {c} near the house", "questions": {"what color is it?": "{c}"}}},
        {"name": "upper case", "type": "inv", "perturbation": "uppercase", "fill": {"c": "@color"},
         "template": {"context": "it looked {c} and old today", "questions": {"what color is it?": "{c}"}}},
        {"name": "another colour", "type": "dir", "perturbation": {"name": "replace", "map": {"red": "blue"}},
         "examples": [{"context": "the car was red near the house", "question": "what color is it?",
                       "answer": "red", "after": {"what color is it?": "blue"}}]},
    ],
}
CLS_TESTS = {
    "task": "text-classification",
    "threshold": 0.8,
    "tests": [
        {"name": "sentiment word", "type": "mft", "fill": {"w": ["great", "wonderful", "happy", "excellent"]},
         "template": {"text": "the movie was {w} today", "label": "pos"}},
        {"name": "flip the word", "type": "dir", "perturbation": {"name": "replace", "map": {"great": "awful"}},
         "examples": [{"text": "the food was great", "label": "pos", "after": {"label": "neg"}},
                      {"text": "this day was great", "after": {"not_label": "pos"}}]},
        {"name": "remark", "type": "inv", "perturbation": {"name": "add_remark", "remarks": ["it", "the"],
                                                          "joiner": " "},
         "fill": {"w": ["awful", "terrible", "sad", "horrible"]}, "template": {"text": "this story was {w}"}},
    ],
}


def write_tests(tmp_path, spec: dict, name: str = "tests.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return str(path)


def test_swap_eyes_mirrors_every_notation_and_nothing_else():
    swap = PERTURBATIONS["swap_eyes"]
    rng = random.Random(0)
    note = "r/v 4/52 rev + l) eylea r) Lucentis, VA R 6/9 L 6/12; IVI avastin LE, OD ozurdex; Rt eye ok, left eye dry"
    assert swap(note, rng) == ("r/v 4/52 rev + r) eylea l) Lucentis, VA L 6/9 R 6/12; IVI avastin RE, OS ozurdex; "
                               "Lt eye ok, right eye dry")
    assert swap(swap(note, rng), rng) == note


def test_typo_and_remark_are_seeded_and_change_the_text():
    typo, remark = PERTURBATIONS["typo"], PERTURBATIONS["add_remark"]
    text = "i have been feeling really happy today"
    once = typo(text, random.Random(3), count=2)
    assert once == typo(text, random.Random(3), count=2) and once != text
    assert sorted(once) == sorted(text)  # letters swapped, none lost
    assert remark("pt well", random.Random(0), remarks=["IOP 14"], where="start", joiner=" ") == "IOP 14 pt well"


def test_remove_treatment_takes_out_one_eyes_drug_and_nothing_else():
    remove = PERTURBATIONS["remove_treatment"]
    rng = random.Random(0)
    assert remove("4/52 rev + l) eylea r) Lucentis hn $95", rng) == "4/52 rev + r) Lucentis hn $95"
    assert remove("r) eylea + l) beovu 4/52 rev", rng) == "r) eylea + 4/52 rev"
    # a marker before an acuity is not a treatment; `Lt eye` is one marker; a full stop ends the drug
    note = "VA R 6/9 L 6/12. Rt eye eylea, Lt eye beovu. 4/52 f/u"
    assert remove(note, rng) == "VA R 6/9 L 6/12. Rt eye eylea. 4/52 f/u"
    assert remove("IVI eylea LE today, lucentis RE", rng, marker_after=True) == "IVI today, lucentis RE"
    assert remove("l) eylea r) beovu", rng, instead="observe") == "l) observe r) beovu"
    assert remove("r) eylea + l) beovu", rng, eye="right") == "l) beovu"
    assert remove("VA L 6/9 + r) eylea", rng) == "VA L 6/9 + r) eylea"  # no left treatment: unchanged
    with pytest.raises(TypeError):
        remove("l) eylea", rng, eye="both")


def test_no_answer_tests_pass_only_for_a_model_that_says_none(tmp_path, capsys):
    from tests.inference.test_no_answer import qa_folder

    spec = {"task": "question-answering", "threshold": 1.0, "tests": [
        {"name": "untreated", "type": "mft", "examples": [
            {"context": "4/52 rev + r) eylea", "questions": {"What drug was used on the left eye?": "<no answer>"}}]},
        {"name": "removed", "type": "dir", "perturbation": {"name": "remove_treatment", "eye": "left"},
         "examples": [{"context": "l) eylea r) beovu", "questions": {"left eye drug?": None},
                       "after": {"left eye drug?": "<no answer>"}}]}]}
    tests = tmp_path / "noans.yaml"
    tests.write_text(yaml.safe_dump(spec), encoding="utf-8")
    never = qa_folder(tmp_path / "never", -1.0)  # answers none to everything
    assert main(["check", never, str(tests), "--output", str(tmp_path / "a.json"), "--card", "keep"]) == 0
    report = json.loads((tmp_path / "a.json").read_text())
    assert [t["passed"] for t in report["tests"]] == [1, 1]
    always = qa_folder(tmp_path / "always", 1.0)  # never answers none
    assert main(["check", always, str(tests), "--output", str(tmp_path / "b.json"), "--card", "keep"]) == 1
    failed = json.loads((tmp_path / "b.json").read_text())["tests"][0]["failures"][0]
    assert failed["expected"] == ["<no answer>"] and failed["got"] != ["<no answer>"]
    assert 0 <= failed["got_scores"][0] <= 1  # how sure it was of the wrong answer
    capsys.readouterr()


def test_shipped_tests_files_parse_and_every_perturbation_changes_its_examples():
    clinic = load_suite(str(ROOT / "tests" / "behaviour" / "clinic.yaml"))
    assert clinic.task == "question-answering"
    swaps = [t for t in clinic.tests if t.perturbation == "swap_eyes"]
    assert swaps and all(t.type.value == "dir" for t in swaps)
    # Left-first and right-first notes are both tested (the position shortcut of issue 14).
    contexts = [ex.inputs[0]["context"] for t in swaps for ex in t.examples]
    assert any(c.index("l)") < c.index("r)") for c in contexts if "l)" in c and "r)" in c)
    assert any(c.index("r)") < c.index("l)") for c in contexts if "l)" in c and "r)" in c)
    # Issue 33: an untreated or unmentioned eye has no answer, and so has an eye whose treatment is taken out.
    none = {t.name: t for t in clinic.tests if t.name.startswith("no answer")}
    assert {t.type.value for t in none.values()} == {"mft", "dir"}
    assert all("<no answer>" in (ex.expected or []) + (ex.after or []) for t in none.values() for ex in t.examples)
    emotion = load_suite(str(ROOT / "tests" / "behaviour" / "emotion.yaml"))
    assert {t.type.value for t in emotion.tests} == {"mft", "inv", "dir"}


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_qa_model_passes_and_the_report_lands_in_its_card(arch, qa_runs, tmp_path, capsys):
    folder = tmp_path / "model"
    shutil.copytree(qa_runs[arch][0], folder)
    tests = write_tests(tmp_path, QA_TESTS, "colours.yaml")
    code = main(["check", str(folder), tests])
    out = capsys.readouterr().out
    report = json.loads((folder / "behaviour_colours.json").read_text())
    rates = {t["name"]: t["pass_rate"] for t in report["tests"]}
    assert rates["upper case"] == 1.0  # an uncased tokenizer sees the same tokens
    assert rates["colour"] >= 0.75 and rates["another colour"] == 1.0, rates
    assert code == (0 if report["ok"] else 1) and "| colour | mft |" in out
    card = (folder / "README.md").read_text()
    assert "### Behaviour tests" in card and "| another colour | dir (replace) |" in card
    main(["check", str(folder), tests])  # again: the section is replaced, not repeated
    assert (folder / "README.md").read_text().count("`" + tests + "`") == 1
    assert len(json.loads((folder / "training_summary.json").read_text())["behaviour"]) == 1


def test_a_failing_test_exits_1_and_shows_its_failures(qa_runs, tmp_path, capsys):
    spec = {"task": "question-answering", "threshold": 0.99, "tests": [
        {"name": "the answer must not change", "type": "inv",  # wrong on purpose: the colour is the answer
         "perturbation": {"name": "replace", "map": {"red": "green"}},
         "examples": [{"context": "the car was red near the house", "question": "what color is it?"}]}]}
    code = main(["check", str(qa_runs["bert"][0]), write_tests(tmp_path, spec), "--card", "keep",
                 "--output", str(tmp_path / "r.json")])
    out = capsys.readouterr().out
    assert code == 1 and "**FAIL**" in out and "Failures of 'the answer must not change'" in out
    assert "green" in out and json.loads((tmp_path / "r.json").read_text())["ok"] is False


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_classifier_directional_and_invariance_tests(arch, toy_runs, tmp_path):
    from distilkit import check

    report = check(str(toy_runs[arch][0]), write_tests(tmp_path, CLS_TESTS), output=str(tmp_path / "r.json"))
    rates = {t["name"]: t["pass_rate"] for t in report["tests"]}
    assert rates["sentiment word"] >= 0.75 and rates["flip the word"] >= 0.5, rates
    assert report["tests"][1]["examples"] == 2 and report["examples"] == 4 + 2 + 4


BAD = [
    ("tests: [unclosed", "not valid YAML"),
    ({"task": "question-answering", "tests": [{"name": "t", "type": "mtf", "examples": []}]},
     "test 't': type: 'mtf' is not one of: mft, inv, dir"),
    ({"task": "question-answering", "tests": [{"name": "t", "type": "inv", "perturbation": "shuffle",
                                                "examples": [{"context": "a red car", "question": "q?"}]}]},
     "perturbation 'shuffle' is unknown"),
    ({"task": "question-answering", "tests": [{"name": "t", "type": "inv", "perturbation": "lowercase",
                                                "examples": [{"context": "a red car", "question": "q?"}]}]},
     "test 't', examples[0]: perturbation 'lowercase' leaves this example unchanged"),
    ({"task": "question-answering", "tests": [{"name": "t", "type": "mft", "fill": {"c": ["red"]},
                                                "template": {"context": "{c} {d}", "questions": {"q?": "{c}"}}}]},
     "placeholder {d} has no entry in 'fill'"),
    ({"task": "summarization", "tests": []}, "task 'summarization' has no behaviour tests"),
]


@pytest.mark.parametrize("spec,message", BAD, ids=["yaml", "type", "perturbation", "no-change", "fill", "task"])
def test_bad_tests_files_are_one_line_errors_with_exit_2(spec, message, qa_runs, tmp_path, capsys):
    path = tmp_path / "bad.yaml"
    path.write_text(spec if isinstance(spec, str) else yaml.safe_dump(spec), encoding="utf-8")
    assert message in one_line_error(load_suite, str(path))
    assert main(["check", str(qa_runs["bert"][0]), str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and message in err


def test_tests_for_another_kind_of_model_are_refused_before_loading_it(toy_runs, tmp_path, capsys):
    assert main(["check", str(toy_runs["bert"][0]), write_tests(tmp_path, QA_TESTS)]) == 2
    err = capsys.readouterr().err
    assert "holds tests for question-answering models" in err and "is a text-classification model" in err


def _recipe(tmp_path, model, qa_data, tests) -> str:
    recipe = {"task": "question-answering", "model": {"name": model, "max_length": 48},
              "data": {"train": qa_data["train"], "validation": qa_data["validation"], "behaviour_tests": tests},
              "qa": {"doc_stride": 16},
              "training": {"output_dir": str(tmp_path / "run"), "epochs": 4, "learning_rate": 3e-3, "batch_size": 16,
                           "seed": 0, "warmup_ratio": 0.0}}
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe), encoding="utf-8")
    return str(path)


def test_train_runs_the_recipes_behaviour_tests_onto_the_card(tiny_distilbert, qa_data, tmp_path, capsys):
    tests = write_tests(tmp_path, QA_TESTS)
    assert main(["train", _recipe(tmp_path, tiny_distilbert, qa_data, [tests])]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert list(printed["behaviour_tests"]) == [tests] and " of 9 passed" in printed["behaviour_tests"][tests]
    card = (tmp_path / "run" / "README.md").read_text(encoding="utf-8")
    assert "### Behaviour tests" in card and "| colour |" in card
    assert json.loads((tmp_path / "run" / "behaviour_tests.json").read_text())["examples"] == 9


@pytest.mark.parametrize("which", ["missing", "classification"])
def test_a_bad_behaviour_tests_file_stops_train_before_any_training(which, tiny_bert, qa_data, tmp_path, capsys):
    tests = str(tmp_path / "nope.yaml") if which == "missing" else write_tests(tmp_path, CLS_TESTS)
    assert main(["train", _recipe(tmp_path, tiny_bert, qa_data, [tests])]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and ("not found" in err if which == "missing" else "text-classification" in err)
    assert not (tmp_path / "run").exists()


def test_train_from_python_runs_the_behaviour_tests_too(tiny_distilbert, qa_data, tmp_path):
    """distilkit.train(cfg) documents the same model as `distilkit train`: the card gets its behaviour tests."""
    from distilkit import load_recipe, train

    tests = write_tests(tmp_path, QA_TESTS)
    summary = train(load_recipe(_recipe(tmp_path, tiny_distilbert, qa_data, [tests])))
    assert " of 9 passed" in summary["behaviour_tests"][tests]
    assert "### Behaviour tests" in (tmp_path / "run" / "README.md").read_text(encoding="utf-8")
