"""The task contract: the members training, evaluation, distillation and the card really use, as a
``typing.Protocol``. Every task module (classification, question answering, ...) provides them, so the
rest of the code works with any task without branching on which one it got."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable


@dataclass
class TaskData:
    train: object | None
    validation: object | None
    test: object | None
    notes: list[str] = field(default_factory=list)
    """Human-readable facts about the data (skipped, sampled, truncated rows) for logs and the card."""


@runtime_checkable
class Task(Protocol):
    name: ClassVar[str]
    """Registry key, stored in distilkit.json (picks the predictor)."""
    pipeline_tag: ClassVar[str]
    default_metric: ClassVar[str]
    """Validation metric that picks the best checkpoint unless the config names another."""
    metric_scale: ClassVar[float]
    """Factor that turns the task's metrics into percentage points (100 for fractions, 1 for percents)."""
    config_sections: ClassVar[tuple[str, ...]]
    """Config sections the card lists in full."""
    supports_distillation: ClassVar[bool]
    max_length: int

    # --- building ------------------------------------------------------------------------------
    @classmethod
    def from_config(cls, cfg) -> "Task": ...
    @classmethod
    def for_predictor(cls, predictor, data) -> "Task":
        """The task as a trained folder defines it (labels, thresholds, windows), for evaluating it."""
    @property
    def auto_model(self) -> Any: ...
    def model_kwargs(self) -> dict: ...

    # --- data and training ---------------------------------------------------------------------
    def load(self, seed: int = 42) -> TaskData: ...
    def load_eval(self, source: str, extra: bool = False) -> Any:
        """A labelled (or unlabelled) split to score; extra: a training run's extra test set, which must not
        change the task's settings."""
    def preprocess(self, split, tokenizer, notes: list[str] | None = None, training: bool = False) -> Any: ...
    def collator(self, tokenizer) -> Any: ...
    def compute_loss(self, model, inputs: dict, loss_fn) -> tuple[Any, Any]: ...
    def class_counts(self, dataset) -> list[int] | None: ...
    def metric_names(self) -> list[str]: ...
    def trainer_metrics(self, split, dataset) -> Any: ...

    # --- evaluation ----------------------------------------------------------------------------
    def labelled(self, split) -> bool: ...
    def report(self, outputs, split, tune: bool = False) -> dict:
        """The full report on a split from a predictor's ``outputs(split)``; ``tune`` picks decision
        thresholds on this split first (validation only)."""
    def write_report(self, report: dict, json_path: Path, image_path: Path | None = None) -> list[str]: ...
    def inference_settings(self) -> dict:
        """Fields of distilkit.json this task decides (max_length, windows, thresholds)."""

    # --- card ----------------------------------------------------------------------------------
    def summary_fields(self) -> dict: ...
    def card_text(self, model_name: str) -> dict: ...
