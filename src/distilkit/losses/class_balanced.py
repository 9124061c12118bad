"""Class-balanced loss (Cui et al. 2019): weight each class by 1 / effective number of samples.

E_n = (1 - beta^n) / (1 - beta); weights are normalised to sum to the number of classes,
so the loss scale stays comparable to the unweighted one. The base is cross entropy or focal.
"""
from __future__ import annotations

import torch
from torch import nn

from .cross_entropy import CrossEntropyLoss
from .focal import FocalLoss
from .registry import register_loss


def effective_number_weights(counts: list[int], beta: float) -> torch.Tensor:
    n = torch.tensor(counts, dtype=torch.float64)
    effective = (1.0 - torch.pow(beta, n)) / (1.0 - beta)
    weights = torch.where(n > 0, 1.0 / effective.clamp(min=1e-12), torch.zeros_like(n))
    return (weights * len(counts) / weights.sum()).float()


class ClassBalancedFocalLoss(FocalLoss):
    """Focal loss with class-balanced weights (a weighted mean, as in the paper's softmax variant)."""

    def __init__(self, weight: torch.Tensor, gamma: float, label_smoothing: float):
        super().__init__(gamma=gamma, alpha=None, label_smoothing=label_smoothing)
        self.register_buffer("weight", weight, persistent=False)

    def forward(self, logits, labels, **_):
        w = self.weight.to(logits.device)[labels]
        return (self.per_example(logits, labels) * w).sum() / w.sum().clamp(min=1e-12)


@register_loss("class_balanced", weights_classes=True)
def build_class_balanced(cfg, counts) -> nn.Module:
    weight = effective_number_weights(counts, cfg.beta)
    if cfg.base == "focal":
        return ClassBalancedFocalLoss(weight, cfg.gamma, cfg.label_smoothing)
    return CrossEntropyLoss(weight=weight, label_smoothing=cfg.label_smoothing)
