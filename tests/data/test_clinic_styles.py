"""Training notes in other hands' styles (make-clinic-data --train-styles, issue 33): letters, nurse injection records
and one-eye shorthand that names the untreated eye, on train only, with answers that are spans, unanswerable questions
whose eye really has nothing in the note, eye-swap twins that answer them, a seeded stream, and no held-out family."""
from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter

import pytest

from distilkit.data import clinic
from distilkit.data.clinic import Detail, make_clinic_data
from distilkit.data.clinic.draft import Draft
from distilkit.data.clinic.holdout import DEFAULT_HOLDOUT, VALIDATION_HOLDOUT, allowed_families
from distilkit.data.clinic.notes import note_stream, swap_eyes
from distilkit.data.clinic.styled import render
from distilkit.data.clinic.styles import STYLES
from distilkit.data.clinic.unanswerable import INTERVAL_QUESTIONS, KINDS, candidates
from distilkit.data.clinic.wording import CLINICIAN_WORDING, QUESTION
from tests.data.test_clinic_splits import read_jsonl
from tests.data.test_clinic_unanswerable import SMALL

HELD = DEFAULT_HOLDOUT + VALIDATION_HOLDOUT
TRAIN = allowed_families(HELD)
DRUG_WORDS = sorted({w.lower() for kind in clinic.DRUGS for w in kind}, key=len, reverse=True)
DRUG = re.compile(r"(?<![\w])(" + "|".join(map(re.escape, DRUG_WORDS)) + r")(?![\w])", re.I)
# sha256 (first 16 hex digits) of make_clinic_data(DIR, **SMALL) with the default share of unanswerable questions
# before the styles existed: --train-styles 0 must write exactly these files (the first no-answer run's data).
BEFORE_STYLES = {"README.md": "6525cbdd2009fa8e", "families.json": "ae6ecfb7720073d4",
                 "test.jsonl": "4e873c7b5852ecad", "test_unseen.jsonl": "24b775d14f22423b",
                 "train.jsonl": "1cae916021b4cf11", "validation.jsonl": "adae7ea68a572145",
                 "validation_unseen.jsonl": "c4e4a9afc1b175e0"}


def stream(n: int = 1500, seed: int = 42, styles: float = 0.2, allowed=None):
    """(examples, {copy: examples}, families) of the first n items of a training stream, styled notes included."""
    items = note_stream(seed, allowed or TRAIN, {"eye_swap": (swap_eyes, "x")}, Detail.PROCEDURE_TABLES, 0.25, styles)
    return [next(items) for _ in range(n)]


@pytest.fixture(scope="module")
def items():
    return stream()


@pytest.fixture(scope="module")
def styled(items):
    return [(group, made, fam) for group, made, fam in items if fam.get("style") in STYLES]


def _questions(families: list[str]) -> set[str]:
    out = set(INTERVAL_QUESTIONS)
    for drug, va, patient in [QUESTION[f].impl for f in families] + [CLINICIAN_WORDING]:
        for word in ("left", "right"):
            out |= {t.format(e=word, E=word.capitalize()) for t in drug + va}
        out |= set(patient)
    return out


def test_every_style_appears_at_about_the_share_asked_for(items, styled):
    counts = Counter(fam.get("style", "grammar") for _, _, fam in items)
    assert set(counts) == {"grammar", "negated", "only", *STYLES}, counts
    share = sum(counts[s] for s in STYLES) / sum(counts.values())
    assert 0.15 <= share <= 0.25, counts
    assert min(counts[s] for s in STYLES) > 0.5 * max(counts[s] for s in STYLES)
    assert all(group[0]["id"].endswith("s-q1") for group, _, _ in styled)


