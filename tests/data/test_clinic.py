"""The synthetic clinic-note QA generator: determinism, answer spans, coverage of the grammar and its families.

The files make_clinic_data writes (splits, held-out families, eye-swap twins, the CLI) are in test_clinic_splits.py."""
import json
import re
from collections import Counter, defaultdict

import pytest

from distilkit.data import clinic
from distilkit.data.clinic import generate_clinic_notes, make_clinic_data
from distilkit.data.clinic.wording import CLINICIAN_WORDING
from distilkit.errors import DistilkitError

SNELLEN_ANSWER = re.compile(r"^(6|20)/\d+([+-]\d)?$")
DRUG_NAMES = {name for family in clinic.DRUGS for name in family}
# "r) eylea hd": the longest drug name after a paren marker (multi-word names first)
WRITTEN_DRUG = re.compile(r"\b([lr])\) (" + "|".join(sorted(map(re.escape, DRUG_NAMES), key=len, reverse=True))
                          + r")(?![\w])", re.I)
PINNED_SEED_42 = "1b87c8c2eff5f1ea"  # sha256 of the first 200 default-holdout examples (bench/clinic_generalisation)


def _question_kinds() -> dict[str, tuple[str, str | None]]:
    """Every question the grammar can ask -> (drug|va, L|R|None for the patient), from the wording families."""
    kinds = {}
    # CLINICIAN_WORDING: the training notes' extra wordings (--train-detail procedure-wording)
    for drug, va, patient in [family.impl for family in clinic.FAMILIES["question"].values()] + [CLINICIAN_WORDING]:
        for eye, word in (("L", "left"), ("R", "right")):
            kinds.update({t.format(e=word, E=word.capitalize()): ("drug", eye) for t in drug})
            kinds.update({t.format(e=word, E=word.capitalize()): ("va", eye) for t in va})
        kinds.update({t: ("va", None) for t in patient})
    return kinds


KINDS = _question_kinds()


@pytest.fixture(scope="module")
def examples():
    """3,000 examples of the full grammar, with the families of each example's note."""
    return clinic.clinic_examples(3000, seed=42)


@pytest.fixture(scope="module")
def rows(examples):
    return examples[0]


@pytest.fixture(scope="module")
def notes(rows):
    """context -> its examples."""
    by_context = defaultdict(list)
    for r in rows:
        by_context[r["context"]].append(r)
    return by_context


def eye_of(question: str) -> str | None:
    return KINDS[question][1]


def is_drug(question: str) -> bool:
    return KINDS[question][0] == "drug"


def test_same_seed_same_examples_and_exact_count():
    first = generate_clinic_notes(250, seed=7)
    assert first == generate_clinic_notes(250, seed=7)
    assert len(first) == 250
    assert generate_clinic_notes(100, seed=7) == first[:100]  # a prefix does not depend on n
    unseen = generate_clinic_notes(120, seed=7, holdout_families=clinic.DEFAULT_HOLDOUT, unseen=True)
    assert generate_clinic_notes(60, seed=7, holdout_families=clinic.DEFAULT_HOLDOUT, unseen=True) == unseen[:60]


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


def test_every_family_is_produced(examples):
    rows, records = examples
    seen = {(dim, name) for rec in records for dim, name in rec.items()}
    missing = [f"{d}.{n}" for d, table in clinic.FAMILIES.items() for n in table if (d, n) not in seen]
    assert not missing
    for rec in records:  # every note shows a question wording; the rest only when the note has that field
        assert set(rec) <= set(clinic.FAMILIES) and "question" in rec


def test_the_registry_and_the_default_holdout():
    assert len(clinic.FAMILY_NAMES) == len(set(clinic.FAMILY_NAMES)) >= 50
    for table in clinic.FAMILIES.values():
        assert all(f.weight > 0 and f.example for f in table.values())
    held_dims = {name.split(".")[0] for name in clinic.DEFAULT_HOLDOUT}
    assert held_dims == set(clinic.FAMILIES)  # one family held out in every dimension
    assert "eyes.rt_lt" in clinic.DEFAULT_HOLDOUT and "eyes.os_od" not in clinic.DEFAULT_HOLDOUT


