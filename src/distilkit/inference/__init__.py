"""Everything that runs a trained model: settings stored with the model (``settings``), the one
batching loop (``batching``), backends by name (``backends``), predictors by task and zero-shot method (``predictors``),
ONNX export and int8 (``onnx_graphs``, ``export``), and measurements (``measure``).

    from distilkit.inference import load_predictor
    predictor = load_predictor("runs/clinc", backend="onnx-int8", threads=2)
"""
from .backends import BACKENDS, load_backend
from .calibration import Calibration
from .predictors import (METHODS, PREDICTORS, Classifier, Embedder, EmbeddingZeroShot, Predictor, QuestionAnswerer,
                         ZeroShotClassifier, load_predictor, task_of)
from .settings import SETTINGS_FILE, BackendFile, ModelSettings

__all__ = ["BACKENDS", "METHODS", "PREDICTORS", "SETTINGS_FILE", "BackendFile", "Calibration", "Classifier", "Embedder",
           "EmbeddingZeroShot", "ModelSettings", "Predictor", "QuestionAnswerer", "ZeroShotClassifier", "load_backend",
           "load_predictor", "task_of"]
