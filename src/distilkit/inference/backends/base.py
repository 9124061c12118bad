"""The backend contract, and what a backend is built from.

A backend runs one model on padded int64 arrays and returns float32 arrays by output name. It
knows nothing of tasks: the predictor names the model class and the outputs it wants, and the
shared batching loop (``inference.batching``) feeds it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ...errors import DistilkitError
from ..settings import ModelSettings

INPUT_KEYS = ("input_ids", "attention_mask", "token_type_ids")


@runtime_checkable
class Backend(Protocol):
    name: str
    """Registry name ('torch', 'onnx-int8', ...)."""
    input_names: list[str]
    """Arrays the backend reads from each batch."""

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Outputs of one padded batch: {output name: float32 array with the batch as first axis}."""

    def info(self) -> dict:
        """What the benchmark reports: 'file' (the weights or graph run), 'size_mb', 'parameters'."""


@dataclass
class ModelSource:
    """What any backend may need to build itself from a model folder."""

    folder: Path
    """Local model folder (weights, config, tokenizer, distilkit.json)."""
    settings: ModelSettings
    auto_class_name: str
    """transformers class that loads the weights (AutoModelForSequenceClassification, ...), by name: importing
    transformers' model classes imports PyTorch, which an ONNX backend never needs."""
    output_names: tuple[str, ...]
    """Model outputs the predictor reads ('logits', or 'start_logits' and 'end_logits')."""
    input_names: list[str]
    """Inputs the tokenizer produces, in INPUT_KEYS order."""
    trust_remote_code: bool = False
    threads: int | None = None
    """CPU threads for the backend (torch intra-op threads / ONNX Runtime intra_op_num_threads)."""
    model: object | None = None
    """An already loaded torch model (training evaluates the model it holds without reloading it)."""
    one_off: bool = False
    """A few texts and then exit (the CLI with texts on its command line): ``auto`` prefers what starts fastest."""

    def torch_model(self):
        if self.model is None:
            from ...models import load_model

            if not (self.folder / "model.safetensors").is_file() and not list(self.folder.glob("*.safetensors")):
                have = ", ".join(self.settings.backends) or "nothing"
                raise DistilkitError(f"{self.folder} holds no PyTorch weights (only {have}): use --backend "
                                     f"{next(iter(self.settings.backends), 'onnx')}")
            import transformers

            self.model = load_model(getattr(transformers, self.auto_class_name), str(self.folder),
                                    self.trust_remote_code, strict=True)
        from ..features import FEATURES, with_features

        if FEATURES in self.output_names and not getattr(self.model, "returns_features", False):
            self.model = with_features(self.model)  # an out-of-scope detector reads the head's input features
        return self.model

    def weight_files(self) -> list[Path]:
        return sorted(self.folder.glob("*.safetensors"))


def size_mb(files: list[Path]) -> float:
    """Size on disk in MB (10^6 bytes)."""
    return round(sum(f.stat().st_size for f in files) / 1e6, 2)
