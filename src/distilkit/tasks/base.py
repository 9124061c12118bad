"""The task contract. Every task (classification, and later pair classification and question
answering) exposes the same small surface, so training, evaluation, cards and the CLI work
with any of them without branching on which one they got:

- ``load(data_cfg, seed)``: read and validate the splits, return a ``TaskData``
- ``preprocess(split, tokenizer)``: tokenized ``datasets.Dataset`` ready for the collator
- ``collator(tokenizer)``: batches with dynamic padding
- ``compute_loss(model, inputs, loss_fn)``: loss and outputs of one batch
- ``metrics(logits, labels)``: flat dict of numbers; ``report(...)``: the full evaluation
- ``postprocess(logits, top_k)``: user-facing predictions
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TaskData:
    train: object | None
    validation: object | None
    test: object | None
    notes: list[str] = field(default_factory=list)
    """Human-readable facts about the data (skipped, sampled, truncated rows) for logs and the card."""
