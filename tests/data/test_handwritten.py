"""The hand-written clinic notes: the test set (data/clinic/handwritten.jsonl) and the validation set
(data/clinic/validation_handwritten.jsonl, for choices only): well formed, never generated, never the same notes
(see data/clinic/HANDWRITTEN.md and VALIDATION_HANDWRITTEN.md)."""
from __future__ import annotations

import json

import pytest

from distilkit.data.clinic import generate_clinic_notes
from tests.conftest import ROOT

SETS = {"test": (ROOT / "data" / "clinic" / "handwritten.jsonl", 150, "hw-"),
        "validation": (ROOT / "data" / "clinic" / "validation_handwritten.jsonl", 100, "hv-")}


def rows(name: str = "test") -> list[dict]:
    path = SETS[name][0]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", SETS)
def test_every_answer_is_its_span_and_ids_are_unique(name):
    data, (_, min_notes, prefix) = rows(name), SETS[name]
    assert len({r["context"] for r in data}) >= min_notes  # notes
    assert len({r["id"] for r in data}) == len(data) and all(r["id"].startswith(prefix) for r in data)
    for r in data:
        (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
        assert r["context"][start:start + len(text)] == text, r["id"]
        assert text == text.strip() and r["question"].strip() and r["style"], r["id"]


def test_no_hand_written_note_is_a_generated_one():
    generated = {r["context"] for r in generate_clinic_notes(3000, seed=42)}
    assert not generated & {r["context"] for name in SETS for r in rows(name)}


def test_validation_and_test_notes_are_different_notes():
    def words(context: str) -> str:
        return " ".join(context.lower().split())
    assert not {words(r["context"]) for r in rows("test")} & {words(r["context"]) for r in rows("validation")}
