"""Transfer sets (``distill.transfer``): new inputs for the teacher to label, so that the student learns from its
outputs beyond the training texts, on which they are nearly one-hot. The published gains of task-specific
distillation come from there: augmented training texts (Tang et al. 2019; TinyBERT) and unlabelled in-domain or
general text (SentAugment).

Each source yields candidate texts (augmentations of randomly drawn training texts, or the lines of a file in
a seeded random order) and keeps the first ``size`` usable ones: a text that is empty, equal to a training,
validation or test text (compared normalised, as data.exclude_overlap does), or already taken by this or an
earlier source is dropped and counted. A source that runs out first is refused, so ``size`` is always what the
student gets. The teacher labels each source's texts once (the Distiller, through the logits cache).
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Iterable, Iterator

from ..config import TransferKind, TransferSource
from ..data import TextSplit
from ..data.dataset import normalise
from ..errors import DistilkitError
from .augment import AUGMENTATIONS

TRIES_PER_TEXT = 20  # augmentation attempts allowed per wanted text before a source counts as exhausted


def build_transfer(sources: list[TransferSource], train: TextSplit,
                   held_out: Iterable[TextSplit | None] = ()) -> list[tuple[TextSplit, dict]]:
    """One (texts as an unlabelled TextSplit, what the card states about them) per source, in order."""
    in_data = {normalise(t) for split in (train, *held_out) if split is not None for t in split.texts}
    taken: set[str] = set()
    built = []
    for i, source in enumerate(sources):
        where = f"distill.transfer[{i}]"
        candidates, origin = BUILDERS[source.kind](source, train, where)
        texts, dropped = _take(candidates, source.size, in_data, taken)
        if len(texts) < source.size:
            raise DistilkitError(f"{where}.size {source.size}: only {len(texts)} usable texts came from {origin} "
                                 f"({_dropped_text(dropped)} dropped): lower size to at most {len(texts)}")
        split = TextSplit(f"{where} ({source.kind.value})", texts, None, None, list(range(1, len(texts) + 1)))
        built.append((split, {**source.settings(), "texts": len(texts), "dropped": dropped}))
    return built


def _take(candidates: Iterator[str], size: int, in_data: set[str], taken: set[str]) -> tuple[list[str], dict]:
    texts, dropped = [], {"empty": 0, "in_data": 0, "repeated": 0}
    for candidate in candidates:
        text = candidate.strip()
        key = normalise(text)
        reason = "empty" if not key else "in_data" if key in in_data else "repeated" if key in taken else None
        if reason:
            dropped[reason] += 1
            continue
        taken.add(key)
        texts.append(text)
        if len(texts) == size:
            break
    return texts, dropped


def _dropped_text(dropped: dict) -> str:
    return (f"{dropped['empty']} empty, {dropped['in_data']} equal to a training, validation or test text, "
            f"{dropped['repeated']} repeated")


def _augmented(source: TransferSource, train: TextSplit, where: str) -> tuple[Iterator[str], str]:
    change = AUGMENTATIONS[source.kind](source, train)
    rng = random.Random(source.seed)
    tries = TRIES_PER_TEXT * source.size

    def candidates() -> Iterator[str]:
        for _ in range(tries):
            i = rng.randrange(len(train))
            yield " ".join(change(rng, train.texts[i].split(), train.labels[i]))
    return candidates(), f"{tries} tries at {source.kind.value} on the {len(train)} training texts"


def _file(source: TransferSource, train: TextSplit, where: str) -> tuple[Iterator[str], str]:
    texts = read_transfer_file(source.path, source.text_column, where)
    if not any(t.strip() for t in texts):
        raise DistilkitError(f"{where}.path: {source.path} holds no text (empty, or blank lines only): give a file "
                             "with one text per line")
    random.Random(source.seed).shuffle(texts)  # the first `size` usable lines of a shuffle: a uniform sample
    return iter(texts), f"{source.path} ({len(texts)} lines)"


def read_transfer_file(path: str, column: str, where: str) -> list[str]:
    """Every text of a transfer file: the lines of a plain text file (a .txt is one text per line here, not the
    'text;label' of training data), or ``column`` of a file the data readers know (.jsonl, .csv, .parquet, ...)."""
    from ..data.formats import READERS, parse_source, read_records
    from ..data.textio import read_lines

    location = parse_source(path)[0]
    try:
        if Path(location).suffix.lower() in READERS and Path(location).suffix.lower() != ".txt":
            return [_column_text(record, column, path, row, where) for row, record in read_records(path)]
        if not Path(path).is_file():
            raise DistilkitError(f"{path} not found: check the path")
        texts = []
        for number, line in read_lines(Path(path)):
            if "\x00" in line:  # valid UTF-8, but binary all the same (an archive, a model file)
                raise DistilkitError(f"{path}: line {number} holds a NUL byte, so it is not a text file: give a text "
                                     "file with one text per line")
            texts.append(line)
        return texts
    except DistilkitError as exc:
        message = str(exc)
        raise DistilkitError(message if message.startswith(where) else f"{where}.path: {message}") from None


def _column_text(record: dict, column: str, path: str, row: int, where: str) -> str:
    if column not in record:
        raise DistilkitError(f"{where}.text_column: {path}: row {row} has no column '{column}' (columns: "
                             f"{', '.join(map(str, record))}): set text_column to the one holding the text")
    value = record[column]
    if value is not None and not isinstance(value, str):
        raise DistilkitError(f"{where}.text_column: {path}: row {row}: '{column}' is a {type(value).__name__}, "
                             "not text: name a text column")
    return value or ""


BUILDERS = {**{kind: _augmented for kind in AUGMENTATIONS}, TransferKind.FILE: _file}
