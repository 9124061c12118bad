"""Load one split into memory, validate it, and map labels to ids.

A ``TextSplit`` keeps each row's number in its source so later checks (an unknown label, an
empty text) can still name the row. Nothing is dropped silently: skipped rows are counted, and so are
the training rows data.exclude_overlap drops (texts also in a test set: leakage).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field

from ..config import DataConfig, OnEmpty
from ..errors import DistilkitError
from .formats import read_records
from .nli_manifest import notes_for


@dataclass
class TextSplit:
    source: str
    texts: list[str]
    pairs: list[str] | None
    labels: list[str] | None
    rows: list[int]
    skipped_empty: int = 0
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, n: int | None, seed: int) -> "TextSplit":
        """A seeded random sample of n rows (files such as CLINC150 are sorted by label)."""
        if n is None or n >= len(self):
            return self
        keep = sorted(random.Random(seed).sample(range(len(self)), n))
        pick = lambda xs: None if xs is None else [xs[i] for i in keep]  # noqa: E731
        return TextSplit(self.source, pick(self.texts), pick(self.pairs), pick(self.labels), pick(self.rows),
                         self.skipped_empty, self.notes + [f"sampled {n} of {len(self)} rows (seed {seed})"])

    @classmethod
    def concat(cls, splits: list["TextSplit"]) -> "TextSplit":
        """Several splits as one (in order), e.g. validation sets a threshold is chosen on together."""
        if len(splits) == 1:
            return splits[0]
        join = lambda name: None if any(getattr(s, name) is None for s in splits) else [  # noqa: E731
            x for s in splits for x in getattr(s, name)]
        return cls(" + ".join(s.source for s in splits), join("texts"), join("pairs"), join("labels"), join("rows"),
                   sum(s.skipped_empty for s in splits), [n for s in splits for n in s.notes])


def _label_text(value, names: list[str] | None) -> str:
    """Labels are kept as strings; integer ids map through label_names when given."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if names is not None and text.lstrip("-").isdigit() and text not in names:
        index = int(text)
        if not 0 <= index < len(names):
            raise ValueError(f"label id {index} is outside label_names (0..{len(names) - 1})")
        return names[index]
    return text


def _column(record: dict, column: str, source: str, row: int, setting: str) -> object:
    if column not in record:
        raise DistilkitError(f"{source}: row {row} has no column '{column}' (columns: {', '.join(map(str, record))}): "
                             f"set --{setting.replace('_', '-')} (data.{setting} in a recipe) or fix the file")
    return record[column]


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def load_split(source: str | list[str], cfg: DataConfig, require_label: bool = True,
               exclude_overlap: bool | None = None) -> TextSplit:
    """Read ``source`` (or several sources, joined in order) into a TextSplit using the column mapping,
    label map and empty-text policy of ``cfg``.

    ``exclude_overlap`` drops the rows whose text occurs in ``cfg.exclude_overlap`` (see ``drop_overlap``).
    By default it applies exactly when ``source`` is the config's own train or validation source read with
    labels (never test, never an extra test): every task that loads its training data through here is
    guarded, once, without each having to ask for it."""
    split = _load(source, cfg, require_label)
    if exclude_overlap is None:
        exclude_overlap = require_label and any(source == s for s in (cfg.train, cfg.validation) if s)
    if exclude_overlap and cfg.exclude_overlap:
        split = drop_overlap(split, cfg, "training" if source == cfg.train else "validation")
    return split


def normalise(text: str) -> str:
    """How texts compare for overlap: stripped, whitespace collapsed, lower-cased."""
    return " ".join(text.split()).lower()


def overlap_texts(cfg: DataConfig) -> set[str]:
    """The normalised texts (data.text_column) of every source in data.exclude_overlap."""
    seen: set[str] = set()
    for source in cfg.exclude_overlap or []:
        for row, record in read_records(source):
            if cfg.text_column not in record:
                raise DistilkitError(f"data.exclude_overlap: {source}: row {row} has no column '{cfg.text_column}' "
                                     f"(columns: {', '.join(map(str, record))}): rename one to it, e.g. "
                                     f"{source}::columns={cfg.text_column}:{next(iter(record), 'OLD')}")
            if isinstance(record[cfg.text_column], str) and record[cfg.text_column].strip():
                seen.add(normalise(record[cfg.text_column]))
    return seen


def drop_overlap(split: TextSplit, cfg: DataConfig, role: str) -> TextSplit:
    """``split`` without the rows whose text occurs in data.exclude_overlap, the count in its notes. Why: a
    corpus built on another's texts leaks (LingNLI's premises are MultiNLI premises; 608 of them are in
    MultiNLI dev-matched, our test set), so a model trained on it would be scored on what it has seen."""
    seen = overlap_texts(cfg)
    keep = [i for i, text in enumerate(split.texts) if normalise(text) not in seen]
    where = ", ".join(cfg.exclude_overlap)
    if not keep:
        raise DistilkitError(f"{split.source}: every {role} row's '{cfg.text_column}' occurs in data.exclude_overlap "
                             f"({where}), so none is left: check data.exclude_overlap and data.text_column")
    pick = lambda xs: None if xs is None else [xs[i] for i in keep]  # noqa: E731
    note = (f"dropped {len(split) - len(keep)} {role} rows whose {cfg.text_column} occurs in {where} "
            "(data.exclude_overlap)")
    return TextSplit(split.source, pick(split.texts), pick(split.pairs), pick(split.labels), pick(split.rows),
                     split.skipped_empty, split.notes + [note])


