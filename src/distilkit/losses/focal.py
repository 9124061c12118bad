"""Focal loss (Lin et al. 2017): down-weights easy examples by (1 - p_t)^gamma.

FL = -alpha_t * (1 - p_t)^gamma * log(p_t). With gamma = 0 and no alpha it equals cross
entropy. Label smoothing applies to the log-likelihood term, as in cross entropy.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .registry import per_class, register_loss


class FocalLoss(nn.Module):
    def __init__(self, gamma: float = 2.0, alpha: torch.Tensor | None = None, label_smoothing: float = 0.0):
        super().__init__()
        self.gamma = gamma
        self.label_smoothing = label_smoothing
        self.register_buffer("alpha", alpha, persistent=False)

    def per_example(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        log_probs = F.log_softmax(logits.float(), dim=-1)
        log_pt = log_probs.gather(1, labels[:, None]).squeeze(1)
        nll = -log_pt
        if self.label_smoothing:
            nll = (1 - self.label_smoothing) * nll - self.label_smoothing * log_probs.mean(dim=-1)
        loss = (1 - log_pt.exp()).clamp(min=0).pow(self.gamma) * nll
        if self.alpha is not None:
            loss = loss * self.alpha.to(loss.dtype)[labels]
        return loss

    def forward(self, logits: torch.Tensor, labels: torch.Tensor, **_) -> torch.Tensor:
        return self.per_example(logits, labels).mean()


@register_loss("focal")
def build_focal(cfg, counts):
    alpha = per_class(cfg.alpha, len(counts), "loss.alpha") if cfg.alpha is not None else None
    return FocalLoss(gamma=cfg.gamma, alpha=alpha, label_smoothing=cfg.label_smoothing)
