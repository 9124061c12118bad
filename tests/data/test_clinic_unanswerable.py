"""Questions a clinic note does not answer (make-clinic-data --unanswerable, issue 33): SQuAD v2 rows at the share
asked for in every split and every template family, eye-swap twins that ask them with the same words, a seeded
stream of their own, and a share of 0 that writes today's files byte for byte (the committed benches depend on
it)."""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict

import pytest

from distilkit.data import clinic
from distilkit.data.clinic import make_clinic_data
from distilkit.data.clinic.unanswerable import KINDS
from tests.data.test_clinic_splits import read_jsonl

SPLITS = ("train", "validation", "test", "test_unseen", "validation_unseen")
SMALL = dict(train=400, validation=100, test=100, test_unseen=100, validation_unseen=100)
# sha256 (first 16 hex digits) of make_clinic_data(DIR, **SMALL) before unanswerable questions existed (defaults:
# eye-swap twins, procedure-tables detail, both held-out lists): --unanswerable 0 must write exactly these files.
BEFORE = {"README.md": "5858b3ae9b7c5f43", "families.json": "ec6d7f0fc5de7161", "test.jsonl": "69143c740ed0c702",
          "test_unseen.jsonl": "b9929e037a7c8230", "train.jsonl": "4d73eb68903d5ab1",
          "validation.jsonl": "0af716913b51e2bc", "validation_unseen.jsonl": "ef2d4d6f508fb9b1"}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, list[dict]]:
    out = tmp_path_factory.mktemp("noans")
    paths = make_clinic_data(out, **SMALL)  # the default share
    return {**{split: read_jsonl(path) for split, path in paths.items()},
            "families": json.loads((out / "families.json").read_text()), "readme": (out / "README.md").read_text()}


@pytest.fixture(scope="module")
def examples():
    return clinic.clinic_examples(2500, seed=42, unanswerable=0.25)


def test_a_share_of_0_writes_the_files_of_before_byte_for_byte(tmp_path):
    make_clinic_data(tmp_path, **SMALL, unanswerable=0)
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in tmp_path.iterdir() if p.is_file()}
    assert got == BEFORE


