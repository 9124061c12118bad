"""The run record: everything a finished training run hands to the model card, typed.

Training fills it in; the card renders it; ``training_summary.json`` is its JSON form (for people
and benchmark scripts: no predictor reads it, they read distilkit.json)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field


@dataclass
class RunRecord:
    task: str
    """Task name from the registry."""
    pipeline_tag: str
    """Hugging Face pipeline tag for the card's front matter."""
    card_text: dict
    """Task-specific card prose: 'what', 'usage', 'extra', optional 'limits'."""
    config: dict
    """The run configuration as plain data (RunConfig.to_dict())."""
    derived: dict
    """Values the config implies but does not state (steps, effective batch, parameters, device...)."""
    data: dict
    """Per split: {'source', 'rows'}."""
    results: dict
    """Per evaluated split: flat metrics (decision thresholds applied)."""
    labels: list[str] = field(default_factory=list)
    """Class names (classification); empty for span tasks."""
    qa: dict | None = None
    """Question answering: {'unanswerable', 'null_threshold'}."""
    config_sections: list[str] = field(default_factory=lambda: ["model", "loss", "training"])
    """Config sections whose every field the card lists."""
    images: list[str] = field(default_factory=list)
    """Images written beside the card (confusion matrices)."""
    notes: list[str] = field(default_factory=list)
    """Facts about the data (skipped, sampled, truncated rows)."""
    history: list[dict] = field(default_factory=list)
    """Per-evaluation rows of the training run."""
    loss_curve: list = field(default_factory=list)
    """(step, training loss) pairs."""
    results_without_threshold: dict = field(default_factory=dict)
    """Per split: metrics of the plain argmax, where a decision threshold was applied."""
    thresholds: dict = field(default_factory=dict)
    """Decision thresholds stored in distilkit.json (oos_label, oos_threshold, objective)."""
    top_confusions: dict = field(default_factory=dict)
    """Per split: the most frequent (true, predicted) mistakes."""
    train_runtime_s: float = 0.0
    train_samples_per_second: float = 0.0
    wall_time_s: float = 0.0
    resumed_from: str | None = None
    """Checkpoint the run continued from, if any."""
    distillation: dict | None = None
    """Teacher, settings and the teacher/student comparison, for distilled models."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
