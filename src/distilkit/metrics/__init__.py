"""Metric functions on plain numbers (no models): classification and SQuAD. Tasks score with them
during training; evaluation reports them. They sit below both, so neither imports the other."""
from .classification import classification_metrics, confusion, per_class_report, top_confusions

__all__ = ["classification_metrics", "confusion", "per_class_report", "top_confusions"]
