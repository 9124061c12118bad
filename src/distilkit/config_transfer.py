"""One entry of ``distill.transfer`` (``TransferSource``): a set of new inputs the teacher labels for the student.

Apart from ``config.py`` to keep that module short; ``distilkit.config`` re-exports it. An entry is checked by
``DistillConfig`` (``check``), which knows its position in the list and so can name it: 'distill.transfer[1].size'.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from .bounds import bounded, check_bounds
from .choices import TransferKind, require
from .errors import DistilkitError

# The fields each kind reads beyond kind, size and seed: validation refuses a file without a path, and the
# card lists only the settings that shaped a source's texts.
KIND_FIELDS = {
    TransferKind.MASK: ("probability", "mask_token"),
    TransferKind.REPLACE: ("probability",),
    TransferKind.NGRAM: ("ngram_min", "ngram_max"),
    TransferKind.FILE: ("path", "text_column"),
}


@dataclass
class TransferSource:
    """A source of transfer texts: inputs without gold labels that the teacher labels once (cached) and the student
    trains on through the soft-label term only."""

    kind: TransferKind
    """'mask', 'replace' or 'ngram' (augmentations of the training texts) or 'file' (lines of a text file)."""
    size: int = bounded(dataclasses.MISSING, "transfer texts", at_least=1)
    """How many texts this source adds; a file must hold at least this many usable lines."""
    seed: int = bounded(42, "a random seed", at_least=0, at_most=2**32 - 1)
    """Seed of the source's draws: the same seed, data and settings always give the same texts."""
    path: str | None = None
    """file: the file, one text per line (.txt or any other extension), or a data file read with the data readers
    (.jsonl, .csv, .tsv, .parquet, 'FILE::split') whose text_column holds the text."""
    text_column: str = "text"
    """file: the column holding the text in a .jsonl, .csv, .tsv, .json or .parquet file."""
    probability: float = bounded(0.1, "chance per word", above=0, at_most=1)
    """mask and replace: the chance that each word is masked or replaced."""
    mask_token: str = "[MASK]"
    """mask: what a masked word becomes: the teacher's mask token (`[MASK]` for BERT-like teachers, `<mask>` for
    RoBERTa-like ones), which its tokenizer reads as that token."""
    ngram_min: int = bounded(1, "words", at_least=1)
    """ngram: the fewest words of a sampled n-gram."""
    ngram_max: int = bounded(5, "words", at_least=1)
    """ngram: the most words of a sampled n-gram (always fewer than the whole text)."""

    def check(self, where: str) -> None:
        """Validate, naming fields as ``where.field`` ('distill.transfer[0].size')."""
        self.kind = TransferKind.parse(self.kind, f"{where}.kind")
        check_bounds(self, f"{where}.")
        needs_path = "path" in KIND_FIELDS[self.kind]
        fix = "needs a file: set path" if needs_path else "reads the training texts: remove path"
        require(bool(self.path) == needs_path, f"{where}.path", f"a '{self.kind.value}' source {fix}")
        require(self.ngram_min <= self.ngram_max, f"{where}.ngram_min",
                f"{self.ngram_min} is above ngram_max ({self.ngram_max}): lower it or raise ngram_max")

    def settings(self) -> dict:
        """The fields that shaped this source's texts (for the card)."""
        return {"kind": self.kind.value, "size": self.size, "seed": self.seed,
                **{name: getattr(self, name) for name in KIND_FIELDS[self.kind]}}

    @classmethod
    def parse(cls, value, where: str) -> "TransferSource":
        """An entry as given from Python: a TransferSource, or a mapping of its fields (recipes are built by the
        recipe loader, which coerces YAML's loose scalars first)."""
        if isinstance(value, cls):
            return value
        if not isinstance(value, dict):
            raise DistilkitError(f"{where}: expected a mapping such as {{kind: mask, size: 1000}}, got "
                                 f"{type(value).__name__}")
        names = [f.name for f in dataclasses.fields(cls)]
        unknown = sorted(set(value) - set(names))
        missing = [n for n in ("kind", "size") if n not in value]
        require(not unknown, where, f"unknown field(s) {', '.join(unknown)}; valid: {', '.join(names)}")
        require(not missing, where,
                f"missing field(s) {', '.join(missing)}: give them, e.g. {{kind: mask, size: 1000}}")
        return cls(**value)
