"""Version shims: the only place that knows which transformers release renamed what.

We support transformers 4.57 and 5.x. Between them TrainingArguments replaced the boolean
``group_by_length`` with ``train_sampling_strategy`` and folded ``warmup_ratio`` into
``warmup_steps`` (a float < 1 is a ratio); later 5.x releases renamed ``gradient_checkpointing`` (and its
``_kwargs``) to ``activation_checkpointing`` and warn on the old names.
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


def checkpointing_kwargs(enabled: bool) -> dict:
    """Layer recomputation on or off; non-reentrant, so gradients reach the layers even with the embeddings frozen
    (their outputs need no grad)."""
    name = "activation_checkpointing" if "activation_checkpointing" in _fields() else "gradient_checkpointing"
    return {name: enabled, f"{name}_kwargs": {"use_reentrant": False} if enabled else None}
