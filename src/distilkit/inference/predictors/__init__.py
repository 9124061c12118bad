"""Predictors by task: ``load_predictor(folder)`` reads the task stored with the model and returns the
predictor that runs it (``Classifier``, ``QuestionAnswerer``). A new task is one predictor module and
one entry below."""
from __future__ import annotations

from pathlib import Path

from ...errors import DistilkitError
from ..settings import ModelSettings
from .base import Predictor
from .classify import Classifier
from .qa import QuestionAnswerer
from .zero_shot import ZeroShotClassifier

PREDICTORS: dict[str, type[Predictor]] = {Classifier.task: Classifier, QuestionAnswerer.task: QuestionAnswerer,
                                          ZeroShotClassifier.task: ZeroShotClassifier}
COMMANDS = {Classifier.task: "predict", QuestionAnswerer.task: "qa", ZeroShotClassifier.task: "zero-shot"}


def task_of(model: str, trust_remote_code: bool = False) -> str:
    """The task of a model folder: from distilkit.json, else from config.json's architectures."""
    from transformers import AutoConfig

    from ...models import resolve_model

    folder = resolve_model(model)
    settings = ModelSettings.read(folder) if Path(folder).is_dir() else None
    if settings is not None:
        return settings.task
    try:
        architectures = AutoConfig.from_pretrained(folder, trust_remote_code=trust_remote_code).architectures or []
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DistilkitError(f"{model} is not a model folder ({first}): point at a folder written by "
                             "save_pretrained() or `distilkit train`") from None
    for name, cls in PREDICTORS.items():  # the first predictor of a model class names its task
        if any(a.endswith(cls.architecture_suffix) for a in architectures):
            return cls.runs()[0]
    raise DistilkitError(f"{model}: architectures {architectures or 'unknown'} have no predictor: distilkit runs "
                         f"{', '.join(c.auto_class_name for c in PREDICTORS.values())} models")


def kind_of(model: str, trust_remote_code: bool = False) -> str:
    """What a model folder is for, as a predictor task: its stored task, unless another predictor that runs
    that task claims the model (an NLI classifier is served as a zero-shot classifier)."""
    from transformers import AutoConfig

    from ...models import resolve_model

    found = task_of(model, trust_remote_code)
    others = [cls for cls in PREDICTORS.values() if found in cls.runs() and cls.task != found]
    if others:
        config = AutoConfig.from_pretrained(resolve_model(model), trust_remote_code=trust_remote_code)
        for cls in others:
            if cls.claims(config):
                return cls.task
    return found


def load_predictor(model: str, backend: str | None = None, *, task: str | None = None, **kwargs) -> Predictor:
    """The predictor for ``model``'s task. With ``task``, a model of another task is refused with the
    command that runs it."""
    found = task_of(model, kwargs.get("trust_remote_code", False))
    if found not in PREDICTORS:
        raise DistilkitError(f"{model}: task '{found}' has no predictor; known: {', '.join(PREDICTORS)}")
    if task and found not in PREDICTORS[task].runs():
        raise DistilkitError(f"{model} is a {found} model: use `distilkit {COMMANDS.get(found, 'eval')}` for it")
    return PREDICTORS[task or found](model, backend=backend, **kwargs)


__all__ = ["PREDICTORS", "Predictor", "Classifier", "QuestionAnswerer", "ZeroShotClassifier", "load_predictor",
           "task_of", "kind_of"]
