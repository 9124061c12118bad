"""make_clinic_data and `distilkit make-clinic-data`: the split files, held-out families, eye-swap twins on train
only, collisions between splits, and the one-line errors."""
import json
import re

import pytest

from distilkit.data import clinic
from distilkit.data.clinic import generate_clinic_notes, make_clinic_data
from distilkit.errors import DistilkitError
from tests.data.test_clinic import is_drug


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_make_clinic_data_writes_held_out_splits_and_an_unseen_one(tmp_path):
    paths = make_clinic_data(tmp_path / "clinic", train=500, validation=120, test=150, seed=3, test_unseen=200,
                             augment="none", train_detail="plain", unanswerable=0)
    assert set(paths) == {"train", "validation", "test", "test_unseen", "validation_unseen"}
    splits = {name: read_jsonl(path) for name, path in paths.items()}
    assert [len(splits[s]) for s in paths] == [500, 120, 150, 200, 300]
    held = set(clinic.DEFAULT_HOLDOUT) | set(clinic.VALIDATION_HOLDOUT)
    assert splits["train"] == generate_clinic_notes(500, seed=3, holdout_families=held)
    assert splits["test_unseen"] == generate_clinic_notes(200, seed=3003, holdout_families=clinic.DEFAULT_HOLDOUT,
                                                          unseen=True)
    assert all(r["id"].startswith("clinic-s1003-") for r in splits["validation"])
    assert all(r["id"].startswith("clinic-s2003-") for r in splits["test"])
    assert all(r["id"].startswith("clinic-s4003-") for r in splits["validation_unseen"])
    assert all(set(r) == {"id", "question", "context", "answers"} for rows in splits.values() for r in rows)
    train = {r["context"] for r in splits["train"]}
    for split in ("validation", "test", "test_unseen", "validation_unseen"):
        assert not train & {r["context"] for r in splits[split]}
    families = json.loads((tmp_path / "clinic" / "families.json").read_text(encoding="utf-8"))
    assert families["holdout"] == list(clinic.DEFAULT_HOLDOUT)
    assert families["validation_holdout"] == list(clinic.VALIDATION_HOLDOUT)
    for split, counts in families["notes_per_family"].items():
        named = {f"{dim}.{name}" for dim, table in counts.items() for name in table}
        if split == "test_unseen":
            assert named == set(clinic.DEFAULT_HOLDOUT)
        elif split == "validation_unseen":  # its own families where it holds any, never test_unseen's
            assert named >= set(clinic.VALIDATION_HOLDOUT) and not named & set(clinic.DEFAULT_HOLDOUT)
            assert {n.split(".")[0] for n in named - set(clinic.VALIDATION_HOLDOUT)} == {"order", "interval", "history", "va_scale"}
        else:
            assert not named & held and len(named) > 30
    readme = (tmp_path / "clinic" / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "make_clinic_data" in readme and "| test | 2003 | 150 |" in readme
    assert "| test_unseen | 3003 | 200 |" in readme and "`eyes.rt_lt`" in readme and "`eyes.l_eye`" in readme


def test_no_holdout_writes_three_splits_of_the_full_grammar(tmp_path):
    paths = make_clinic_data(tmp_path, train=60, validation=20, test=20, seed=3, holdout_families="none",
                             augment="none", validation_holdout="none", train_detail="plain", unanswerable=0)
    assert set(paths) == {"train", "validation", "test"} and not (tmp_path / "test_unseen.jsonl").exists()
    assert read_jsonl(paths["train"]) == generate_clinic_notes(60, seed=3)
    assert json.loads((tmp_path / "families.json").read_text(encoding="utf-8"))["holdout"] == []


def test_colliding_held_out_notes_are_replaced(tmp_path, monkeypatch):
    # With every split on the same seed, validation and test would copy train: all must be replaced.
    monkeypatch.setattr(clinic, "SPLIT_OFFSETS", {"train": 0, "validation": 0, "test": 0, "test_unseen": 0,
                                                     "validation_unseen": 0})
    paths = make_clinic_data(tmp_path, train=200, validation=50, test=50, seed=5, test_unseen=50, augment="none")
    splits = {name: read_jsonl(path) for name, path in paths.items()}
    assert [len(splits[s]) for s in ("train", "validation", "test", "test_unseen")] == [200, 50, 50, 50]
    contexts = [{r["context"] for r in splits[s]} for s in ("train", "validation", "test", "test_unseen")]
    assert all(not a & b for i, a in enumerate(contexts) for b in contexts[i + 1:])
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| test |"))
    assert int(row.split("|")[5]) > 0 and int(row.split("|")[6]) == 0  # replaced some, none left


def test_make_clinic_data_command_and_strict_validation(tmp_path, capsys):
    """The CLI writes splits that the QA loader accepts under the strictest policy."""
    from distilkit.cli import main
    from distilkit.config import DataConfig, QAConfig
    from distilkit.data.qa import load_qa_split

    assert main(["make-clinic-data", str(tmp_path / "c"), "--train", "40", "--validation", "10",
                 "--test", "10", "--seed", "7", "--test-unseen", "30"]) == 0
    paths = json.loads(capsys.readouterr().out)
    for split, n in (("train", 40), ("validation", 10), ("test", 10), ("test_unseen", 30)):
        loaded = load_qa_split(paths[split], DataConfig(), QAConfig(bad_answers="error"))
        assert loaded.report["misplaced"] == 0
        # By default train also holds the eye-swap twins of its both-eye notes, on top of --train.
        assert len(loaded) > n if split == "train" else len(loaded) == n


def test_make_clinic_data_command_holdout_flag(tmp_path, capsys):
    from distilkit.cli import main

    assert main(["make-clinic-data", str(tmp_path / "a"), "--train", "20", "--validation", "5", "--test", "5",
                 "--holdout-families", "eyes.rt_lt,separator.pipe", "--test-unseen", "40"]) == 0
    paths = json.loads(capsys.readouterr().out)
    families = json.loads((tmp_path / "a" / "families.json").read_text(encoding="utf-8"))
    assert families["holdout"] == ["eyes.rt_lt", "separator.pipe"]
    unseen = families["notes_per_family"]["test_unseen"]
    assert set(unseen["eyes"]) == {"rt_lt"} and set(unseen["separator"]) == {"pipe"}
    assert len(unseen["treatment"]) > 3  # dimensions without a holdout keep all their families
    assert " | " in read_jsonl(paths["test_unseen"])[0]["context"]

    assert main(["make-clinic-data", str(tmp_path / "b"), "--train", "20", "--validation", "5", "--test", "5",
                 "--holdout-families", "none", "--validation-holdout", "none"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"train", "validation", "test"}
    assert main(["make-clinic-data", str(tmp_path / "v"), "--train", "20", "--validation", "5", "--test", "5",
                 "--holdout-families", "none", "--validation-holdout", "eyes.os_od", "--validation-unseen", "12"]) == 0
    assert set(json.loads(capsys.readouterr().out)) == {"train", "validation", "test", "validation_unseen"}
    unseen = json.loads((tmp_path / "v" / "families.json").read_text(encoding="utf-8"))["notes_per_family"]
    assert set(unseen["validation_unseen"]["eyes"]) == {"os_od"} and "os_od" not in unseen["train"]["eyes"]

    assert main(["make-clinic-data", str(tmp_path / "c"), "--holdout-families", "eyes.rt_lt,eyes.nope"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: --holdout-families: unknown clinic family 'eyes.nope'")
    assert not (tmp_path / "c").exists()  # refused before writing anything
    # The two held-out sets may not share a family, nor together empty a dimension.
    assert main(["make-clinic-data", str(tmp_path / "d"), "--validation-holdout", "eyes.rt_lt"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--validation-holdout shares eyes.rt_lt" in err
    assert main(["make-clinic-data", str(tmp_path / "d"), "--validation-holdout", "order.clinic,order.shuffled"]) == 2
    assert "holds out every order family" in capsys.readouterr().err and not (tmp_path / "d").exists()


EYE_WORD = re.compile(r"\b(left|right)\b", re.I)


def test_eye_swap_twins_move_each_answer_to_the_other_eye(tmp_path):
    plain = make_clinic_data(tmp_path / "plain", train=400, validation=40, test=40, seed=11, test_unseen=40,
                             augment="none", unanswerable=0)
    swap = make_clinic_data(tmp_path / "swap", train=400, validation=40, test=40, seed=11, test_unseen=40,
                            unanswerable=0)  # default twins (tests/data/test_clinic_unanswerable.py: with a share)
    rows = read_jsonl(swap["train"])
    base, twins = [r for r in rows if "x-q" not in r["id"]], [r for r in rows if "x-q" in r["id"]]
    assert base == read_jsonl(plain["train"]) and 40 < len(twins) < len(base)  # the first 400 unchanged
    for split in ("validation", "test", "test_unseen", "validation_unseen"):  # evaluation splits: never augmented
        assert read_jsonl(swap[split]) == read_jsonl(plain[split])
    by_id = {r["id"]: r for r in base}
    swapped_drugs = 0
    for twin in twins:
        original = by_id[twin["id"].replace("x-q", "-q")]
        start, text = twin["answers"]["answer_start"][0], twin["answers"]["text"][0]
        assert twin["context"][start:start + len(text)] == text
        assert twin["context"] != original["context"] and len(twin["context"].split()) == len(
            original["context"].split())
        # The same answer (a marker's length may shift it: left/right), asked about the other eye.
        assert text == original["answers"]["text"][0]
        eyes = [m.lower() for m in EYE_WORD.findall(original["question"])]
        swapped = [{"left": "right", "right": "left"}[e] for e in eyes]
        asked = [m.lower() for m in EYE_WORD.findall(twin["question"])]
        # One drug for both eyes ("eylea OU") answers either eye, so its questions stay as they were.
        both = re.search(r"\bOU\b|both eyes", original["context"], re.I) and asked == eyes
        assert asked == swapped or both, (original, twin)
        swapped_drugs += bool(eyes) and is_drug(twin["question"])
    assert swapped_drugs > 20
    readme = (tmp_path / "swap" / "README.md").read_text(encoding="utf-8")
    assert "augment=['eye_swap']" in readme and "augmented with `eye_swap`" in readme


def test_validation_and_test_avoid_every_possible_twin_whatever_train_keeps(tmp_path, monkeypatch):
    # Every split on one seed: validation and test would copy train's notes and twins; all are replaced,
    # and identically with and without the twins in train.
    monkeypatch.setattr(clinic, "SPLIT_OFFSETS", {"train": 0, "validation": 0, "test": 0, "test_unseen": 0,
                                                     "validation_unseen": 0})
    built = {a: make_clinic_data(tmp_path / a, train=150, validation=60, test=60, seed=5, test_unseen=40, augment=a)
             for a in ("none", "eye_swap")}
    twins = {r["context"] for r in read_jsonl(built["eye_swap"]["train"]) if "x-q" in r["id"]}
    assert twins
    for split in ("validation", "test", "test_unseen", "validation_unseen"):
        rows = read_jsonl(built["none"][split])
        assert rows == read_jsonl(built["eye_swap"][split]) and not twins & {r["context"] for r in rows}


def test_augment_is_a_list_flag_whose_default_is_eye_swap(tmp_path, monkeypatch, capsys):
    from distilkit.cli import main

    given = []
    monkeypatch.setattr(clinic, "make_clinic_data", lambda *args: given.append(args[7]) or {})
    for flags in ([], ["--augment", "none"], ["--augment", "eye_swap"], ["--augment", "eye_swap", "--augment", "x"]):
        assert main(["make-clinic-data", str(tmp_path / "c"), *flags]) == 0
    assert given == [("eye_swap",), "none", "eye_swap", "eye_swap,x"]  # the generator's own spellings
    capsys.readouterr()


def test_unknown_augmentation_is_a_one_line_error(tmp_path, capsys):
    from distilkit.cli import main

    with pytest.raises(DistilkitError, match="unknown clinic augmentation 'swap'"):
        make_clinic_data(tmp_path, train=10, validation=5, test=5, augment="swap")
    assert main(["make-clinic-data", str(tmp_path / "c"), "--augment", "mirror"]) == 2
    assert "eye_swap" in capsys.readouterr().err