def test_every_split_has_the_share_in_squad_v2_form(written):
    assert clinic.DEFAULT_UNANSWERABLE == 0.25
    for split in SPLITS:
        rows = written[split]
        assert all(set(r) == {"id", "question", "context", "answers", "is_impossible"} for r in rows)
        impossible = [r for r in rows if r["is_impossible"]]
        assert all(r["answers"] == {"text": [], "answer_start": []} for r in impossible)
        for r in rows:
            if not r["is_impossible"]:
                (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
                assert r["context"][start:start + len(text)] == text, r
        own = [r for r in rows if "x-q" not in r["id"]]  # train's eye-swap twins come on top
        share = sum(r["is_impossible"] for r in own) / len(own)
        assert 0.2 <= share <= 0.3, (split, share)
        counts = written["families"]["unanswerable"]["per_split"][split]
        assert counts["unanswerable"] == len(impossible) and sum(counts["kinds"].values()) == len(impossible)
    assert "A share of 0.25 of each split's questions has no answer" in written["readme"]
    assert "unanswerable=0.25" in written["readme"]


def test_no_question_is_both_answered_and_unanswered_in_one_note(written):
    for split in SPLITS:
        asked = defaultdict(dict)
        for r in written[split]:
            question = r["question"]
            assert asked[r["context"]].setdefault(question, r["is_impossible"]) == r["is_impossible"], r


def test_every_kind_and_every_template_family_gets_unanswerable_questions(examples):
    rows, records = examples
    kinds = Counter(rec["unanswerable"] for rec in records if "unanswerable" in rec)
    assert set(kinds) == set(KINDS), kinds
    assert 0.2 <= sum(kinds.values()) / len(rows) <= 0.3
    with_none = {(d, f) for rec in records if "unanswerable" in rec for d, f in rec.items() if d in clinic.FAMILIES}
    everything = {(d, f) for rec in records for d, f in rec.items() if d in clinic.FAMILIES}
    assert everything - with_none <= {("treatment", "both")}, everything - with_none  # OU treats both eyes


def test_unseen_splits_get_them_in_their_own_families(written):
    for split, holdout in (("test_unseen", clinic.DEFAULT_HOLDOUT), ("validation_unseen", clinic.VALIDATION_HOLDOUT)):
        impossible = [r for r in written[split] if r["is_impossible"]]
        assert impossible and len({r["context"] for r in impossible}) > 10


def test_interval_questions_are_asked_with_and_without_an_answer(examples):
    rows, records = examples
    interval = [r for r in rows if r["question"] in clinic.unanswerable.INTERVAL_QUESTIONS]
    answered = [r for r in interval if r["answers"]["text"]]
    assert answered and len(interval) > len(answered)
    for r in answered:  # the value as written, never the review word
        assert r["answers"]["text"][0].split()[0][0].isdigit(), r


def test_eye_swap_twins_ask_the_same_words_answered_from_the_swapped_note(written):
    train = {r["id"]: r for r in written["train"]}
    pairs = [(train[i.replace("x-q", "-q")], r) for i, r in train.items()
             if "x-q" in i and train.get(i.replace("x-q", "-q"), {}).get("is_impossible")]
    assert pairs
    flipped = [(a, b) for a, b in pairs if not b["is_impossible"]]
    assert flipped and all(a["question"] == b["question"] for a, b in pairs)
    for a, b in flipped:  # "left eye's drug?": none in the note, a span in its twin
        (text,), (start,) = b["answers"]["text"], b["answers"]["answer_start"]
        assert b["context"][start:start + len(text)] == text and a["context"] != b["context"]


def test_the_stream_is_seeded_and_a_prefix_does_not_depend_on_n():
    a = clinic.generate_clinic_notes(300, seed=9, unanswerable=0.3)
    assert a == clinic.generate_clinic_notes(300, seed=9, unanswerable=0.3)
    assert clinic.generate_clinic_notes(120, seed=9, unanswerable=0.3) == a[:120]


def test_the_answerable_questions_of_a_note_are_those_of_share_0():
    plain = {r["id"]: r for r in clinic.generate_clinic_notes(400, seed=5)}
    noans = clinic.generate_clinic_notes(400, seed=5, unanswerable=0.25)
    same = [r for r in noans if r["id"] in plain]
    assert len(same) > 200
    for r in same:
        p = plain[r["id"]]
        assert r["question"] == p["question"] and r["answers"] == p["answers"] and not r["is_impossible"]
        # an acuity-only note may be written as observation-only: only words added after its acuity line
        assert r["context"] == p["context"] or len(r["context"]) > len(p["context"])


def test_the_share_is_bounded_on_the_command_line(tmp_path, capsys):
    from distilkit.cli import main

    assert main(["make-clinic-data", str(tmp_path / "c"), "--unanswerable", "0.7"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--unanswerable 0.7" in err and "between 0 and 0.5" in err and len(err.splitlines()) == 1
    assert main(["make-clinic-data", str(tmp_path / "d"), "--train", "30", "--validation", "10", "--test", "10",
                 "--test-unseen", "10", "--validation-unseen", "10", "--unanswerable", "0.5"]) == 0
    rows = read_jsonl(tmp_path / "d" / "test.jsonl")
    assert 0.4 <= sum(r["is_impossible"] for r in rows) / len(rows) <= 0.6


def test_evaluation_splits_do_not_depend_on_twins_or_training_detail(tmp_path):
    small = {**SMALL, "train": 150}
    runs = {name: make_clinic_data(tmp_path / name, **small, **kw) for name, kw in
            {"plain": {"augment": "none", "train_detail": "plain"}, "default": {}}.items()}
    for split in SPLITS[1:]:
        assert read_jsonl(runs["plain"][split]) == read_jsonl(runs["default"][split])
    base = [r for r in read_jsonl(runs["default"]["train"]) if "x-q" not in r["id"]]
    assert len(base) == 150 and any(r["is_impossible"] for r in base)
