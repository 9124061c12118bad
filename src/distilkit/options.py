"""What the commands take besides a recipe and server settings: one dataclass per command, its fields typed,
documented and bounded like the recipe's sections (``bounded``, ``like``: a limit is declared once).

The command line reads each flag's bounds from the field of the same name (cli/ranges.py), and
tests/test_cli_ranges.py checks that every flag's default is its field's default; the docs render
``field_bounds`` of these classes. A number that a recipe or ServeSettings already holds is not repeated here:
its flag feeds that field.
"""
from __future__ import annotations

from dataclasses import dataclass

from .config import DataConfig, ModelConfig, QAConfig, TrainingConfig, bounded, check_bounds, like


class Checked:
    """Options built in Python (not only from flags) are checked against the same bounds as the flags."""

    def __post_init__(self):
        check_bounds(self)


@dataclass
class RunOptions(Checked):
    """Every command that runs a model; ``distilkit zero-shot`` as it is, the others below with their own."""

    batch_size: int = bounded(64, "inputs per batch", at_least=1)
    """Inputs (texts, text pairs, QA windows) per forward pass."""
    threads: int | None = like(TrainingConfig, "num_threads")
    """CPU threads for the backend (default: the backend's own)."""


@dataclass
class EvalOptions(RunOptions):
    """``distilkit eval``."""

    max_eval_samples: int | None = like(DataConfig, "max_eval_samples")
    """Evaluate on a seeded random sample of N rows."""


@dataclass
class PredictOptions(RunOptions):
    """``distilkit predict``."""

    top_k: int = bounded(1, "answers per input", at_least=1)
    """Labels returned per text, best first."""
    actors: int = bounded(2, "Ray actors", at_least=1, at_most=1024)
    """With --engine ray: model actors (each loads the model once)."""
    chunk_size: int = bounded(1024, "rows per chunk", at_least=1)
    """Rows per chunk in batch mode: the unit written at once, that a killed run resumes from."""
    server_timeout_s: float = bounded(30.0, "seconds to wait for the server", above=0, at_most=3600)
    """With --server: how long to wait for the server's answer."""


@dataclass
class QaOptions(RunOptions):
    """``distilkit qa``: window settings left unset keep the folder's own (from training)."""

    batch_size: int = like(RunOptions, "batch_size", 32)  # windows are long: a smaller batch
    """Windows per batch."""
    top_k: int = like(PredictOptions, "top_k")
    """Answers per question, best first."""
    max_length: int | None = like(ModelConfig, "max_length", None)
    """Tokens per window (default: the training setting)."""
    doc_stride: int | None = like(QAConfig, "doc_stride", None)
    """Tokens shared by consecutive windows of a long context (default: the training setting)."""
    max_answer_length: int | None = like(QAConfig, "max_answer_length", None)
    """Longest answer in tokens (default: the training setting)."""


@dataclass
class CheckOptions(RunOptions):
    """``distilkit check`` (behaviour tests)."""

    batch_size: int = like(RunOptions, "batch_size", 32)
    """Inputs per batch."""
    failures: int = bounded(3, "failing examples shown per test", at_least=0)
    """Failing examples shown per test."""


@dataclass
class BenchOptions(RunOptions):
    """``distilkit bench``."""

    batch_size: int = like(RunOptions, "batch_size", 32)  # the throughput row of every committed bench table
    """Batch size of the throughput measurement."""
    latency_runs: int = bounded(100, "timed single-text calls", at_least=1)
    """Single-input calls timed per row."""
    max_eval_samples: int | None = like(DataConfig, "max_eval_samples")
    """Score on a seeded random sample of N rows."""


@dataclass
class ExportOptions(Checked):
    """``distilkit export``."""

    max_drop: float = bounded(1.0, "points of metric drop allowed", at_least=0, at_most=100)
    """Refuse the export when the metric drops by more than this many points."""
    threads: int | None = like(RunOptions, "threads")
    """CPU threads."""
    samples: int = bounded(1000, "verification rows", at_least=1)
    """Verify on at most this many rows of the data."""


@dataclass
class SearchOptions(Checked):
    """``distilkit distill --search``."""

    trials: int = bounded(10, "search trials", at_least=1)
    """Number of search trials."""


@dataclass
class ClinicDataOptions(Checked):
    """``distilkit make-clinic-data``: how many questions each split holds."""

    train: int = bounded(3000, "training questions", at_least=1)
    """Training questions (seed SEED), before any augmentation."""
    validation: int = bounded(300, "validation questions", at_least=1)
    """Validation questions (seed SEED+1000)."""
    test: int = bounded(400, "test questions", at_least=1)
    """Test questions (seed SEED+2000)."""
    seed: int = like(TrainingConfig, "seed")
    """Base seed."""
    test_unseen: int = bounded(400, "questions on held-out families", at_least=1)
    """Questions in test_unseen.jsonl (seed SEED+3000), drawn only from the held-out families."""
    validation_unseen: int = bounded(300, "validation questions on held-out families", at_least=1)
    """Questions in validation_unseen.jsonl (seed SEED+4000)."""
    unanswerable: float = bounded(0.25, "share of questions without an answer", at_least=0, at_most=0.5)
    """Share of every split's questions that the note does not answer (an untreated or unmentioned eye, an acuity,
    drug or interval the note does not record), written in SQuAD v2 form; 0 writes the files of before."""
    train_styles: float = bounded(0.2, "share of training notes in other hands' styles", at_least=0, at_most=0.5)
    """With unanswerable questions on, the share of training notes written as letters, nurse injection records or
    one-eye shorthand that names the untreated eye (distilkit/data/clinic/styled.py); 0 writes the files of before."""


@dataclass
class NliDataOptions(Checked):
    """``distilkit make-nli-data``: how many NLI pairs each labelled data set gives. The defaults are Laurer et al.'s
    (500 rows per class, 5,000 per data set, one false hypothesis per row); a data set of a spec file may set its own."""

    negatives: int = bounded(1, "false hypotheses per row", at_least=1)
    """Not-entailment pairs per kept row, each the hypothesis of another class drawn at random (at most all of them)."""
    max_per_class: int = bounded(500, "rows per class", at_least=1)
    """Rows kept per class of a data set (a seeded sample), so that big classes do not dominate."""
    max_per_dataset: int = bounded(5000, "rows per data set", at_least=1)
    """Rows kept per data set after the class cap (a seeded sample), so that big data sets do not dominate."""
    seed: int = like(TrainingConfig, "seed")
    """Seed of every sample: the same data, settings and seed give the same file."""


@dataclass
class RecipeFlags(Checked):
    """The numbers ``distilkit train`` and ``distill`` take as flags; each overrides the recipe's field
    (``--epochs`` is ``--set training.epochs=``), so unset they keep the recipe's value."""

    max_train_samples: int | None = like(DataConfig, "max_train_samples")
    """Train on a seeded random sample of N rows (data.max_train_samples)."""
    max_eval_samples: int | None = like(DataConfig, "max_eval_samples")
    """Evaluate on a seeded random sample of N rows (data.max_eval_samples)."""
    epochs: float | None = like(TrainingConfig, "epochs", None)
    """Number of epochs (training.epochs)."""