def test_answers_are_spans_and_each_styled_note_asks_with_and_without_an_answer(styled):
    both = 0
    for group, made, _ in styled:
        for r in group + made.get("eye_swap", []):
            if r["is_impossible"]:
                assert r["answers"] == {"text": [], "answer_start": []} and r.kind in KINDS, r
            else:
                (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
                assert r["context"][start:start + len(text)] == text and r.kind is None, r
        assert len({r["question"] for r in group}) == len(group)
        both += any(r["is_impossible"] for r in group) and not all(r["is_impossible"] for r in group)
    assert both > 0.6 * len(styled)


def drafts(n: int = 800):
    """(draft, fields, gaps) of n styled notes, each style and scenario drawn at random."""
    out = []
    for i in range(n):
        rng = random.Random(f"test-styles:{i}")
        name = rng.choice(list(STYLES))
        style = STYLES[name]
        d = Draft(rng, TRAIN, name, rng.choice(list(style.scenarios)), style.eyes)
        out.append((d, *style.write(d)))
    return out


def marker(d, eye: str) -> re.Pattern:
    return re.compile(r"(?<![\w/.])" + re.escape(d.marks[eye]) + r"(?![\w/])")


def test_an_unanswered_eye_has_nothing_in_the_note_and_its_twin_answers_it():
    """Every drug a styled note names is a current drug at its tagged place or the earlier drug (never an answer);
    an eye without a drug answer is named only to say it had none (untreated_eye) or not at all (unmentioned_eye);
    the eye-swap twin swaps every marker, so the same question is answered there with the other eye's drug."""
    kinds = Counter()
    for d, fields, gaps in drafts():
        text, spans = render(fields, gaps)
        tagged = {start for tag, (start, _) in spans.items() if tag.startswith("drug:")}
        for m in DRUG.finditer(text):
            assert m.start() in tagged or m.group(1).lower() == d.old.lower(), (text, m.group(1))
        for kind, field, eye in candidates(fields, spans):
            if field != "drug":
                continue
            kinds[kind] += 1
            assert f"drug:{eye}" not in spans and "drug:B" not in spans
            if kind == "unmentioned_eye":
                assert not marker(d, eye).search(text), (text, eye)
            elif kind == "untreated_eye":
                assert marker(d, eye).search(text), (text, eye)
                twin = swap_eyes(fields, d.marks)
                twin_text, twin_spans = render(twin, gaps)
                assert f"drug:{eye}" in twin_spans and d.old.lower() != twin_spans[f"drug:{eye}"][1].lower()
                counts = [len(marker(d, e).findall(t)) for t in (text, twin_text) for e in "LR"]
                assert counts[:2] == counts[2:][::-1] and counts[0] + counts[1] >= 2, (text, twin_text)
    assert min(kinds[k] for k in ("untreated_eye", "unmentioned_eye", "no_drug")) > 40, kinds


def test_eye_swap_twins_answer_the_styled_notes_unanswered_drug_questions(styled):
    flipped = Counter()
    for group, made, fam in styled:
        twin = {r["question"]: r for r in made.get("eye_swap", [])}
        for r in group:
            if r.kind == "untreated_eye" and r["question"] in twin:
                assert not twin[r["question"]]["is_impossible"]
                flipped[fam["style"]] += 1
    assert all(flipped[s] > 10 for s in STYLES), flipped


def test_nurse_records_give_the_named_eye_its_unmarked_acuity_and_the_other_none(styled):
    nurse = [(group, made) for group, made, fam in styled if fam["style"] == "nurse"]
    pre = re.compile(r"VA \(pre\)|VA pre-IVI|Pre-IVI VA|pre-injection|VA before injection|VA prior to IVI")
    answered = unanswered = 0
    for group, _ in nurse:
        for r in group:
            if "eye" in r["question"] and pre.search(r["context"]) and re.search(r"vision|VA|acuity|see|read",
                                                                                 r["question"]):
                answered += not r["is_impossible"]
                unanswered += r["is_impossible"]
    assert answered > 20 and unanswered > 20


def test_styled_notes_show_no_held_out_family(styled):
    asked = _questions(TRAIN["question"])
    held_surface = re.compile(r"\b(Rt|Lt)\b(?! eye)|\||\bVision:|\bAcuity\b|\bVisual acuity\b|\b\d+yo\b|"
                              r"\b(injection|inj) (to|into)\b|\b(\d+) (weeks|wks|mths)\b|;", re.I)
    for group, made, fam in styled:
        assert not {f"{d}.{f}" for d, f in fam.items() if d in clinic.FAMILIES} & set(HELD), fam
        for r in group + made.get("eye_swap", []):
            assert r["question"] in asked, r["question"]
            assert not held_surface.search(r["context"]), r["context"]
            for text, start in zip(r["answers"]["text"], r["answers"]["answer_start"]):
                after = r["context"][start + len(text):].split()
                assert not after or after[0].strip(".,") not in ("given", "done"), r["context"]  # `LE: eylea given`


def test_the_styles_are_seeded_and_a_prefix_does_not_depend_on_n():
    a = clinic._take(3, 500, set(), TRAIN, ("eye_swap",), True, Detail.PROCEDURE_TABLES, 0.25, 0.2)[0]
    assert a == clinic._take(3, 500, set(), TRAIN, ("eye_swap",), True, Detail.PROCEDURE_TABLES, 0.25, 0.2)[0]
    shorter = clinic._take(3, 200, set(), TRAIN, ("eye_swap",), True, Detail.PROCEDURE_TABLES, 0.25, 0.2)[0]
    own = [r for r in a if "x-q" not in r["id"]]
    assert [r for r in shorter if "x-q" not in r["id"]] == own[:200]
    other = clinic._take(4, 500, set(), TRAIN, ("eye_swap",), True, Detail.PROCEDURE_TABLES, 0.25, 0.2)[0]
    assert {r["context"] for r in a if "s-q" in r["id"]} != {r["context"] for r in other if "s-q" in r["id"]}


def test_grammar_notes_keep_their_answerable_questions(items):
    """The styled stream's grammar notes are those of --train-styles 0, their answerable questions the same; a note
    that now names its untreated eye has only words added to its treatment."""
    plain = {r["id"]: r for group, _, _ in stream(styles=0.0) for r in group}
    named = 0
    for group, _, fam in items:
        for r in group:
            if r["id"] in plain and not r["is_impossible"]:
                p = plain[r["id"]]
                assert r["question"] == p["question"] and r["answers"]["text"] == p["answers"]["text"]
                named += r["context"] != p["context"]
                assert r["context"] == p["context"] or fam.get("style") in ("negated", "only")
    assert named > 50


def test_train_only_and_a_share_of_0_writes_the_files_of_before(tmp_path):
    make_clinic_data(tmp_path / "off", **SMALL, train_styles=0)
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in (tmp_path / "off").iterdir()}
    assert got == BEFORE_STYLES
    paths = make_clinic_data(tmp_path / "on", **SMALL)  # the default share
    for split in ("validation", "test", "test_unseen", "validation_unseen"):
        assert (tmp_path / "on" / f"{split}.jsonl").read_bytes() == (tmp_path / "off" / f"{split}.jsonl").read_bytes()
    train = read_jsonl(paths["train"])
    own = [r for r in train if "x-q" not in r["id"]]
    assert len(own) == SMALL["train"] and 0.2 <= sum(r["is_impossible"] for r in own) / len(own) <= 0.3
    assert sum("s-q" in r["id"] for r in own) > 40
    readme = (tmp_path / "on" / "README.md").read_text(encoding="utf-8")
    assert "train_styles=0.2" in readme and "other hands' styles" in readme
    counts = json.loads((tmp_path / "on" / "families.json").read_text())["unanswerable"]
    assert counts["train_styles"] == 0.2 and set(STYLES) <= set(counts["per_split"]["train"]["styles"])
    assert "styles" not in counts["per_split"]["validation"]


def test_the_share_is_bounded_and_needs_unanswerable_questions(tmp_path, capsys):
    from distilkit.cli import main

    assert main(["make-clinic-data", str(tmp_path / "c"), "--train-styles", "0.7"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--train-styles 0.7" in err and "between 0 and 0.5" in err and len(err.splitlines()) == 1
    assert clinic.DEFAULT_TRAIN_STYLES == 0.2
    small = dict(train=60, validation=10, test=10, test_unseen=10, validation_unseen=10)
    none = read_jsonl(make_clinic_data(tmp_path / "v1", **small, unanswerable=0, train_styles=0.5)["train"])
    assert not [r for r in none if "s-q" in r["id"] or "is_impossible" in r]  # SQuAD v1 rows: no styles either
