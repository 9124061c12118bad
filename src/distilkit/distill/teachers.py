"""Where soft labels come from: one teacher model, an ensemble (logits averaged), or a file of
precomputed outputs (for teachers distilkit cannot run: another framework, an API, a zero-shot model).

Teachers see the raw text through their own tokenizer. Their label columns are aligned to the
student's labels by name; label sets that differ are refused with the difference listed.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np

from ..data import TextSplit
from ..errors import DistilkitError
from ..inference.settings import file_sha256


def align_columns(teacher_labels: list[str], student_labels: list[str], who: str) -> list[int]:
    """Column of the teacher's output for each student label (same names, any order)."""
    missing = [n for n in student_labels if n not in teacher_labels]
    extra = [n for n in teacher_labels if n not in student_labels]
    if missing or extra:
        parts = ([f"missing in teacher: {', '.join(missing[:8])}"] if missing else []) + \
                ([f"only in teacher: {', '.join(extra[:8])}"] if extra else [])
        raise DistilkitError(f"{who}: its labels differ from the training data's ({'; '.join(parts)}): use a teacher "
                             "trained on the same label set")
    return [teacher_labels.index(n) for n in student_labels]


class ModelTeacher:
    """A classification model folder or hub id, run through its predictor with its own tokenizer."""

    def __init__(self, name: str, trust_remote_code: bool = False):
        from ..inference import Classifier

        self.name = name
        self.predictor = Classifier(name, backend="torch", trust_remote_code=trust_remote_code)
        self.model, self.tokenizer, self.labels = self.predictor.backend.model, self.predictor.tokenizer, \
            self.predictor.labels

    def logits(self, split: TextSplit, student_labels: list[str]) -> np.ndarray:
        columns = align_columns(self.labels, student_labels, f"teacher {self.name}")
        return self.predictor.logits(split.texts, split.pairs, progress=True)[:, columns]


class EnsembleTeacher:
    """Several teachers whose aligned logits are averaged."""

    def __init__(self, names: list[str], trust_remote_code: bool = False):
        self.names = names
        self.members = [ModelTeacher(n, trust_remote_code) for n in names]

    @property
    def name(self) -> str:
        return " + ".join(self.names)

    def logits(self, split: TextSplit, student_labels: list[str]) -> np.ndarray:
        return np.mean([m.logits(split, student_labels) for m in self.members], axis=0)


def _key(text: str, pair: str | None) -> tuple:
    return (text, pair)


def read_logits_file(path: str, split: TextSplit, student_labels: list[str]) -> np.ndarray:
    """Teacher outputs for every row of ``split`` from a JSONL file; refuses missing, extra, wrong-width
    or non-finite rows, naming the first bad one."""
    from ..data.formats import read_records

    columns, outputs = list(range(len(student_labels))), {}
    for line, record in read_records(path):
        if line == 1 and "labels" in record and "text" not in record:
            columns = align_columns([str(x) for x in record["labels"]], student_labels, f"teacher logits {path}")
            continue
        values = record.get("logits", record.get("probabilities"))
        if "text" not in record or values is None:
            raise DistilkitError(f"{path}: line {line} needs 'text' and 'logits' (or 'probabilities'): fix that line")
        if not isinstance(values, list) or len(values) != len(columns):
            raise DistilkitError(f"{path}: line {line} has {len(values) if isinstance(values, list) else 'no'} values, "
                                 f"expected {len(columns)} (one per label): fix that line")
        if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values):
            raise DistilkitError(f"{path}: line {line} has a NaN, infinite or non-numeric value: fix that line")
        row = np.asarray(values, dtype=np.float64)[columns]
        if "logits" not in record:
            if (row < 0).any() or abs(row.sum() - 1) > 1e-3:
                raise DistilkitError(f"{path}: line {line}: probabilities must be >= 0 and sum to 1: fix that line")
            row = np.log(np.clip(row, 1e-12, None))
        outputs[_key(record["text"], record.get("text_pair"))] = (line, row)
    keys = [_key(t, p) for t, p in zip(split.texts, split.pairs or [None] * len(split))]
    for key, row in zip(keys, split.rows):
        if key not in outputs:
            raise DistilkitError(f"{path}: no teacher output for {split.source} row {row} ({key[0][:40]!r}): add a line "
                                 "for every training example")
    wanted = set(keys)
    extra = sorted(line for key, (line, _) in outputs.items() if key not in wanted)
    if extra:
        raise DistilkitError(f"{path}: line {extra[0]} is not a training example ({len(extra)} such lines): remove "
                             "lines for texts that are not in the training data")
    return np.stack([outputs[key][1] for key in keys])


def teacher_identity(name: str) -> dict:
    """What makes a teacher's outputs what they are: its files' contents for a folder, else its id."""
    from ..models import resolve_model

    folder = Path(resolve_model(name))
    if not folder.is_dir():
        return {"hub_id": name}
    files = ["config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"]
    return {f: file_sha256(folder / f) for f in files if (folder / f).is_file()}


def json_fingerprint(obj) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()
