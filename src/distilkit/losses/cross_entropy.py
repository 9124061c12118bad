"""Plain cross entropy, optionally with per-class weights (the base of several losses)."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .registry import per_class, register_loss


class CrossEntropyLoss(nn.Module):
    def __init__(self, weight: torch.Tensor | None = None, label_smoothing: float = 0.0):
        super().__init__()
        self.register_buffer("weight", weight, persistent=False)
        self.label_smoothing = label_smoothing

    def forward(self, logits: torch.Tensor, labels: torch.Tensor, **_) -> torch.Tensor:
        # Losses are computed in fp32 even under bf16 autocast: small probabilities matter here.
        return F.cross_entropy(logits.float(), labels, weight=self.weight, label_smoothing=self.label_smoothing)


def balanced_weights(counts: list[int]) -> torch.Tensor:
    """sklearn's 'balanced' weights n / (k * n_c); classes absent from train get weight 0."""
    counts_t = torch.tensor(counts, dtype=torch.float)
    weights = counts_t.sum() / (len(counts) * counts_t.clamp(min=1))
    return torch.where(counts_t > 0, weights, torch.zeros_like(weights))


@register_loss("cross_entropy")
def build_cross_entropy(cfg, counts):
    return CrossEntropyLoss(label_smoothing=cfg.label_smoothing)


@register_loss("weighted_cross_entropy", weights_classes=True)
def build_weighted_cross_entropy(cfg, counts):
    if cfg.class_weights in (None, "auto"):
        weight = balanced_weights(counts)
    else:
        weight = per_class(cfg.class_weights, len(counts), "loss.class_weights")
    return CrossEntropyLoss(weight=weight, label_smoothing=cfg.label_smoothing)
