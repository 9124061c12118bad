"""Typed run configuration: what a recipe YAML file holds.

Each section is a dataclass whose fields carry their documentation as attribute
docstrings and their limits as declared bounds (``bounded``, see ``bounds.py``: the
command line and the docs read the same declarations), and whose ``__post_init__``
validates values, so a bad recipe fails before any work starts with a message naming
the field. Choices are string enums. Building a RunConfig from YAML and --set
overrides is in ``recipe.py``.
"""
from __future__ import annotations

import dataclasses
import enum
import re
from dataclasses import dataclass, field

from .bounds import Bounds, bounded, check_bounds, field_bounds, field_docs, like  # noqa: F401  (public here)
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
    FP32 = "fp32"
    BF16 = "bf16"  # bf16 autocast; on CPUs without fast bf16 matmuls it can be slower


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


class Checkpoints(Choice):
    DELETE = "delete"  # remove intermediate checkpoints once the run has finished well
    KEEP = "keep"


def _check(cond: bool, where: str, msg: str):
    if not cond:
        raise DistilkitError(f"{where}: {msg}")


@dataclass
class ModelConfig:
    name: str = "minilm-l6"
    """Base model: an alias ('minilm-l6'), a local folder, or a hub id ('distilbert-base-uncased')."""
    max_length: int = bounded(128, "tokens per example", at_least=8, at_most=8192)
    """Tokens kept per example; longer texts are truncated (and the count is reported)."""
    freeze: Freeze = Freeze.NONE
    """Parameters kept fixed during training: 'none' or 'embeddings' (faster on CPU)."""
    trust_remote_code: bool = False
    """Run model code from the hub. Off unless you trust the model's author."""
    keep_layers: list[int] | None = None
    """Keep only these encoder layers of the model (e.g. [0, 2, 4]): a smaller student initialised from a
    bigger model, as DistilBERT was. The result saves as an ordinary model with fewer layers."""

    def __post_init__(self):
        self.freeze = Freeze.parse(self.freeze, "model.freeze")
        if self.keep_layers is not None:
            _check(len(self.keep_layers) > 0 and all(isinstance(i, int) for i in self.keep_layers),
                   "model.keep_layers", "give a non-empty list of layer indices, e.g. [0, 2, 4]")
            _check(list(self.keep_layers) == sorted(set(self.keep_layers)), "model.keep_layers",
                   f"{self.keep_layers} must be increasing, without repeats")
        check_bounds(self, "model.")


