"""Training notes with procedure detail (`make-clinic-data --train-detail procedure`): doses after drugs, slips in
drug spellings, per-eye IOP/OCT and procedure lines, on train only, with every answer still exact."""
import random
import re

import pytest

from distilkit.data.clinic import Detail, make_clinic_data
from distilkit.data.clinic.holdout import FAMILIES
from distilkit.data.clinic.notes import note_stream, swap_eyes
from distilkit.data.clinic.vocab import DOSES, UNTREATED, typo
from distilkit.errors import DistilkitError
from tests.data.test_clinic import DRUG_NAMES, is_drug
from tests.data.test_clinic_splits import read_jsonl

DOSE = re.compile(r"^ (\(?\d+(\.\d+)?mg|0\.05ml)")
EYE_REMARK = re.compile(r"\b(IOP|OCT) (l\)|r\)|LE|RE|OS|OD|L eye|R eye|L|R|Lt|Rt|Lt eye|Rt eye|left eye|right eye|"
                        r"left|right|L:|R:|L\.E\.|R\.E\.)", re.I)


def notes(detail: Detail, n: int = 1500, seed: int = 42):
    """(context, examples) of the first n notes of the full grammar, with eye-swap twins where a note has one."""
    stream = note_stream(seed, {d: list(t) for d, t in FAMILIES.items()}, {"swap": (swap_eyes, "x")}, detail)
    return [next(stream) for _ in range(n)]


@pytest.fixture(scope="module")
def procedure():
    return notes(Detail.PROCEDURE)


def test_a_slip_changes_one_letter_never_the_first():
    rng = random.Random(0)
    for word in sorted(DRUG_NAMES) * 20:
        slipped = typo(rng, word)
        assert slipped != word and slipped[0] == word[0] and abs(len(slipped) - len(word)) <= 1
        assert slipped.split()[1:] == word.split()[1:]  # "eylea hd": the name slips, not the suffix


