"""The run record: everything a finished training run hands to the model card, typed.

Training fills it in; the card renders it; ``training_summary.json`` is its JSON form (for people
and benchmark scripts: no predictor reads it, they read distilkit.json)."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..config import Choice


class CardMode(Choice):
    """What a command that measures a trained folder does with its model card."""
    UPDATE = "update"  # add the new section (folders distilkit trained: they have a run record)
    KEEP = "keep"  # leave the card as it is


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
    behaviour: list[dict] = field(default_factory=list)
    """Behaviour-test reports (`distilkit check`), one per tests file: per test its type, pass rate and need."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def read(cls, folder) -> "RunRecord | None":
        """The record of a finished run from its training_summary.json (None for folders distilkit did not
        train); used to render the card again with new sections, never to run the model."""
        import json
        from pathlib import Path

        path = Path(folder) / "training_summary.json"
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
