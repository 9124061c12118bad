"""Predictors by task: ``load_predictor(folder)`` reads the task stored with the model and returns the
predictor that runs it (``Classifier``, ``QuestionAnswerer``, ``Embedder``). A new task is one predictor module
and one entry below.

A task that several predictors can do, each its own way, lists them in ``METHODS`` (zero-shot classification: by
entailment with an NLI model, or by sentence embeddings); ``load_predictor(..., method=NAME)`` picks one by name,
and 'auto' (the default) the first in that order that fits the model.
"""
from __future__ import annotations

from pathlib import Path

from ...errors import DistilkitError, first_line
from ..lean import FolderConfig, usable
from ..settings import ModelSettings
from .base import Predictor
from .classify import Classifier
from .embed import Embedder
from .embedding_zero_shot import EmbeddingZeroShot
from .qa import QuestionAnswerer
from .zero_shot import ZeroShotClassifier

PREDICTORS: dict[str, type[Predictor]] = {Classifier.task: Classifier, QuestionAnswerer.task: QuestionAnswerer,
                                          ZeroShotClassifier.task: ZeroShotClassifier, Embedder.task: Embedder}
METHODS: dict[str, dict[str, type[Predictor]]] = {
    ZeroShotClassifier.task: {ZeroShotClassifier.method: ZeroShotClassifier,
                              EmbeddingZeroShot.method: EmbeddingZeroShot},
}
"""task -> {method name: predictor}, in the order 'auto' tries them: NLI when the model names entailment and
contradiction labels, else embeddings when the folder has pooling information."""
AUTO = "auto"
COMMANDS = {Classifier.task: "predict", QuestionAnswerer.task: "qa", ZeroShotClassifier.task: "zero-shot",
            Embedder.task: "zero-shot --method embedding"}


def predictor_classes() -> list[type[Predictor]]:
    """Every predictor, those of ``PREDICTORS`` first."""
    return list(dict.fromkeys([*PREDICTORS.values(), *(c for m in METHODS.values() for c in m.values())]))


def method_names(task: str) -> list[str]:
    """What ``method=`` takes for ``task`` ('auto' first); empty for a task with one predictor."""
    return [AUTO, *METHODS[task]] if task in METHODS else []


def task_of(model: str, trust_remote_code: bool = False) -> str:
    """The task of a model folder: from distilkit.json, else from its own files (a sentence-transformers folder),
    else from config.json's architectures."""
    from ...models import resolve_model

    folder = resolve_model(model)
    settings = ModelSettings.read(folder) if Path(folder).is_dir() else None
    if settings is not None:
        return settings.task
    for cls in PREDICTORS.values():
        if Path(folder).is_dir() and cls.recognizes(Path(folder)):
            return cls.task
    from transformers import AutoConfig  # here: it imports PyTorch, which a folder with distilkit.json may not need

    try:
        architectures = AutoConfig.from_pretrained(folder, trust_remote_code=trust_remote_code).architectures or []
    except (OSError, ValueError) as exc:
        first = first_line(exc)
        raise DistilkitError(f"{model} is not a model folder ({first}): point at a folder written by "
                             "save_pretrained() or `distilkit train`") from None
    for name, cls in PREDICTORS.items():  # the first predictor of a model class names its task
        if any(a.endswith(cls.architecture_suffix) for a in architectures):
            return cls.runs()[0]
    raise DistilkitError(f"{model}: architectures {architectures or 'unknown'} have no predictor: distilkit runs "
                         f"{', '.join(c.auto_class_name for c in PREDICTORS.values())} models")


def kind_of(model: str, trust_remote_code: bool = False, served=None) -> str:
    """What a model folder is for, as a predictor task: its stored task, unless another predictor that runs
    that task claims the model (an NLI classifier is served as a zero-shot classifier). With ``served`` (the
    tasks a server has routes for), a task outside it gives way to one inside it that a predictor runs such
    models for (a sentence-embedding folder is served as a zero-shot classifier)."""
    from ...models import resolve_model

    found = task_of(model, trust_remote_code)
    others = [cls for cls in predictor_classes() if found in cls.runs() and cls.task != found]
    kind = found
    if others:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(resolve_model(model), trust_remote_code=trust_remote_code)
        kind = next((cls.task for cls in others if cls.claims(config)), found)
    if served is not None and kind not in served:
        kind = next((cls.task for cls in others if cls.task in served), kind)
    return kind


def pick(model: str, task: str, found: str, method: str | None, options: dict) -> type[Predictor]:
    """The predictor for ``task`` on a model of stored task ``found``: by ``method`` among ``METHODS[task]``
    ('auto' or None: the first that fits), else ``PREDICTORS[task]``."""
    if task not in METHODS:
        if method not in (None, AUTO):
            raise DistilkitError(f"method '{method}': {task} has one predictor, no methods to choose from: drop it")
        if found not in PREDICTORS[task].runs():
            raise DistilkitError(f"{model} is a {found} model: use `distilkit {COMMANDS.get(found, 'eval')}` for it")
        return PREDICTORS[task]
    methods = METHODS[task]
    if method not in (None, AUTO) and method not in methods:
        raise DistilkitError(f"--method: '{method}' is not one of: {', '.join(method_names(task))}")
    if not any(found in cls.runs() for cls in methods.values()):
        raise DistilkitError(f"{model} is a {found} model: use `distilkit {COMMANDS.get(found, 'eval')}` for it")
    from ...models import resolve_model

    folder = resolve_model(model)
    trust = options.get("trust_remote_code", False)
    if not trust and usable(Path(folder)) and ModelSettings.read(folder) is not None:  # a folder of ours
        config = FolderConfig(folder)  # config.json as JSON: a one-off call on an ONNX graph never imports PyTorch
    else:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(folder, trust_remote_code=trust)
    tried = {method: methods[method]} if method not in (None, AUTO) else methods
    reasons = {}
    for name, cls in tried.items():
        reasons[name] = cls.unfit(Path(folder), found, config, options)
        if reasons[name] is None:
            return cls
    if len(tried) == 1:
        raise DistilkitError(f"{model}: --method {method} does not fit it: {reasons[method]}")
    shown = "; ".join(f"{name}: {why}" for name, why in reasons.items())
    raise DistilkitError(f"{model}: no zero-shot method fits it ({shown})")


def load_predictor(model: str, backend: str | None = None, *, task: str | None = None, method: str | None = None,
                   **kwargs) -> Predictor:
    """The predictor for ``model``'s task. With ``task``, a model of another task is refused with the
    command that runs it. ``method``: for a task of several methods (zero-shot classification: 'nli',
    'embedding'), which one; 'auto' or None, the first that fits the model."""
    found = task_of(model, kwargs.get("trust_remote_code", False))
    if found not in PREDICTORS:
        raise DistilkitError(f"{model}: task '{found}' has no predictor; known: {', '.join(PREDICTORS)}")
    return pick(model, task or found, found, method, kwargs)(model, backend=backend, **kwargs)


__all__ = ["AUTO", "METHODS", "PREDICTORS", "Predictor", "Classifier", "Embedder", "EmbeddingZeroShot",
           "QuestionAnswerer", "ZeroShotClassifier", "load_predictor", "method_names", "pick", "task_of", "kind_of"]