@dataclass
class DataConfig:
    train: str | list[str] | None = None
    """Training data (a list of sources is joined): a file (csv, tsv, jsonl, json, parquet, txt 'text;label'), 'FILE::split' for
    multi-split files such as CLINC150 JSON, 'FOLDER::split' for a folder in a known layout (TweetEval, SNIPS,
    HWU64), or 'hub:NAME[:CONFIG]::split' for a hub dataset; any of them may add '::columns=NEW:OLD,...' and
    '::shard=K/N' (docs/data.md)."""
    validation: str | None = None
    """Validation data (same forms). Used for per-epoch evaluation, early stopping and model selection."""
    test: str | None = None
    """Test data, evaluated once after training for the final report (never used to choose anything)."""
    validation_fraction: float = bounded(0.0, "fraction of train held out", at_least=0, below=1)
    """If no validation data is given, hold out this fraction of train (stratified, seeded) instead."""
    text_column: str = "text"
    """Column holding the text."""
    text_pair_column: str | None = None
    """Column holding the second text of a pair (NLI, paraphrase); none for single texts."""
    label_column: str = "label"
    """Column holding the label (string names or integers)."""
    label_names: list[str] | None = None
    """Names for integer labels 0..k-1 (e.g. [negative, positive]); default: labels as found."""
    label_map: dict[str, str | None] | None = None
    """Rename labels as they are read, e.g. {not_entailment: null, 0: negative}; a label mapped to null drops
    its rows (counted in the run's notes). Applies to every split."""
    exclude_overlap: list[str] | None = None
    """Sources whose texts must not be trained on (leakage), e.g. [../shared/data/mnli/dev_matched.jsonl] when
    that is the test set: every train and validation row whose text (data.text_column: the premise, for NLI)
    occurs in one of them is dropped, counted in the run's notes. Texts compare stripped, with whitespace
    collapsed and lower-cased. Each source's data.text_column is read (rename with ::columns=NEW:OLD)."""
    max_train_samples: int | None = bounded(None, "training rows", at_least=1)
    """Keep only the first N training rows (after shuffling with the seed)."""
    max_eval_samples: int | None = bounded(None, "evaluation rows", at_least=1)
    """Keep only the first N validation and test rows."""
    on_empty: OnEmpty = OnEmpty.ERROR
    """What an empty text does: 'error' (default) or 'skip' (skipped rows are counted and reported)."""
    oos_label: str | None = None
    """Out-of-scope label (CLINC150: 'oos'); adds in-scope accuracy and out-of-scope recall."""
    oos_threshold: float | str = bounded("tune", "a probability", at_least=0, at_most=1)
    """With oos_label: below this top probability a prediction becomes the out-of-scope label. 'tune' picks
    it on validation data (never test), 'off' disables it, a number fixes it. Stored in distilkit.json and
    applied by every predictor and backend."""
    oos_objective: ThresholdObjective = ThresholdObjective.BALANCED
    """What 'tune' maximises on validation: 'balanced' (mean of in-scope accuracy and OOS recall; does not
    depend on validation's share of out-of-scope rows) or 'accuracy'."""
    extra_tests: dict[str, str] | None = None
    """More test sets scored once after training, by name, each a row of the card's results beside test, e.g.
    {unseen: data/clinic/test_unseen.jsonl, handwritten: data/clinic/handwritten.jsonl}: data the model's own
    test split cannot stand for (another hand, held-out phrasings). Never used to choose anything."""
    extra_validation: dict[str, str] | None = None
    """More validation sets, by name, scored after training beside validation and joined with it wherever a
    decision threshold is chosen (qa.null_threshold 'auto', data.oos_threshold 'tune'), e.g. {val_handwritten:
    data/clinic/validation_handwritten.jsonl}: the threshold then suits notes of both kinds. The best checkpoint is
    still chosen on data.validation alone; never list test data here."""
    behaviour_tests: list[str] | None = None
    """Behaviour-test files (`distilkit check`, tests/behaviour/*.yaml) that the `distilkit train` and `distill`
    commands run on the finished model, adding a "Behaviour tests" section to its card; checked before training
    starts. (The Python `distilkit.train` leaves them to `distilkit.check`.)"""

    def __post_init__(self):
        self.on_empty = OnEmpty.parse(self.on_empty, "data.on_empty")
        if self.extra_tests is not None:
            _check(isinstance(self.extra_tests, dict) and all(isinstance(v, str) and v for v in
                                                              self.extra_tests.values()), "data.extra_tests",
                   "give a mapping of name to one data source, e.g. {handwritten: data/clinic/handwritten.jsonl}")
            self.extra_tests = {str(k): v for k, v in self.extra_tests.items()}
            for name in self.extra_tests:  # names become file names: eval_<name>.json
                _check(re.fullmatch(r"[A-Za-z0-9_.-]+", name) is not None, "data.extra_tests",
                       f"'{name}' is not a usable name: use letters, digits, '_', '-' or '.'")
            taken = sorted(set(self.extra_tests) & {"train", "validation", "test"})
            _check(not taken, "data.extra_tests", f"'{', '.join(taken)}' is a split of its own: name it otherwise")
        if self.extra_validation is not None:
            _check(isinstance(self.extra_validation, dict) and all(isinstance(v, str) and v for v in
                                                                   self.extra_validation.values()),
                   "data.extra_validation", "give a mapping of name to one data source, e.g. "
                   "{val_handwritten: data/clinic/validation_handwritten.jsonl}")
            self.extra_validation = {str(k): v for k, v in self.extra_validation.items()}
            for name in self.extra_validation:  # names become file names: eval_<name>.json
                _check(re.fullmatch(r"[A-Za-z0-9_.-]+", name) is not None, "data.extra_validation",
                       f"'{name}' is not a usable name: use letters, digits, '_', '-' or '.'")
            taken = sorted(set(self.extra_validation) & ({"train", "validation", "test"} | set(self.extra_tests or {})))
            _check(not taken, "data.extra_validation", f"'{', '.join(taken)}' is already a split or an extra test "
                   "set: name it otherwise")
            _check(bool(self.validation), "data.extra_validation", "joins data.validation, which is not set: give "
                   "data.validation too")
        if isinstance(self.exclude_overlap, str):
            self.exclude_overlap = [self.exclude_overlap]
        _check(self.exclude_overlap is None or (isinstance(self.exclude_overlap, list) and all(
            isinstance(s, str) and s for s in self.exclude_overlap)), "data.exclude_overlap",
            "give a list of data sources, e.g. [../shared/data/mnli/dev_matched.jsonl]")
        if isinstance(self.behaviour_tests, str):
            self.behaviour_tests = [self.behaviour_tests]
        _check(self.behaviour_tests is None or (isinstance(self.behaviour_tests, list) and all(
            isinstance(t, str) and t for t in self.behaviour_tests)), "data.behaviour_tests",
            "give a list of tests files, e.g. [tests/behaviour/clinic.yaml]")
        self.oos_objective = ThresholdObjective.parse(self.oos_objective, "data.oos_objective")
        if self.oos_threshold not in ("tune", "off"):
            try:
                self.oos_threshold = float(self.oos_threshold)
            except (TypeError, ValueError):
                raise DistilkitError(f"data.oos_threshold: '{self.oos_threshold}' is not 'tune', 'off' or a "
                                     "probability") from None
        check_bounds(self, "data.")
        _check(self.oos_threshold in ("tune", "off") or self.oos_label is not None, "data.oos_threshold",
               "a threshold needs an out-of-scope label: set data.oos_label (e.g. oos) or remove the threshold")
        if self.label_map is not None:
            _check(isinstance(self.label_map, dict), "data.label_map", "give a mapping, e.g. {not_entailment: null}")
            self.label_map = {str(k): None if v is None else str(v) for k, v in self.label_map.items()}


