"""The synthetic clinic-note QA generator: determinism, answer spans, coverage of the grammar, splits."""
import json
import re
from collections import defaultdict

import pytest

from distilkit.data import clinic
from distilkit.data.clinic import generate_clinic_notes, make_clinic_data

SNELLEN_ANSWER = re.compile(r"^(6|20)/\d+([+-]\d)?$")
DRUG_NAMES = {name for family in clinic.DRUGS for name in family}


@pytest.fixture(scope="module")
def rows():
    return generate_clinic_notes(3000, seed=42)


@pytest.fixture(scope="module")
def notes(rows):
    """context -> its examples."""
    by_context = defaultdict(list)
    for r in rows:
        by_context[r["context"]].append(r)
    return by_context


def eye_of(question: str) -> str | None:
    return "L" if " left " in question else "R" if " right " in question else None


def test_same_seed_same_examples_and_exact_count():
    first = generate_clinic_notes(250, seed=7)
    assert first == generate_clinic_notes(250, seed=7)
    assert len(first) == 250
    assert generate_clinic_notes(100, seed=7) == first[:100]  # a prefix does not depend on n


def test_different_seeds_give_different_examples():
    a, b = generate_clinic_notes(200, seed=1), generate_clinic_notes(200, seed=2)
    assert {r["context"] for r in a} != {r["context"] for r in b}
    assert len({r["context"] for r in a} & {r["context"] for r in b}) < 20


def test_rows_are_squad_flat_and_every_answer_sits_at_its_start(rows):
    for r in rows:
        assert set(r) == {"id", "question", "context", "answers"}
        (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
        assert text and text == text.strip()
        assert r["context"][start:start + len(text)] == text, r


def test_ids_are_unique_and_name_the_seed(rows):
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"clinic-s42-\d{6}-q[123]", i) for i in ids)


def test_each_note_gives_one_to_three_questions(notes):
    sizes = [len(group) for group in list(notes.values())[:-1]]  # the last note may be cut short
    assert min(sizes) == 1 and max(sizes) == 3
    for group in notes.values():
        assert len({g["question"] for g in group}) == len(group)


def test_both_question_kinds_and_both_eye_notes_occur(rows, notes):
    questions = {r["question"] for r in rows}
    for q in ("What is the drug used on the left eye?", "What is the drug used on the right eye?",
              "What is the visual acuity of this patient?", "What is the visual acuity of the left eye?",
              "What is the VA in the right eye?", "Which drug was injected in the left eye?",
              "What drug is the right eye on?"):
        assert q in questions
    both = [c for c, g in notes.items() if {eye_of(r["question"]) for r in g} >= {"L", "R"}]
    assert len(both) > 100


def test_patient_phrasing_only_when_the_note_names_one_eye(notes):
    for group in notes.values():
        eyes = {eye_of(r["question"]) for r in group} - {None}
        if eyes == {"L", "R"}:
            assert not any("visual acuity of this patient" in r["question"] or "patient's" in r["question"]
                           for r in group)


def test_drug_answers_are_drugs_and_va_answers_are_acuities(rows):
    for r in rows:
        answer = r["answers"]["text"][0]
        if "drug" in r["question"] or "injected" in r["question"]:
            assert answer.lower() in DRUG_NAMES
        else:
            assert SNELLEN_ANSWER.match(answer) or answer.upper() in {"CF", "HM", "PL"} or \
                re.fullmatch(r"(logmar )?\d\.\d+( logmar)?", answer.lower()), answer


def test_every_drug_and_acuity_form_is_used(rows):
    answers = [r["answers"]["text"][0] for r in rows]
    assert {a.lower() for a in answers} >= DRUG_NAMES
    assert any(a.islower() for a in answers) and any(a[0].isupper() and a[1:].islower() for a in answers)
    assert any(a.isupper() and a.lower() in DRUG_NAMES for a in answers)
    for pattern in (r"^6/\d+$", r"^20/\d+$", r"-\d$", r"\+\d$", r"^\d\.\d+$", r"^\d\.\d+ logmar$",
                    r"^logmar \d\.\d+$", r"^(cf|hm|pl)$"):
        assert any(re.search(pattern, a.lower()) for a in answers), pattern


def test_note_features_appear(notes):
    contexts = list(notes)
    text = "\n".join(contexts)
    for token in ("l)", "r)", " LE", " RE", " OD", " OS", " OU", "both eyes", "L eye", "R eye",
                  "/52", "/12", "/7", "rev ", "r/v", "review", "f/u", "hn $95", "$120", " ph ", "logMAR",
                  "V/A", "vis ", "inj", "IVI", "hx ", "pt ", "AMD", "wAMD", "DMO", "RVO", "CMO", "PDR",
                  "IOP 14", "OCT dry", "SRF", "IRF", "tx", "cont", " + "):
        assert token in text, token
    lengths = [len(c.split()) for c in contexts]
    assert min(lengths) <= 5 and max(lengths) >= 30


