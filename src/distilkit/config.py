"""Typed run configuration: what a recipe YAML file holds.

Each section is a dataclass whose fields carry their documentation as attribute
docstrings and their limits as declared bounds (``bounded``, see ``bounds.py``: the
command line and the docs read the same declarations), and whose ``__post_init__``
validates values, so a bad recipe fails before any work starts with a message naming
the field. Choices are string enums (``choices.py``). Building a RunConfig from YAML and
--set overrides is in ``recipe.py``.

The ``data`` section lives in ``config_data.py``, the entries of ``distill.transfer`` in
``config_transfer.py`` and the choices in ``choices.py``; every name is re-exported here, so
``distilkit.config`` stays the one place to import them from.
"""
from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field

from .bounds import Bounds, bounded, check_bounds, field_bounds, field_docs, like  # noqa: F401  (public here)
from .choices import (AnswerRepair, Checkpoints, Choice, EvalStrategy, Freeze, OnEmpty,  # noqa: F401  (public here)
                      Precision, Sampling, SpanAlignment, TeacherMode, ThresholdObjective, TransferKind, require)
from .config_data import DataConfig
from .config_transfer import TransferSource
from .errors import DistilkitError


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
            require(len(self.keep_layers) > 0 and all(isinstance(i, int) for i in self.keep_layers),
                    "model.keep_layers", "give a non-empty list of layer indices, e.g. [0, 2, 4]")
            require(list(self.keep_layers) == sorted(set(self.keep_layers)), "model.keep_layers",
                    f"{self.keep_layers} must be increasing, without repeats")
        check_bounds(self, "model.")



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
        require(self.base in ("cross_entropy", "focal"), "loss.base", "must be 'cross_entropy' or 'focal'")
        if isinstance(self.class_weights, str):
            require(self.class_weights == "auto", "loss.class_weights", "must be 'auto' or a list of numbers")


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
    """'fp32', 'bf16' (autocast) or 'auto': bf16 only where the CPU has native bf16 (AVX512-BF16 or AMX) and a short
    matmul measurement finds it faster here (``distilkit.hardware``); the card says which ran and why. fp32 is the
    default: on our own benchmark machine, whose CPU flags claim AVX512-BF16 and AMX, bf16 training measured slower on
    one day and 1.3-1.4x faster on another; recipes that have been checked both ways say ``auto``."""
    gradient_checkpointing: bool = False
    """Recompute each layer's activations during the backward pass instead of keeping them from the forward one:
    activation memory falls from one copy per layer to about one layer's, for roughly a third more compute per
    step. For long inputs in large batches (question answering's 192-token windows), where activations, not the
    model, set the peak memory."""
    release_memory: bool = False
    """Give freed blocks of 1 MB and more straight back to the operating system (glibc's M_MMAP_THRESHOLD, set for
    the training process; ``training.memory``): peak resident memory then follows the tensors alive at once, not the
    largest heap the run ever grew. The 110M teachers use it with gradient_checkpointing to stay under 2.5 GB.
    Costs a page fault per fresh large tensor; without glibc (macOS) it is said once and ignored."""
    onnx_graph: bool = False
    """After training, export the fp32 ONNX graph into MODEL/onnx/ and score it against PyTorch on validation: one-off
    predictions (``distilkit predict MODEL "text"``, ``zero-shot`` with texts on the command line) then run that graph
    and start without importing PyTorch (under a second instead of several). Costs an export at the end of the run
    (seconds for MiniLM) and the graph's size on disk; a failed export is reported and the run still succeeds."""
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
            require(self.eval_steps is not None, "training.eval_steps", "set eval_steps when eval_strategy is 'steps'")


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
    transfer: list[TransferSource] = field(default_factory=list)
    """Transfer sets: extra inputs without gold labels that the teacher labels (once, cached) and the student learns
    from through the soft-label term, e.g. [{kind: file, path: wiki.txt, size: 10000}, {kind: mask, size: 5000}].
    Each entry's fields: the table below; what the student saw is on the card."""

    def __post_init__(self):
        self.teacher_mode = TeacherMode.parse(self.teacher_mode, "distill.teacher_mode")
        check_bounds(self, "distill.")
        require(isinstance(self.transfer, list), "distill.transfer",
                "give a list of sources, e.g. [{kind: mask, size: 1000}]")
        self.transfer = [TransferSource.parse(s, f"distill.transfer[{i}]") for i, s in enumerate(self.transfer)]
        for i, source in enumerate(self.transfer):
            source.check(f"distill.transfer[{i}]")
        require(not (self.transfer and self.teacher_logits), "distill.transfer",
                "a logits file (distill.teacher_logits) covers the training texts only, so it cannot label transfer "
                "texts: use distill.teacher, or remove distill.transfer")
        require(not (self.teacher and self.teacher_logits), "distill", "give teacher or teacher_logits, not both")
        require(not (self.teacher_logits and (self.hidden_weight or self.teacher_mode is TeacherMode.ONLINE)),
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
            require(self.qa.doc_stride < self.model.max_length, "qa.doc_stride",
                    f"{self.qa.doc_stride} must be smaller than model.max_length ({self.model.max_length})")

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value.value if isinstance(value, enum.Enum) else value
