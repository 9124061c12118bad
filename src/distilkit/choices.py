"""How a recipe field refuses a value that is not a number: ``Choice`` (a string enum that names its valid
values in a one-line error) with one subclass per choice a recipe offers, and ``require`` (any other rule, refused
as one line naming the field). Numbers are refused by their declared bounds (``bounds.py``).

Apart from ``config.py`` so that every section's module (``config.py``, ``config_data.py``) reads the same
choices and the same refusal without importing the others; ``distilkit.config`` re-exports every name here.
The comment beside each member is its documentation: the docs' recipe tables show it (docs/hooks/).
"""
from __future__ import annotations

import enum

from .errors import DistilkitError


class Choice(str, enum.Enum):
    """A string enum whose bad values produce a one-line error listing the valid ones."""

    @classmethod
    def parse(cls, value, where: str):
        try:
            return cls(value.value if isinstance(value, enum.Enum) else value)
        except ValueError:
            valid = ", ".join(m.value for m in cls)
            raise DistilkitError(f"{where}: '{value}' is not one of: {valid}") from None


class Precision(Choice):
    AUTO = "auto"  # bf16 where the CPU has native bf16 (AVX512-BF16, AMX) and a measured matmul is faster; else fp32
    FP32 = "fp32"
    BF16 = "bf16"  # bf16 autocast; on CPUs without native bf16 matmuls it is many times slower (said once on stderr)


class Freeze(Choice):
    NONE = "none"
    EMBEDDINGS = "embeddings"  # freeze the word-embedding matrix (about half of MiniLM's weights)


class OnEmpty(Choice):
    ERROR = "error"
    SKIP = "skip"  # skipped rows are counted and reported, never dropped silently


class Sampling(Choice):
    GROUP_BY_LENGTH = "group_by_length"  # batches of similar length: fewer pad tokens
    RANDOM = "random"


class EvalStrategy(Choice):
    EPOCH = "epoch"
    STEPS = "steps"


class TeacherMode(Choice):
    CACHED = "cached"  # teacher logits computed once, stored on disk, reused by every epoch and run
    ONLINE = "online"  # teacher run on every training batch (needed for hidden-state losses)


class TransferKind(Choice):
    MASK = "mask"  # training texts with words replaced by mask_token (Tang et al. 2019's p_mask)
    REPLACE = "replace"  # training texts with words swapped for words of other training texts of the same class
    NGRAM = "ngram"  # a run of ngram_min..ngram_max consecutive words of a training text (Tang et al.'s n-grams)
    FILE = "file"  # lines (or a column) of a text file: unlabelled in-domain or general text


class AnswerRepair(Choice):
    ERROR = "error"  # refuse data whose answers do not sit at their answer_start, naming the row
    FIX = "fix"  # move each misplaced answer to the nearest exact occurrence in its context (counted)
    SKIP = "skip"  # fix what can be fixed; skip (and count) examples that still cannot be used


class SpanAlignment(Choice):
    WORDS = "words"  # widen answers to whole words, as the transformers pipeline does (never half a word)
    TOKENS = "tokens"  # the raw offsets of the start and end tokens


class ThresholdObjective(Choice):
    BALANCED = "balanced"  # mean of in-scope accuracy and out-of-scope recall: blind to the split's OOS share
    ACCURACY = "accuracy"  # plain accuracy on validation: follows validation's OOS share


class OOSDetector(Choice):
    """Out-of-scope detectors (distilkit.ood's registry, checked against it on import)."""
    AUTO = "auto"  # fit every detector, keep the one that scores best on validation (max_softmax wins ties)
    MAX_SOFTMAX = "max_softmax"  # the highest class probability (Larson et al. 2019): the baseline
    ENERGY = "energy"  # logsumexp of the logits (Liu et al. 2020)
    MAHALANOBIS = "mahalanobis"  # distance to the nearest intent's mean on the head's input features (Lee et al. 2018)
    KNN = "knn"  # cosine similarity to the k-th nearest training example's features (Sun et al. 2022)


class Checkpoints(Choice):
    DELETE = "delete"  # remove intermediate checkpoints once the run has finished well
    KEEP = "keep"


def require(cond: bool, where: str, msg: str):
    """Refuse, as ``{where}: {msg}``, unless ``cond`` holds."""
    if not cond:
        raise DistilkitError(f"{where}: {msg}")
