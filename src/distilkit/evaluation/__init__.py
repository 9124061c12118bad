"""Evaluation: runs a model through its predictor on labelled data and writes the task's report."""
from .evaluate import evaluate, evaluate_split, evaluate_splits

__all__ = ["evaluate", "evaluate_split", "evaluate_splits"]
