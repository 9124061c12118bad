"""What every predictor shares: find the folder, read its settings, load the tokenizer, build the
backend by name, and run tokenized inputs through the one batching loop.

A predictor for a new task subclasses ``Predictor``, names its task, model class, outputs and
default settings, and adds one entry to ``predictors.PREDICTORS``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ...errors import DistilkitError
from ...models import load_tokenizer, resolve_model
from ..backends import INPUT_KEYS, ModelSource, check_backend, load_backend, torch_free
from ..batching import run_batches
from ..lean import FolderConfig, LeanTokenizer, usable
from ..settings import ModelSettings


class Predictor:
    task: ClassVar[str]
    """The registry key: what this predictor does."""
    model_tasks: ClassVar[tuple[str, ...]] = ()
    """Tasks (as stored in distilkit.json) of the models it runs; empty means just ``task``. The zero-shot
    classifier runs text-classification (NLI) models."""
    report_task: ClassVar[str | None] = None
    """Task whose ``report`` scores this predictor's ``outputs`` (default: ``task``)."""
    auto_class_name: ClassVar[str]
    """transformers Auto class that loads the weights."""
    architecture_suffix: ClassVar[str]
    """config.json architectures ending so identify this task for folders without distilkit.json."""
    output_names: ClassVar[tuple[str, ...]]
    token_outputs: ClassVar[bool] = False
    """True when outputs have one score per token (cut back to each row's length)."""
    command: ClassVar[str]
    """The CLI command that predicts with this kind of model (for error messages)."""
    lean_load: ClassVar[bool] = False
    """True when the predictor's tokenizer calls are those ``inference.lean.LeanTokenizer`` answers, so that on
    an ONNX backend it loads without transformers and PyTorch (question answering's windows need transformers')."""
    method: ClassVar[str | None] = None
    """For a task several predictors can do (zero-shot: 'nli', 'embedding'), this one's name in
    ``predictors.METHODS``; None for a task with one predictor."""

    def __init__(self, model: str, backend: str | None = None, batch_size: int = 64, threads: int | None = None,
                 trust_remote_code: bool = False, settings: ModelSettings | None = None,
                 loaded: tuple[Any, Any] | None = None, one_off: bool = False):
        """``loaded``: an in-memory (model, tokenizer) pair, run with the torch backend (training's evaluation).
        ``one_off``: a few texts and then exit (the CLI with texts on its command line): ``auto`` prefers the backend
        that starts fastest (``backends.auto_backend``)."""
        if backend is not None:
            check_backend(backend)
        self.folder = Path(resolve_model(model))
        settings = settings or (ModelSettings.read(self.folder) if self.folder.is_dir() else None)
        wanted = backend or ("torch" if loaded else settings.default_backend if settings else None)
        # An ONNX graph runs without PyTorch: read the tokenizer and config without transformers (lean.py).
        self.lean = bool(self.lean_load and settings and wanted and not trust_remote_code and usable(self.folder)
                         and torch_free(wanted, settings, one_off))
        """True when this predictor loaded without transformers (``inference.lean``)."""
        if self.lean:
            self.tokenizer = LeanTokenizer(self.folder)
        else:
            self.tokenizer = loaded[1] if loaded else load_tokenizer(str(self.folder), trust_remote_code)
        self.settings = settings or self.default_settings(self.tokenizer)
        if self.settings.task not in self.runs():
            raise DistilkitError(f"{model} is a {self.settings.task} model, not {self.task}: load it with "
                                 "distilkit.load_predictor, which picks the predictor its task needs")
        self.batch_size = batch_size
        self.max_pass_tokens: int | None = None
        """Padded tokens per forward pass at most (rows x longest row); None: only ``batch_size`` bounds it."""
        self.backend_name = wanted or self.settings.default_backend  # a folder without distilkit.json: its defaults
        if self.lean:
            self.config = FolderConfig(self.folder)
        elif loaded:
            self.config = loaded[0].config
        else:
            from transformers import AutoConfig

            self.config = AutoConfig.from_pretrained(str(self.folder), trust_remote_code=trust_remote_code)
        source = ModelSource(self.folder, self.settings, self.auto_class_name, self.wanted_outputs(),
                             [k for k in INPUT_KEYS if k in self.tokenizer.model_input_names], trust_remote_code,
                             threads, loaded[0] if loaded else None, one_off)
        self.backend = load_backend(self.backend_name, source)
        if self.backend.name != self.backend_name:  # a backend that picks another ('auto'): say what runs
            self.backend_name = f"{self.backend_name} -> {self.backend.name}"
        self.backend_why: str | None = getattr(self.backend, "why", None)
        """Why this backend runs, where it was chosen for the folder and machine (``--backend auto``)."""

    @classmethod
    def runs(cls) -> tuple[str, ...]:
        """Tasks of the model folders this predictor can run."""
        return cls.model_tasks or (cls.task,)

    @classmethod
    def claims(cls, config) -> bool:
        """True when this predictor, rather than the one named by the model's task, is what a model with this
        config is for (an NLI classifier is for zero-shot classification). Used to pick a served model's kind."""
        return False

    @classmethod
    def recognizes(cls, folder: Path) -> bool:
        """True when ``folder``'s own files (not config.json) say it is this predictor's kind of model; asked
        before the architecture names, for folders without distilkit.json (a sentence-transformers folder)."""
        return False

    @classmethod
    def unfit(cls, folder: Path, task: str, config, options: dict) -> str | None:
        """Why this predictor cannot run the model in ``folder`` (of stored ``task``, with ``config``) given the
        keyword ``options`` it would be built with; None when it can. Picks a method among ``METHODS``."""
        if task not in cls.runs():
            return f"it is a {task} model, and the {cls.method or cls.task} predictor runs {', '.join(cls.runs())}"
        return None

    def wanted_outputs(self) -> tuple[str, ...]:
        """Outputs the backend must return for this folder (its settings read): ``output_names`` unless a
        predictor needs more for some folders (a classifier whose out-of-scope detector reads features)."""
        return self.output_names

    @classmethod
    def scored_as(cls) -> str:
        """Task whose report scores this predictor's outputs."""
        return cls.report_task or cls.task

    @classmethod
    def default_settings(cls, tokenizer) -> ModelSettings:
        """Settings for a folder that has no distilkit.json, as the transformers pipeline would run it."""
        raise NotImplementedError

    def run(self, encoding: dict, progress: bool = False, desc: str = "predict", unit: str = "ex") -> dict:
        """Model outputs for tokenized, unpadded inputs, in input order."""
        return run_batches(self.backend, encoding, self.batch_size, self.tokenizer.pad_token_id or 0,
                           self.token_outputs, self.tokenizer.padding_side == "left", progress, desc, unit,
                           self.max_pass_tokens)

    def outputs(self, split, progress: bool = True):
        """What the task's ``report`` scores for a labelled split (evaluation calls this)."""
        raise NotImplementedError

    def items(self, split) -> list:
        """A split's inputs in the form ``call`` takes (benchmarks time ``call``)."""
        raise NotImplementedError

    def call(self, items: list) -> list:
        """Predictions for a list of inputs (texts, text pairs, question/context pairs)."""
        raise NotImplementedError


def check_texts(values, what: str) -> None:
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value.strip():
            raise DistilkitError(f"{what} {i + 1} is empty: give every {what} some content")


def as_array(rows: list, width: int) -> np.ndarray:
    return np.stack(rows).astype(np.float32) if rows else np.zeros((0, width), dtype=np.float32)