@dataclass
class LossConfig:
    name: str = "cross_entropy"
    """Loss from the registry: cross_entropy, weighted_cross_entropy, focal, class_balanced."""
    label_smoothing: float = bounded(0.0, "label smoothing", at_least=0, below=1)
    """Label smoothing in [0, 1) for every loss."""
    class_weights: str | list[float] | None = None
    """weighted_cross_entropy: a weight per class, or 'auto' (inverse class frequency, sklearn's 'balanced')."""
    gamma: float = bounded(2.0, "focal loss's focusing parameter", at_least=0)
    """focal (and class_balanced with base focal): focusing parameter; 0 gives cross entropy."""
    alpha: list[float] | None = None
    """focal: optional weight per class (the alpha of Lin et al. 2017)."""
    beta: float = bounded(0.999, "class_balanced's beta", at_least=0, below=1)
    """class_balanced: beta of the effective number of samples (1 - beta^n) / (1 - beta)."""
    base: str = "cross_entropy"
    """class_balanced: the loss being reweighted, 'cross_entropy' or 'focal'."""

    def __post_init__(self):
        check_bounds(self, "loss.")
        _check(self.base in ("cross_entropy", "focal"), "loss.base", "must be 'cross_entropy' or 'focal'")
        if isinstance(self.class_weights, str):
            _check(self.class_weights == "auto", "loss.class_weights", "must be 'auto' or a list of numbers")


