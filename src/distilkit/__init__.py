"""distilkit: fine-tune, evaluate, document and run compact transformer encoders.

The public API, re-exported here so users never import from submodules:

>>> from distilkit import RunConfig, train, evaluate, Classifier, QuestionAnswerer, load_recipe
"""
from .config import DataConfig, LossConfig, ModelConfig, RunConfig, TrainingConfig
from .recipe import config_from_dict, load_recipe
from .errors import DistilkitError
from .evaluation import evaluate
from .losses import LOSSES, build_loss, register_loss
from .predict import Classifier
from .qa import QuestionAnswerer
from .tasks import TASKS
from .training import train

__version__ = "0.1.0"
__all__ = ["RunConfig", "config_from_dict", "ModelConfig", "DataConfig", "LossConfig", "TrainingConfig", "load_recipe", "train",
           "evaluate", "Classifier", "QuestionAnswerer", "DistilkitError", "LOSSES", "build_loss", "register_loss", "TASKS"]
