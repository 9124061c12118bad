"""The hand-written clinic-notes test set (data/clinic/handwritten.jsonl): well formed, and never mixed into
what the generator writes (it is a test set only; see data/clinic/HANDWRITTEN.md)."""
from __future__ import annotations

import json

from distilkit.data.clinic import generate_clinic_notes
from tests.conftest import ROOT

PATH = ROOT / "data" / "clinic" / "handwritten.jsonl"


def rows() -> list[dict]:
    return [json.loads(line) for line in PATH.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_every_answer_is_its_span_and_ids_are_unique():
    data = rows()
    assert len({r["context"] for r in data}) >= 150  # notes
    assert len({r["id"] for r in data}) == len(data)
    for r in data:
        (text,), (start,) = r["answers"]["text"], r["answers"]["answer_start"]
        assert r["context"][start:start + len(text)] == text, r["id"]
        assert text == text.strip() and r["question"].strip(), r["id"]


def test_no_hand_written_note_is_a_generated_one():
    generated = {r["context"] for r in generate_clinic_notes(3000, seed=42)}
    assert not generated & {r["context"] for r in rows()}