@dataclass
class TrainingConfig:
    output_dir: str = "runs/model"
    """Folder for the trained model, its card and evaluation; checkpoints go in its 'checkpoints/'."""
    epochs: float = bounded(3.0, "passes over the training data", above=0)
    """Passes over the training data."""
    max_steps: int | None = bounded(None, "optimizer steps", at_least=1)
    """If set, stop after this many optimizer steps (overrides epochs)."""
    learning_rate: float = bounded(2e-5, "peak learning rate", above=0)
    """Peak learning rate of AdamW."""
    batch_size: int = bounded(32, "training examples per step", at_least=1)
    """Training examples per device per step."""
    eval_batch_size: int = bounded(64, "examples per evaluation batch", at_least=1)
    """Examples per batch during evaluation."""
    gradient_accumulation_steps: int = bounded(1, "batches per optimizer step", at_least=1)
    """Batches accumulated per optimizer step (effective batch = batch_size * this * processes)."""
    weight_decay: float = bounded(0.01, "AdamW weight decay", at_least=0)
    """AdamW weight decay (not applied to biases and LayerNorm weights)."""
    warmup_ratio: float = bounded(0.0, "fraction of steps warming up", at_least=0, below=1)
    """Fraction of steps spent warming the learning rate up from 0."""
    scheduler: str = "linear"
    """Learning-rate schedule: any transformers SchedulerType (linear, cosine, constant_with_warmup...)."""
    optimizer: str = "adamw_torch_fused"
    """Optimizer name as transformers knows it; the fused AdamW is ~1.7x faster on CPU than the loop one."""
    seed: int = bounded(42, "a random seed", at_least=0, at_most=2**32 - 1)  # numpy's seeds are 32-bit
    """Seed for initialisation, shuffling and dropout."""
    precision: Precision = Precision.FP32
    """'fp32' or 'bf16' (autocast). Measured slower on our AVX-512 CPU, so fp32 is the default."""
    sampling: Sampling = Sampling.GROUP_BY_LENGTH
    """Batch composition: 'group_by_length' (fewer pad tokens) or 'random'."""
    eval_strategy: EvalStrategy = EvalStrategy.EPOCH
    """When to evaluate and checkpoint: every 'epoch' or every eval_steps 'steps'."""
    eval_steps: int | None = bounded(None, "steps between evaluations", at_least=1)
    """Steps between evaluations when eval_strategy is 'steps'."""
    metric_for_best_model: str | None = None
    """Validation metric that picks the best checkpoint and drives early stopping ('loss' is minimised);
    default: the task's main metric (accuracy for classification, f1 for question answering)."""
    early_stopping_patience: int | None = bounded(None, "evaluations without improvement", at_least=1)
    """Stop after this many evaluations without improvement; none trains all epochs."""
    save_total_limit: int = bounded(2, "checkpoints kept", at_least=1)
    """Checkpoints kept on disk during training (the best is always kept)."""
    checkpoints: Checkpoints = Checkpoints.DELETE
    """After a finished run: 'delete' intermediate checkpoints or 'keep' them."""
    logging_steps: int = bounded(50, "steps between training-loss logs", at_least=1)
    """Steps between training-loss logs (the learning curve's resolution)."""
    num_threads: int | None = bounded(None, "CPU threads", at_least=1, at_most=1024)
    """Torch CPU threads; none keeps torch's default (all cores)."""

    def __post_init__(self):
        self.precision = Precision.parse(self.precision, "training.precision")
        self.sampling = Sampling.parse(self.sampling, "training.sampling")
        self.eval_strategy = EvalStrategy.parse(self.eval_strategy, "training.eval_strategy")
        self.checkpoints = Checkpoints.parse(self.checkpoints, "training.checkpoints")
        check_bounds(self, "training.")
        if self.eval_strategy is EvalStrategy.STEPS:
            _check(self.eval_steps is not None, "training.eval_steps", "set eval_steps when eval_strategy is 'steps'")


@dataclass
class DistillConfig:
    teacher: str | list[str] | None = None
    """Teacher classifier(s): a folder or hub id, or a list of them (an ensemble: logits averaged). Teachers
    see the raw text with their own tokenizer, so they need not share the student's."""
    teacher_logits: str | None = None
    """Instead of a teacher model: JSON Lines of precomputed outputs for the training examples, one
    {"text": ..., "logits": [...]} (or "probabilities") per line; an optional first line {"labels": [...]}
    names the columns (default: the training labels in order)."""
    alpha: float = bounded(0.5, "weight of the hard-label loss", at_least=0, at_most=1)
    """Weight of the hard-label loss; (1 - alpha) * T^2 weights the soft-label KL term."""
    temperature: float = bounded(2.0, "softmax temperature", above=0)
    """Softmax temperature T for the soft labels of teacher and student."""
    hidden_weight: float = bounded(0.0, "weight of the hidden-state loss", at_least=0)
    """Weight of a hidden-state cosine loss (as DistilBERT's); needs a teacher with the student's hidden size
    and tokenizer and runs the teacher on every batch."""
    layer_map: list[int] | None = None
    """Teacher layer whose output each student layer imitates in the hidden loss; default model.keep_layers."""
    teacher_mode: TeacherMode = TeacherMode.CACHED
    """'cached' (compute teacher logits once, reuse) or 'online' (run the teacher every batch)."""
    cache_dir: str = ".distilkit_cache"
    """Where cached teacher logits live, keyed by a fingerprint of teacher, data and preprocessing."""

    def __post_init__(self):
        self.teacher_mode = TeacherMode.parse(self.teacher_mode, "distill.teacher_mode")
        check_bounds(self, "distill.")
        _check(not (self.teacher and self.teacher_logits), "distill", "give teacher or teacher_logits, not both")
        _check(not (self.teacher_logits and (self.hidden_weight or self.teacher_mode is TeacherMode.ONLINE)),
               "distill", "hidden_weight and teacher_mode=online need a teacher model, not a logits file")

    @property
    def enabled(self) -> bool:
        return bool(self.teacher or self.teacher_logits)

    @property
    def teachers(self) -> list[str]:
        return [self.teacher] if isinstance(self.teacher, str) else list(self.teacher or [])