def joined_name(sources: list[str]) -> str:
    """The name of several sources read as one split, short enough for a card's table and notes: sources in one
    folder are grouped ('…/lingnli/1_Baseline_protocol/ (10 files: train_round1_baseline.jsonl … )')."""
    groups: dict[str, list[str]] = {}
    for source in sources:
        location, sep, options = source.partition("::")
        folder, _, name = location.rpartition("/")
        groups.setdefault(folder, []).append(name + sep + options)
    parts = []
    for folder, names in groups.items():
        prefix = f"{folder}/" if folder else ""
        if len(names) <= 3:
            parts += [prefix + n for n in names]
        else:
            parts.append(f"{prefix} ({len(names)} files: {names[0]} … {names[-1]})")
    return " + ".join(parts)


def _load(source: str | list[str], cfg: DataConfig, require_label: bool) -> TextSplit:
    if not isinstance(source, str):
        parts = [_load(s, cfg, require_label) for s in source]
        if not parts:
            raise DistilkitError("data: an empty list of sources: give at least one file")
        if len({p.labels is None for p in parts}) > 1:
            raise DistilkitError(f"{' + '.join(p.source for p in parts)}: some of these sources have labels and "
                                 "some do not: label them all, or join only labelled ones")
        join = lambda name: None if getattr(parts[0], name) is None else [x for p in parts for x in getattr(p, name)]  # noqa: E731
        return TextSplit(joined_name([p.source for p in parts]), join("texts"), join("pairs"), join("labels"),
                         join("rows"), sum(p.skipped_empty for p in parts), [n for p in parts for n in p.notes])
    texts, pairs, labels, rows, skipped, dropped = [], [], [], [], 0, 0
    label_map = cfg.label_map or {}
    want_pair = cfg.text_pair_column is not None
    for row, record in read_records(source):
        if not rows:  # the first record decides whether labels are present
            require_label = require_label or cfg.label_column in record
        text = _column(record, cfg.text_column, source, row, "text_column")
        pair = _column(record, cfg.text_pair_column, source, row, "text_pair_column") if want_pair else None
        for column, value in ((cfg.text_column, text), (cfg.text_pair_column, pair) if want_pair else (None, "x")):
            if not _is_blank(value) and not isinstance(value, str):
                raise DistilkitError(f"{source}: row {row}: '{column}' is a {type(value).__name__}, not text: "
                                     "store it as a string")
        if _is_blank(text) or (want_pair and _is_blank(pair)):
            if cfg.on_empty is OnEmpty.SKIP:
                skipped += 1
                continue
            column = cfg.text_column if _is_blank(text) else cfg.text_pair_column
            raise DistilkitError(f"{source}: row {row} has an empty '{column}': fill it in, remove the row, "
                                 "or set data.on_empty=skip to skip (and count) such rows")
        if require_label:
            label = _column(record, cfg.label_column, source, row, "label_column")
            if label is None or str(label).strip() == "":
                raise DistilkitError(f"{source}: row {row} has an empty '{cfg.label_column}': give every row a label")
            try:
                label = _label_text(label, cfg.label_names)
            except ValueError as exc:
                raise DistilkitError(f"{source}: row {row}: {exc}: fix the row or data.label_names") from None
            label = label_map.get(label, label)
            if label is None:  # mapped to null: the row is dropped, and counted
                dropped += 1
                continue
            labels.append(label)
        texts.append(text)
        pairs.append(pair)
        rows.append(row)
    if not texts:
        raise DistilkitError(f"{source}: no usable rows (skipped {skipped} empty): check the file and its columns")
    notes = [f"skipped {skipped} row(s) with empty text (data.on_empty=skip)"] if skipped else []
    notes += [f"dropped {dropped} row(s) whose label data.label_map maps to null"] if dropped else []
    notes += notes_for(source)  # pairs from `make-nli-data`: the data sets and hypotheses they were made from
    return TextSplit(source, texts, pairs if want_pair else None, labels if require_label else None,
                     rows, skipped, notes)


def _sort_key(name: str):
    return (0, int(name), "") if name.lstrip("-").isdigit() else (1, 0, name)


class LabelSpace:
    """The ordered label names of a classifier; ids are positions in ``names``."""

    def __init__(self, names: list[str], source: str = "training data"):
        if len(names) < 2:
            raise DistilkitError(f"{source}: {len(names)} distinct label(s) ({', '.join(names)}): a classifier needs "
                                 "at least 2: is the label column (--label-column, data.label_column) right?")
        self.names = list(names)
        self.label2id = {name: i for i, name in enumerate(self.names)}

    @classmethod
    def from_split(cls, split: TextSplit, label_names: list[str] | None = None) -> "LabelSpace":
        if label_names:
            return cls(list(label_names))
        return cls(sorted(set(split.labels or []), key=_sort_key), split.source)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.names))

    def encode(self, split: TextSplit) -> list[int]:
        """Label ids of a split; a label not seen in training is an error naming its row."""
        ids = []
        for label, row in zip(split.labels or [], split.rows):
            if label not in self.label2id:
                known = ", ".join(self.names[:12]) + (" ..." if len(self.names) > 12 else "")
                raise DistilkitError(f"{split.source}: row {row} has label '{label}', which is not one of the model's "
                                     f"labels (known: {known}): fix the label, or add it (training: add examples of it; "
                                     "zero-shot: add it to --labels)")
            ids.append(self.label2id[label])
        return ids

    def counts(self, ids: list[int]) -> list[int]:
        out = [0] * len(self.names)
        for i in ids:
            out[i] += 1
        return out
