"""The loss registry. A loss is an ``nn.Module`` with ``forward(logits, labels, **targets) -> scalar``
(targets are extra batch fields such as ``teacher_logits``, which plain losses ignore);
its builder takes the LossConfig and the training label counts (for frequency-based weights).
The trainer asks the registry by name and never branches on which loss it got."""
from __future__ import annotations

from typing import Callable

from torch import nn

from ..config import LossConfig
from ..errors import DistilkitError

LOSSES: dict[str, Callable[[LossConfig, list[int]], nn.Module]] = {}


def register_loss(name: str, weights_classes: bool = False):
    """``weights_classes``: the loss needs the training label counts (tasks without classes, such as
    question answering's token positions, cannot use it)."""
    def register(builder):
        builder.weights_classes = weights_classes
        LOSSES[name] = builder
        return builder
    return register


def build_loss(cfg: LossConfig, class_counts: list[int] | None) -> nn.Module:
    if cfg.name not in LOSSES:
        raise DistilkitError(f"loss.name: unknown loss '{cfg.name}'; choose one of {', '.join(sorted(LOSSES))}")
    if class_counts is None and (LOSSES[cfg.name].weights_classes or cfg.alpha is not None):
        usable = ", ".join(sorted(n for n, b in LOSSES.items() if not b.weights_classes))
        raise DistilkitError(f"loss.name: '{cfg.name}'{' with alpha' if cfg.alpha is not None else ''} weights classes, "
                             f"and this task predicts token positions, not classes: use one of {usable} (without alpha)")
    return LOSSES[cfg.name](cfg, class_counts)


def per_class(values, n_classes: int, where: str):
    """Validate a per-class list (weights, alpha) against the number of classes."""
    import torch

    if len(values) != n_classes:
        raise DistilkitError(f"{where}: has {len(values)} values but there are {n_classes} classes: give one per class")
    return torch.tensor([float(v) for v in values])