@dataclass
class QAConfig:
    """Extractive question answering (task: question-answering)."""

    question_column: str = "question"
    """Column holding the question (JSON Lines, hub and parquet data; SQuAD JSON is read as is)."""
    context_column: str = "context"
    """Column holding the passage the answer is extracted from."""
    answers_column: str = "answers"
    """Column holding the answers: {"text": [...], "answer_start": [...]} or a list of {"text", "answer_start"}."""
    id_column: str = "id"
    """Column holding a unique example id; rows without one are numbered."""
    doc_stride: int = bounded(128, "tokens shared by windows", at_least=1, at_most=8192)
    """Tokens shared by consecutive windows when a context is longer than model.max_length."""
    max_answer_length: int = bounded(30, "tokens per answer", at_least=1, at_most=8192)
    """Longest answer considered, in tokens."""
    n_best: int | None = bounded(None, "candidate spans per window", at_least=1)
    """Candidate spans each window offers when decoding answers (default: 2 * top_k + 10, as the
    transformers pipeline); candidates with the same text add up their probabilities."""
    negative_windows: float = bounded(1.0, "fraction of answerless windows kept", above=0, at_most=1)
    """Fraction of training windows without the answer that are kept (seeded). 1.0 keeps all, as usual;
    lower it for long documents, where most windows hold no answer and dominate training time."""
    bad_answers: AnswerRepair = AnswerRepair.ERROR
    """Answers whose text is not at their answer_start: 'error', 'fix' (move to the nearest exact
    occurrence, counted) or 'skip' (fix, and skip what cannot be fixed, counted)."""
    null_threshold: float | str = "auto"
    """SQuAD v2 data (unanswerable questions): answer nothing when the no-answer score beats the best span
    by more than this; 'auto' picks it on validation data. Ignored for data where every question has an answer."""
    span_alignment: SpanAlignment = SpanAlignment.WORDS
    """Answer boundaries: 'words' (widened to whole words, as the transformers pipeline does) or 'tokens'."""

    def __post_init__(self):
        self.bad_answers = AnswerRepair.parse(self.bad_answers, "qa.bad_answers")
        self.span_alignment = SpanAlignment.parse(self.span_alignment, "qa.span_alignment")
        check_bounds(self, "qa.")
        if isinstance(self.null_threshold, str) and self.null_threshold != "auto":
            try:
                self.null_threshold = float(self.null_threshold)
            except ValueError:
                raise DistilkitError(f"qa.null_threshold: '{self.null_threshold}' is not 'auto' or a number") from None


@dataclass
class RunConfig:
    task: str = "text-classification"
    """Task from the registry (see distilkit.tasks.TASKS)."""
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    distill: DistillConfig = field(default_factory=DistillConfig)
    qa: QAConfig = field(default_factory=QAConfig)
    card: dict = field(default_factory=dict)
    """Extra model-card fields: license, language, dataset_name, dataset_config, notes, model_name."""

    def __post_init__(self):
        if self.task == "question-answering":
            _check(self.qa.doc_stride < self.model.max_length, "qa.doc_stride",
                   f"{self.qa.doc_stride} must be smaller than model.max_length ({self.model.max_length})")

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.value if isinstance(value, enum.Enum) else value
