"""Evaluation: metrics, reports, plots."""
from .evaluate import evaluate
from .metrics import classification_metrics, confusion, per_class_report

__all__ = ["evaluate", "classification_metrics", "confusion", "per_class_report"]