def test_procedure_notes_keep_exact_answers_and_show_each_kind_of_detail(procedure):
    rows = [r for group, _, _ in procedure for r in group]
    seen = {"dose": 0, "slip": 0, "eye_remark": 0, "post_inj": 0}
    for r in rows:
        (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
        context = r["context"]
        assert context[start:start + len(text)] == text, r
        if is_drug(r["question"]):
            # The dose stays outside the span; only "aflibercept 8mg" names its dose (and may carry a slip).
            assert not re.search(r"\d+(\.\d+)?mg$", text, re.I) or re.fullmatch(r"a\w{9,11} 8mg", text, re.I), text
            after = context[start + len(text):]
            seen["dose"] += bool(DOSE.match(after)) and text.lower() in DOSES
            seen["slip"] += text.lower() not in DRUG_NAMES
        seen["eye_remark"] += bool(EYE_REMARK.search(context))
        seen["post_inj"] += "post" in context.lower() and "inj" in context.lower()
    assert all(count > 20 for count in seen.values()), seen
    # Slips are rare (a few in a hundred drugs): most drug answers are still spelled right.
    drugs = [r["answers"]["text"][0] for r in rows if is_drug(r["question"])]
    assert 0.01 < sum(d.lower() not in DRUG_NAMES for d in drugs) / len(drugs) < 0.12


def test_eye_remarks_swap_with_the_answers_in_twins(procedure):
    checked = 0
    for group, made, _ in procedure:
        twins = made.get("swap") or []
        for original, twin in zip(group, twins):
            (text,), (start,) = twin["answers"]["text"], twin["answers"]["answer_start"]
            assert twin["context"][start:start + len(text)] == text
            if EYE_REMARK.search(original["context"]):
                assert EYE_REMARK.search(twin["context"]) and twin["context"] != original["context"]
                checked += 1
    assert checked > 20


def test_plain_notes_carry_none_of_it():
    rows = [r for group, _, _ in notes(Detail.PLAIN, 600) for r in group]
    assert not any(EYE_REMARK.search(r["context"]) for r in rows)
    assert all(r["answers"]["text"][0].lower() in DRUG_NAMES for r in rows if is_drug(r["question"]))
    assert not any(re.search(r"\b(lot|consent|exp) ", r["context"]) for r in rows)


def test_train_detail_changes_train_only(tmp_path):
    kw = dict(train=300, validation=60, test=60, seed=7, test_unseen=60, validation_unseen=60)
    plain = make_clinic_data(tmp_path / "plain", **kw, train_detail="plain")
    rich = make_clinic_data(tmp_path / "rich", **kw, train_detail="procedure")
    for split in ("validation", "test", "test_unseen", "validation_unseen"):
        assert read_jsonl(plain[split]) == read_jsonl(rich[split]), split
    train = read_jsonl(rich["train"])
    assert train != read_jsonl(plain["train"])
    assert len([r for r in train if "x-q" not in r["id"]]) == 300  # the count excludes eye-swap twins, as plain
    assert "train_detail='procedure'" in (tmp_path / "rich" / "README.md").read_text(encoding="utf-8")


def test_unknown_detail_is_a_one_line_error(tmp_path, capsys):
    from distilkit.cli import main

    with pytest.raises(DistilkitError, match="--train-detail: 'rich' is not one of: plain, procedure"):
        make_clinic_data(tmp_path, train=10, validation=5, test=5, train_detail="rich")
    assert main(["make-clinic-data", str(tmp_path / "c"), "--train-detail", "noisy"]) == 2
    err = capsys.readouterr().err.strip()
    assert "plain, procedure" in err and len(err.splitlines()) == 1


def test_procedure_without_traps_keeps_the_detail_but_no_acuity_shaped_numbers(procedure):
    """procedure-no-traps: the same kinds of detail, but no `exp 03/27` or `IOP 16/18` beside an acuity."""
    shaped = re.compile(r"\b(exp \d\d/\d\d|IOP \d+/\d+)")
    contexts = {r["context"] for group, _, _ in notes(Detail.PROCEDURE_NO_TRAPS) for r in group}
    assert not [c for c in contexts if shaped.search(c)]
    assert sum("consent" in c or "lot " in c or "post" in c for c in contexts) > 50
    assert sum(bool(shaped.search(r["context"])) for group, _, _ in procedure for r in group) > 20


def test_procedure_wording_asks_as_clinicians_do_about_treated_notes_only():
    """procedure-wording: `Left eye vision before the injection?` is answered with the acuity, never the drug;
    the wordings appear only in that detail's notes, and only in notes that record a treatment."""
    before = re.compile(r"before (the )?injection|Pre-injection|prior to injecting")
    wording = notes(Detail.PROCEDURE_WORDING)
    asked = [r for group, _, _ in wording for r in group if before.search(r["question"])]
    assert len(asked) > 100
    acuity = re.compile(r"\d/\d|\d\.\d|\d letters|^(CF|HM|PL)$", re.I)  # not `aflibercept 8mg`
    assert not [r for r in asked if not acuity.search(r["answers"]["text"][0])]
    drugs = [r for group, _, _ in wording for r in group if re.match(r"(Left|Right) eye injection\?", r["question"])]
    assert len(drugs) > 20 and not [r for r in drugs if acuity.search(r["answers"]["text"][0])]
    others = {r["question"] for group, _, _ in notes(Detail.PROCEDURE_NO_TRAPS, n=600) for r in group}
    assert not [q for q in others if before.search(q) or q.endswith("eye injection?")]


def test_procedure_blocks_put_each_eyes_findings_in_any_order_under_its_marker():
    """procedure-blocks: per-eye blocks where the drug is not always right after its marker (`R: VA 6/9, IVI
    eylea`), some headed `LE>>`, and an untreated eye's block (`L: observe, VA 6/6`) that no drug answer comes from."""
    untreated = re.compile(r"\b(" + "|".join(re.escape(w) for w in UNTREATED) + r")\b", re.I)
    blocks = [(group + made.get("swap", []), fam) for group, made, fam in notes(Detail.PROCEDURE_BLOCKS)
              if fam.get("treatment") == "blocks"]
    assert len(blocks) > 40
    seen = {"acuity_before_drug": 0, "heading": 0, "untreated": 0}
    for rows, _ in blocks:
        context = rows[0]["context"]
        seen["heading"] += ">>" in context
        seen["untreated"] += bool(untreated.search(context))
        for r in rows:
            (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
            assert r["context"][start:start + len(text)] == text, r
            if is_drug(r["question"]):
                assert not untreated.fullmatch(text), r
                seen["acuity_before_drug"] += bool(re.search(r"\d[^,]{0,12}$", r["context"][max(0, start - 14):start]))
    assert all(count > 10 for count in seen.values()), seen  # of ~70 blocks notes in 1,500
    wording = [r["context"] for group, _, _ in notes(Detail.PROCEDURE_WORDING, n=600) for r in group]
    assert not [c for c in wording if ">>" in c or re.search(r"\b(not treated|no IVI today)\b", c, re.I)]


CELL = r"\t| {2,}"
HEADER = re.compile(rf"(VISIT|Visit|Eye|Today|)({CELL})\S+({CELL})\S+$")


def test_procedure_tables_answer_each_eye_from_its_column_and_the_swapped_twin_from_the_other():
    """procedure-tables: two-eye blocks as one table on lines of its own (`VISIT  OD  OS` / `VA  6/12  6/18+2` /
    `IVI  Eylea  Vabysmo`, or tabs): each answer sits in its eye's column, and the eye-swap twin swaps only the
    header. Never a pipe between cells (separator.pipe is held out)."""
    tables = [(group, made.get("swap", [])) for group, made, fam in notes(Detail.PROCEDURE_TABLES)
              if fam.get("treatment") == "blocks" and "\n" in group[0]["context"]
              and any(HEADER.match(line) for line in group[0]["context"].split("\n"))]
    assert len(tables) > 40, len(tables)  # ~70 of 1,500 notes
    table_lines = []
    for group, twins in tables:
        lines = group[0]["context"].split("\n")
        header = next(k for k, line in enumerate(lines) if HEADER.match(line))
        table_lines.append(lines[header:header + 3])
        cells = [re.split(CELL, line) for line in lines[header:header + 3]]
        assert [len(row) for row in cells] == [3, 3, 3], lines
        for r in group + twins:
            marks = re.split(CELL, r["context"].split("\n")[header])[1:]
            (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
            assert r["context"][start:start + len(text)] == text
            line = r["context"][r["context"].rfind("\n", 0, start) + 1:start]
            column = len(re.findall(CELL, line)) - 1  # cells before the answer's, less the row's name
            eye = "left" if "left" in r["question"].lower() else "right"
            assert re.match(r"(?i)l|os" if eye == "left" else r"(?i)r|od", marks[column]), (marks, r)
        assert twins and twins[0]["context"].split("\n")[header + 1:header + 3] == lines[header + 1:header + 3]
    blocks = [r["context"] for group, _, _ in notes(Detail.PROCEDURE_BLOCKS, n=600) for r in group]
    assert not [c for c in blocks if "\t" in c or re.search(r"^(VISIT|Visit)\b", c, re.M)]
    assert not [lines for lines in table_lines if "|" in "".join(lines)]  # (the full grammar's separator may be)