def test_held_out_families_stay_out_and_unseen_uses_only_them():
    holdout = clinic.DEFAULT_HOLDOUT
    held = {tuple(name.split(".")) for name in holdout}
    rows, records = clinic.clinic_examples(2000, seed=11, holdout_families=holdout)
    assert not {(d, n) for rec in records for d, n in rec.items()} & held
    rows, records = clinic.clinic_examples(600, seed=12, holdout_families=holdout, unseen=True)
    used = {(d, n) for rec in records for d, n in rec.items()}
    assert used == held  # only held-out families, and every one of them shows up
    for r in rows:
        (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
        assert r["context"][start:start + len(text)] == text
    # a custom holdout: only the named dimensions are restricted in the unseen split
    rows, records = clinic.clinic_examples(600, seed=13, holdout_families="eyes.colon,question.terse", unseen=True)
    assert {rec["question"] for rec in records} == {"terse"}
    assert {rec.get("eyes") for rec in records} <= {"colon", None}
    assert len({rec.get("separator") for rec in records}) > 5


def test_unknown_or_total_holdout_is_a_one_line_error():
    with pytest.raises(DistilkitError) as err:
        clinic.clinic_examples(10, seed=1, holdout_families="eyes.rt_lt,eyes.klingon")
    message = str(err.value)
    assert "\n" not in message and "'eyes.klingon'" in message and "eyes.rt_lt" in message
    assert "separator.pipe" in message  # lists the valid names
    with pytest.raises(DistilkitError, match="every order family"):
        clinic.clinic_examples(10, seed=1, holdout_families="order.clinic,order.reversed,order.shuffled")
    assert clinic.clinic_examples(5, seed=1, holdout_families="none") == clinic.clinic_examples(5, seed=1)


def test_both_question_kinds_and_both_eye_notes_occur(rows, notes):
    questions = {r["question"] for r in rows}
    for q in ("What is the drug used on the left eye?", "What is the drug used on the right eye?",
              "What is the visual acuity of this patient?", "What is the visual acuity of the left eye?",
              "What is the VA in the right eye?", "Which drug was injected in the left eye?",
              "What drug is the right eye on?", "Which medication did the right eye receive?",
              "What did the left eye get today?", "VA left eye?", "Right eye drug?"):
        assert q in questions
    both = [c for c, g in notes.items() if {eye_of(r["question"]) for r in g} >= {"L", "R"}]
    assert len(both) > 100


def test_left_first_and_right_first_notes_are_equally_common(notes):
    # The old 3:1 right-first grammar taught a model to answer a right-eye question by position.
    first = Counter()
    for group in notes.values():
        for kind in ("drug", "va"):
            starts = {eye_of(r["question"]): r["answers"]["answer_start"][0] for r in group
                      if KINDS[r["question"]][0] == kind and eye_of(r["question"])}
            if {"L", "R"} <= set(starts) and starts["L"] != starts["R"]:
                first["L" if starts["L"] < starts["R"] else "R"] += 1
    assert sum(first.values()) > 150
    assert 0.4 < first["L"] / sum(first.values()) < 0.6, first


def test_patient_phrasing_only_when_the_note_names_one_eye(notes):
    for group in notes.values():
        eyes = {eye_of(r["question"]) for r in group} - {None}
        if eyes == {"L", "R"}:
            assert not any(eye_of(r["question"]) is None for r in group)


def test_drug_answers_are_drugs_and_va_answers_are_acuities(rows):
    for r in rows:
        answer = r["answers"]["text"][0]
        if is_drug(r["question"]):
            assert answer.lower() in DRUG_NAMES  # bare: never "eylea injection" or "eylea LE today"
        else:
            assert SNELLEN_ANSWER.match(answer) or answer.upper() in {"CF", "HM", "PL"} or \
                re.fullmatch(r"\d+ letters", answer.lower()) or \
                re.fullmatch(r"(logmar )?\d\.\d+( logmar)?", answer.lower()), answer


def test_every_drug_and_acuity_form_is_used(rows):
    answers = [r["answers"]["text"][0] for r in rows]
    assert {a.lower() for a in answers} >= DRUG_NAMES
    assert any(a.islower() for a in answers) and any(a[0].isupper() and a[1:].islower() for a in answers)
    assert any(a.isupper() and a.lower() in DRUG_NAMES for a in answers)
    for pattern in (r"^6/\d+$", r"^20/\d+$", r"-\d$", r"\+\d$", r"^\d\.\d+$", r"^\d\.\d+ logmar$",
                    r"^logmar \d\.\d+$", r"^(cf|hm|pl)$", r"^\d+ letters$"):
        assert any(re.search(pattern, a.lower()) for a in answers), pattern


def test_note_features_appear(notes):
    contexts = list(notes)
    text = "\n".join(contexts)
    for token in ("l)", "r)", " LE", " RE", " OD", " OS", " OU", "both eyes", "L eye", "R eye", "Rt ", "Lt eye",
                  "right eye", "R: ", " | ", " / ", "\n", "today", "injection to", "given", "switched",
                  "Both eyes treated:", "Vision", "Acuity", "letters",
                  "/52", "/12", "/7", "weeks", "rev ", "r/v", "review", "f/u", "hn $95", "$120", " ph ", "logMAR",
                  "V/A", "vis ", "inj", "IVI", "hx ", "pt ", "yo ", "AMD", "wAMD", "DMO", "RVO", "CMO", "PDR",
                  "IOP 14", "OCT dry", "SRF", "IRF", "tx", "cont", " + "):
        assert token in text, repr(token)
    lengths = [len(c.split()) for c in contexts]
    assert min(lengths) <= 5 and max(lengths) >= 30


def test_intervals_and_snellen_acuities_share_notes(notes):
    # 4/52 looks like 6/9: the model must see both in one note to learn the difference.
    mixed = [c for c, g in notes.items()
             if "/52" in c and any(SNELLEN_ANSWER.match(r["answers"]["text"][0]) for r in g)]
    assert len(mixed) > 50
    # and an interval never becomes an answer
    assert not any(r["answers"]["text"][0].endswith(("/52", "/7", "weeks", "wks", "months", "mths", "days"))
                   for g in notes.values() for r in g)


def test_some_notes_lack_acuity_drug_or_interval(notes):
    no_va = [c for c in notes if not re.search(r"\b(va:?|v/a|vis|vision|acuity)\b|logmar|letters|\b(6|20)/\d+\b"
                                               r"|\b(cf|hm|pl)\b", c, re.I)]
    no_drug = [c for c in notes if not any(name in c.lower() for name in DRUG_NAMES)]
    no_interval = [c for c in notes if not re.search(r"\b\d+/(52|12|7)\b|\d+ (weeks|wks|months|mths|days)", c)]
    assert len(no_va) > 20 and len(no_drug) > 20 and len(no_interval) > 20


def test_both_eye_notes_bind_each_drug_to_its_eye(notes):
    differ, same, checked = 0, 0, 0
    for context, group in notes.items():
        drug_answers = {eye_of(r["question"]): r["answers"] for r in group if is_drug(r["question"])}
        if {"L", "R"} <= set(drug_answers):
            left, right = drug_answers["L"], drug_answers["R"]
            if left["text"][0].lower() != right["text"][0].lower():
                differ += 1
                assert left["answer_start"] != right["answer_start"]
            elif left["answer_start"] != right["answer_start"]:
                same += 1  # the same drug for both eyes in separate mentions: each eye answers with its own
            # where the note writes "l) <drug>" and "r) <drug>", each answer must be its eye's drug
            written = {m.group(1).upper(): m.group(2) for m in WRITTEN_DRUG.finditer(context)}
            if set(written) == {"L", "R"} and "switched" not in context.lower():  # "r) lucentis switched to ..."
                checked += 1
                assert left["text"][0] == written["L"] and right["text"][0] == written["R"], context
    assert differ > 50 and same > 10 and checked > 5


DISTRACTOR = re.compile(r"\b(prev|previously on|switched from|had|was) (\S+)", re.I)


def test_earlier_drugs_are_distractors_not_answers(notes):
    with_earlier = [(c, g) for c, g in notes.items()
                    if any(m.group(2).strip(")").lower() in DRUG_NAMES for m in DISTRACTOR.finditer(c))]
    assert len(with_earlier) > 50
    for context, group in with_earlier:
        olds = {m.start(2) for m in DISTRACTOR.finditer(context) if m.group(2).strip(")").lower() in DRUG_NAMES}
        assert all(r["answers"]["answer_start"][0] not in olds for r in group)


def test_seed_42_notes_are_pinned():
    """The generator's stream for seed 42 (what the recipe trains on) changes only on purpose."""
    import hashlib

    rows = generate_clinic_notes(200, seed=42, holdout_families=clinic.DEFAULT_HOLDOUT)
    digest = hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()[:16]
    assert digest == PINNED_SEED_42, digest


def test_prep_drops_are_never_answers_and_multi_word_drugs_are_answered_whole(rows):
    # Antiseptic and drops beside the injection ("povidone 5%", "G. tetracaine") look like drugs but never answer.
    prep = [r for r in rows if any(p.lower() in r["context"].lower() for p in clinic.vocab.PREP)]
    assert len(prep) > 50
    assert not any(p.split()[-1].lower() in r["answers"]["text"][0].lower() for r in prep for p in clinic.vocab.PREP)
    # "Eylea HD" is one drug: its answer is both words, and a bare "eylea" answer never stops before "hd".
    whole = [r for r in rows if r["answers"]["text"][0].lower() in ("eylea hd", "aflibercept 8mg")]
    assert len(whole) > 20
    for r in rows:
        start, text = r["answers"]["answer_start"][0], r["answers"]["text"][0]
        if text.lower() in ("eylea", "aflibercept"):
            assert not re.match(r" (hd|8mg)\b", r["context"][start + len(text):], re.I), r


EYE_MARK = re.compile(r"\b(OD|OS|RE|LE|Rt|Lt|R|L|right|left|eye|in)\b|\)|:", re.I)


def test_value_before_its_eye_marker_and_dictated_phrasings_answer_bare(examples):
    rows, records = examples
    seen = Counter()
    for r, fam in zip(rows, records):
        text = r["answers"]["text"][0]
        if fam.get("va") in ("value_marker", "sentence") and not is_drug(r["question"]):
            seen[fam["va"]] += 1
            assert not EYE_MARK.search(text), r  # "20/30 OD" answers "20/30"
        if fam.get("treatment") in ("dictated", "key_value") and is_drug(r["question"]):
            seen[fam["treatment"]] += 1
            assert text.lower() in DRUG_NAMES, r
    assert min(seen[k] for k in ("value_marker", "sentence", "dictated", "key_value")) > 20, seen
