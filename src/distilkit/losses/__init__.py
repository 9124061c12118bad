"""Losses, chosen by name from a registry (``build_loss``)."""
from . import class_balanced, cross_entropy, focal  # noqa: F401  (register the built-in losses)
from .class_balanced import effective_number_weights
from .cross_entropy import CrossEntropyLoss, balanced_weights
from .focal import FocalLoss
from .registry import LOSSES, build_loss, register_loss

__all__ = ["LOSSES", "build_loss", "register_loss", "CrossEntropyLoss", "FocalLoss",
           "balanced_weights", "effective_number_weights"]
