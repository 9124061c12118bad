"""Version shims: the only place that knows which transformers release renamed what.

We support transformers 4.57 and 5.x. Between them TrainingArguments replaced the boolean
``group_by_length`` with ``train_sampling_strategy`` and folded ``warmup_ratio`` into
``warmup_steps`` (a float < 1 is a ratio).
"""
from __future__ import annotations


def _fields() -> set[str]:
    from transformers import TrainingArguments

    return set(TrainingArguments.__dataclass_fields__)


def sampling_kwargs(strategy: str) -> dict:
    if "train_sampling_strategy" in _fields():
        return {"train_sampling_strategy": strategy}
    return {"group_by_length": strategy == "group_by_length"}


def warmup_kwargs(ratio: float) -> dict:
    if "warmup_ratio" in _fields():
        return {"warmup_ratio": ratio}
    return {"warmup_steps": ratio}
