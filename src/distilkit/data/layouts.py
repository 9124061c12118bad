"""Folder layouts: data sets published as a folder of files, read as one source ('FOLDER::split').

Some benchmarks are not one file but a folder (TweetEval's text and label files, SNIPS' one file per intent,
HWU64's one CSV per intent and fold), and converting them by hand loses what their PROVENANCE.md says about
them. A layout is chosen by what the folder holds, never by its name (a copy under another name reads the
same); add one with ``@layout(name, detect, describe)``. Every layout yields ``(Row, {"text", "label"})``,
its row numbers naming the file and line (``textio.Row``).
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from ..errors import DistilkitError
from .textio import Row, read_lines, read_text

Records = Iterator[tuple[int, dict]]


@dataclass(frozen=True)
class Layout:
    name: str
    detect: Callable[[Path], bool]
    read: Callable[[Path, str | None], Records]
    describe: str


LAYOUTS: dict[str, Layout] = {}


def layout(name: str, detect: Callable[[Path], bool], describe: str):
    def register(fn):
        LAYOUTS[name] = Layout(name, detect, fn, describe)
        return fn
    return register


def find_layout(path: Path) -> Layout | None:
    return next((lay for lay in LAYOUTS.values() if lay.detect(path)), None)


def read_folder(path: Path, split: str | None) -> Records:
    """Records of a folder in a known layout; a folder in none gives one line naming what would work."""
    found = find_layout(path)
    if found is None:
        inner = sorted(p for p in path.iterdir() if p.is_dir() and find_layout(p)) if path.is_dir() else []
        hint = (f"name one of its sub-folders, e.g. {inner[0]}::{split or 'test'}" if inner
                else "name a file inside it")
        known = "; ".join(f"{lay.name} ({lay.describe})" for lay in LAYOUTS.values())
        raise DistilkitError(f"{path} is a folder in no known layout: {hint} (folder layouts: {known})")
    yield from found.read(path, split)


def _pick_split(path: Path, name: str, split: str | None, splits: dict[str, str]) -> str:
    """The layout's own name for ``split`` (aliases allowed), or a one-line error listing the splits."""
    if split not in splits:
        given = f"has no split '{split}'" if split else "needs a split"
        names = ", ".join(dict.fromkeys(splits))
        raise DistilkitError(f"{path} is a {name} folder and {given}: name one of {names}, e.g. {path}::{next(iter(splits))}")
    return splits[split]


# --------------------------------------------------------------------------- TweetEval

TWEETEVAL_SPLITS = {"train": "train", "val": "val", "validation": "val", "test": "test"}


def _tweeteval_mapping(path: Path) -> Path | None:
    """stance/<target>/ shares stance/mapping.txt, one folder up."""
    return next((m for m in (path / "mapping.txt", path.parent / "mapping.txt") if m.is_file()), None)


def _is_tweeteval(path: Path) -> bool:
    return any(path.glob("*_labels.txt")) and any(path.glob("*_text.txt")) and _tweeteval_mapping(path) is not None


@layout("tweeteval", _is_tweeteval, "mapping.txt + <split>_text.txt and <split>_labels.txt")
def read_tweeteval(path: Path, split: str | None) -> Records:
    """Line i of <split>_text.txt has the integer label on line i of <split>_labels.txt; mapping.txt names
    the ids ('id<TAB>name', emoji: 'id<TAB>emoji<TAB>name', the name is used)."""
    name = _pick_split(path, "TweetEval", split, TWEETEVAL_SPLITS)
    texts, labels = path / f"{name}_text.txt", path / f"{name}_labels.txt"
    for needed in (texts, labels):
        if not needed.is_file():
            present = [s for s in ("train", "val", "test") if (path / f"{s}_text.txt").is_file()
                             and (path / f"{s}_labels.txt").is_file()]
            raise DistilkitError(f"{path} has no {needed.name}, so '::{split}' cannot be read: use one of the splits "
                                 f"it has ({', '.join(present) or 'none'}), or add {needed.name}")
    mapping_file = _tweeteval_mapping(path)
    mapping = {}
    for number, line in read_lines(mapping_file):
        if line.strip():
            fields = [f for f in line.split("\t") if f.strip()]
            if len(fields) < 2:
                raise DistilkitError(f"{mapping_file}: line {number} is not 'id<TAB>name': fix that line")
            mapping[fields[0].strip()] = fields[-1].strip()
    label_lines = list(read_lines(labels))
    text_lines = list(read_lines(texts))
    if len(text_lines) != len(label_lines):
        raise DistilkitError(f"{path}: {texts.name} has {len(text_lines)} lines but {labels.name} has "
                             f"{len(label_lines)}: they must align line by line; restore the files")
    for (number, text), (_, label) in zip(text_lines, label_lines):
        if label.strip() not in mapping:
            raise DistilkitError(f"{labels}: line {number} has label '{label.strip()}', which {mapping_file.name} does "
                                 f"not name (ids: {', '.join(mapping)}): fix the label or the mapping")
        yield Row(number, f"{texts.name} line {number}"), {"text": text, "label": mapping[label.strip()]}


