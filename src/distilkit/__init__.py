"""distilkit: fine-tune, evaluate, document, export and run compact transformer encoders.

The public API, re-exported here so users never import from submodules:

>>> from distilkit import RunConfig, train, evaluate, Classifier, QuestionAnswerer, ZeroShotClassifier
>>> from distilkit import EmbeddingZeroShot, Embedder
>>> from distilkit import load_predictor, load_recipe

Names are imported on first use (PEP 562), so ``import distilkit`` and ``distilkit --help`` stay
instant: torch and transformers load only when something needs them.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "RunConfig": "config", "ModelConfig": "config", "DataConfig": "config", "LossConfig": "config",
    "TrainingConfig": "config", "config_from_dict": "recipe", "load_recipe": "recipe", "DistilkitError": "errors",
    "evaluate": "evaluation", "LOSSES": "losses", "build_loss": "losses", "register_loss": "losses",
    "TASKS": "tasks", "train": "training", "Classifier": "inference", "QuestionAnswerer": "inference",
    "ZeroShotClassifier": "inference", "EmbeddingZeroShot": "inference", "Embedder": "inference",
    "load_predictor": "inference", "ModelSettings": "inference", "BACKENDS": "inference",
    "export_model": "deploy", "check": "evaluation.behaviour", "load_suite": "evaluation.behaviour",
}
__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'distilkit' has no attribute '{name}'")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
