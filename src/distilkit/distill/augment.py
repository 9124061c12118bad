"""Augmentations of training texts for transfer sets, after Tang et al. (2019), "Distilling task-specific
knowledge from BERT into simple neural networks": masking, replacement and n-gram sampling.

Each is a maker ``(source, train) -> change`` registered by kind; ``change(rng, words, label) -> words`` alters one
training text (split on whitespace) with the source's own seeded ``random.Random``, so a seed always gives the
same texts. Tang et al. replace words by words of the same part of speech; without a tagger, replacement draws
from the words of training texts of the same class instead (the training vocabulary, nothing external), which
keeps a replaced word plausible for the text's intent while the teacher, not the gold label, says what the new
text means.
"""
from __future__ import annotations

import random
from typing import Callable

from ..config import TransferKind, TransferSource
from ..data import TextSplit

Change = Callable[[random.Random, list[str], str], list[str]]


def mask(source: TransferSource, train: TextSplit) -> Change:
    """Each word becomes ``mask_token`` with chance ``probability`` (Tang et al.'s p_mask)."""
    def change(rng: random.Random, words: list[str], label: str) -> list[str]:
        return [source.mask_token if rng.random() < source.probability else w for w in words]
    return change


def class_vocabulary(train: TextSplit) -> dict[str, list[str]]:
    """The distinct words of each class's training texts, sorted so that draws do not depend on set order."""
    words: dict[str, set[str]] = {}
    for text, label in zip(train.texts, train.labels or []):
        words.setdefault(label, set()).update(text.split())
    return {label: sorted(found) for label, found in words.items()}


def replace(source: TransferSource, train: TextSplit) -> Change:
    """Each word becomes a word drawn from the texts of the same class with chance ``probability``."""
    vocabulary = class_vocabulary(train)

    def change(rng: random.Random, words: list[str], label: str) -> list[str]:
        pool = vocabulary[label]
        return [rng.choice(pool) if rng.random() < source.probability else w for w in words]
    return change


def ngram(source: TransferSource, train: TextSplit) -> Change:
    """A run of ngram_min..ngram_max consecutive words, always shorter than the text (a whole text is no new
    input); a text too short for that comes back unchanged, and is dropped as a training text."""
    def change(rng: random.Random, words: list[str], label: str) -> list[str]:
        longest = min(source.ngram_max, len(words) - 1)
        if longest < source.ngram_min:
            return words
        n = rng.randint(source.ngram_min, longest)
        start = rng.randrange(len(words) - n + 1)
        return words[start:start + n]
    return change


AUGMENTATIONS: dict[TransferKind, Callable[[TransferSource, TextSplit], Change]] = {
    TransferKind.MASK: mask, TransferKind.REPLACE: replace, TransferKind.NGRAM: ngram}