# --------------------------------------------------------------------------- SNIPS

SNIPS_FILES = {"train": "train_*_full.json", "test": "validate_*.json"}


def _snips_files(path: Path, split: str) -> list[Path]:
    return sorted(path.glob(f"*/{SNIPS_FILES[split]}"))


def _is_snips(path: Path) -> bool:
    return bool(_snips_files(path, "train") or _snips_files(path, "test"))


@layout("snips", _is_snips, "<Intent>/train_<Intent>_full.json and <Intent>/validate_<Intent>.json")
def read_snips(path: Path, split: str | None) -> Records:
    """SNIPS 2017-06 (custom intent engines): '::train' reads every train_<Intent>_full.json, '::test' every
    validate_<Intent>.json (the 700-utterance test set of Goo et al.). Each file is {intent: [{"data":
    [segment, ...]}, ...]}; the text is the segments' texts joined as they are (spaces are inside them).
    One file stores an emoji as CESU-8, read as its PROVENANCE.md says, keeping the emoji."""
    key = _pick_split(path, "SNIPS", split, {"train": "train", "test": "test"})
    files = _snips_files(path, key)
    if not files:
        raise DistilkitError(f"{path} has no {SNIPS_FILES[key]} in its intent folders: use the other split, "
                             "or restore the files")
    number = 0
    for file in files:
        where = file.relative_to(path)
        try:
            data = json.loads(read_text(file, cesu8=True))
        except json.JSONDecodeError as exc:
            raise DistilkitError(f"{file}: not valid JSON at line {exc.lineno} ({exc.msg}): restore the file") from None
        if not (isinstance(data, dict) and len(data) == 1 and isinstance(next(iter(data.values())), list)):
            raise DistilkitError(f"{file}: expected one key, the intent, holding a list of utterances: restore the file")
        (intent, utterances), = data.items()
        for i, utterance in enumerate(utterances, 1):
            segments = utterance.get("data") if isinstance(utterance, dict) else None
            if not isinstance(segments, list) or not all(isinstance(s, dict) and isinstance(s.get("text"), str)
                                                         for s in segments):
                raise DistilkitError(f"{file}: utterance {i} is not {{\"data\": [{{\"text\": ...}}, ...]}}: fix it")
            number += 1
            yield Row(number, f"{where} utterance {i}"), {"text": "".join(s["text"] for s in segments),
                                                          "label": intent}


# --------------------------------------------------------------------------- HWU64

HWU64_FOLDERS = {"train": "trainset", "test": "testset"}


def _is_hwu64(path: Path) -> bool:
    return all(any((path / folder).glob("*.csv")) for folder in HWU64_FOLDERS.values())


@layout("hwu64", _is_hwu64, "a cross-validation fold: trainset/*.csv and testset/*.csv, ';'-delimited")
def read_hwu64(path: Path, split: str | None) -> Records:
    """One fold of HWU64 (NLU-Evaluation-Data): one ';'-delimited, quoted CSV per intent. The text is
    answer_from_anno (the utterance without its slot brackets), the label scenario_intent (always the
    file's name); there is no validation split (hold one out of train: data.validation_fraction)."""
    folder = path / _pick_split(path, "HWU64 fold", split, HWU64_FOLDERS)
    number = 0
    for file in sorted(folder.glob("*.csv")):
        lines = (line + "\n" for _, line in read_lines(file))
        rows = csv.DictReader(lines, delimiter=";")
        missing = {"scenario", "intent", "answer_from_anno"} - set(rows.fieldnames or [])
        if missing:
            raise DistilkitError(f"{file}: no column {', '.join(sorted(missing))} in its header "
                                 f"({';'.join(rows.fieldnames or [])}): restore the file")
        for record in rows:
            if None in record or None in record.values():
                raise DistilkitError(f"{file}: line {rows.line_num} does not have the header's "
                                     f"{len(rows.fieldnames)} ';'-separated fields: fix that line")
            number += 1
            yield Row(number, f"{folder.name}/{file.name} line {rows.line_num}"), {
                "text": record["answer_from_anno"], "label": f"{record['scenario']}_{record['intent']}"}