def test_intervals_and_snellen_acuities_share_notes(notes):
    # 4/52 looks like 6/9: the model must see both in one note to learn the difference.
    mixed = [c for c, g in notes.items()
             if "/52" in c and any(SNELLEN_ANSWER.match(r["answers"]["text"][0]) for r in g)]
    assert len(mixed) > 50
    # and an interval never becomes an answer
    assert not any(r["answers"]["text"][0].endswith(("/52", "/7")) for g in notes.values() for r in g)


def test_some_notes_lack_acuity_drug_or_interval(notes):
    no_va = [c for c in notes if not re.search(r"\b(va:?|v/a|vis)\b|logmar|\b(6|20)/\d+\b|\b(cf|hm|pl)\b", c, re.I)]
    no_drug = [c for c in notes if not any(name in c.lower() for name in DRUG_NAMES)]
    no_interval = [c for c in notes if not re.search(r"\b\d+/(52|12|7)\b", c)]
    assert len(no_va) > 20 and len(no_drug) > 20 and len(no_interval) > 20


def test_both_eye_notes_bind_each_drug_to_its_eye(notes):
    differ, checked = 0, 0
    for context, group in notes.items():
        drug_answers = {eye_of(r["question"]): r["answers"] for r in group
                        if "drug" in r["question"] or "injected" in r["question"]}
        if {"L", "R"} <= set(drug_answers):
            left, right = drug_answers["L"], drug_answers["R"]
            if left["text"][0].lower() != right["text"][0].lower():
                differ += 1
                assert left["answer_start"] != right["answer_start"]
            # where the note writes "l) <drug>" and "r) <drug>", each answer must be its eye's drug
            written = {m.group(1).upper(): m.group(2) for m in re.finditer(r"\b([lr])\) (\S+)", context, re.I)
                       if m.group(2).lower() in DRUG_NAMES}
            if set(written) == {"L", "R"}:
                checked += 1
                assert left["text"][0] == written["L"] and right["text"][0] == written["R"], context
    assert differ > 50 and checked > 5


def test_history_drug_is_a_distractor_not_an_answer(notes):
    with_history = [(c, g) for c, g in notes.items() if re.search(r"\b(prev|switched from) (\S+)", c)]
    assert len(with_history) > 20
    for context, group in with_history:
        old = re.search(r"\b(prev|switched from) (\S+)", context)
        assert all(r["answers"]["answer_start"][0] != old.start(2) for r in group)


def read_jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def test_make_clinic_data_writes_three_held_out_splits(tmp_path):
    paths = make_clinic_data(tmp_path / "clinic", train=500, validation=120, test=150, seed=3)
    assert set(paths) == {"train", "validation", "test"}
    splits = {name: read_jsonl(path) for name, path in paths.items()}
    assert [len(splits[s]) for s in ("train", "validation", "test")] == [500, 120, 150]
    assert splits["train"] == generate_clinic_notes(500, seed=3)
    assert all(r["id"].startswith("clinic-s1003-") for r in splits["validation"])
    assert all(r["id"].startswith("clinic-s2003-") for r in splits["test"])
    train = {r["context"] for r in splits["train"]}
    assert not train & {r["context"] for r in splits["test"]}
    assert not train & {r["context"] for r in splits["validation"]}
    readme = (tmp_path / "clinic" / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in readme and "make_clinic_data" in readme and "| test | 2003 | 150 |" in readme


def test_colliding_held_out_notes_are_replaced(tmp_path, monkeypatch):
    # With every split on the same seed, validation and test would copy train: all must be replaced.
    monkeypatch.setattr(clinic, "SPLIT_OFFSETS", {"train": 0, "validation": 0, "test": 0})
    paths = make_clinic_data(tmp_path, train=200, validation=50, test=50, seed=5)
    splits = {name: read_jsonl(path) for name, path in paths.items()}
    assert [len(splits[s]) for s in ("train", "validation", "test")] == [200, 50, 50]
    train, val, test = ({r["context"] for r in splits[s]} for s in ("train", "validation", "test"))
    assert not train & val and not train & test and not val & test
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| test |"))
    assert int(row.split("|")[5]) > 0 and int(row.split("|")[6]) == 0  # replaced some, none left


def test_make_clinic_data_command_and_strict_validation(tmp_path, capsys):
    """The CLI writes splits that the QA loader accepts under the strictest policy."""
    from distilkit.cli import main
    from distilkit.config import DataConfig, QAConfig
    from distilkit.data.qa import load_qa_split

    assert main(["make-clinic-data", str(tmp_path / "c"), "--train", "40", "--validation", "10",
                 "--test", "10", "--seed", "7"]) == 0
    paths = json.loads(capsys.readouterr().out)
    for split, n in (("train", 40), ("validation", 10), ("test", 10)):
        loaded = load_qa_split(paths[split], DataConfig(), QAConfig(bad_answers="error"))
        assert len(loaded) == n and loaded.report["misplaced"] == 0
