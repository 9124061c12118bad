"""``distilkit.json``: what a model folder needs to run, in one machine-readable file.

Training writes it beside the weights; ``distilkit export`` writes it into the exported folder;
every predictor reads it. Nothing else is re-read to run a model (not the card, not the recipe,
not the training summary, which are written for people). A folder without it (any plain
transformers folder) still runs: ``ModelSettings.infer`` fills in defaults from ``config.json``
and the tokenizer, as the transformers pipelines would.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ..config import ModelConfig, QAConfig, check_bounds, like
from ..errors import DistilkitError
from ..io import write_atomic
from ..ood import DEFAULT

SETTINGS_FILE = "distilkit.json"
FORMAT_VERSION = 1


@dataclass
class BackendFile:
    """One exported graph of the model, as recorded in ``distilkit.json``."""

    file: str
    """Path of the graph, relative to the model folder (e.g. 'onnx/model-int8.onnx')."""
    sha256: str
    """Content hash of that file: a file that no longer matches is corrupt and is never used."""
    weights_sha256: str | None = None
    """Hash of the model.safetensors it was exported from; a different one in the folder means the graph is stale."""
    quantization: str | None = None
    """None for fp32, 'dynamic' or 'static' for int8."""
    excluded_nodes: list[str] = field(default_factory=list)
    """Nodes deliberately left in fp32 by int8 quantisation (and why, in the card)."""
    excluded_reason: str | None = None
    """Why those nodes stay fp32."""
    outputs: list[str] | None = None
    """The graph's outputs ('logits', and 'features' for an out-of-scope detector that reads them); None in
    records written before this field: the task's usual outputs only."""


@dataclass
class ModelSettings:
    """Everything a predictor needs besides the weights and the tokenizer."""

    task: str
    """Task of the model ('text-classification', 'question-answering', 'feature-extraction'): picks the predictor."""
    max_length: int = like(ModelConfig, "max_length", dataclasses.MISSING)  # training's limits, declared once
    """Tokens per input (classification) or per window (question answering), as in training."""
    doc_stride: int | None = like(QAConfig, "doc_stride", None)
    """QA: tokens shared by consecutive windows of a long context."""
    max_answer_length: int | None = like(QAConfig, "max_answer_length", None)
    """QA: longest answer in tokens."""
    n_best: int | None = like(QAConfig, "n_best", None)
    """QA: candidate spans per window (None: the pipeline's 2 * top_k + 10)."""
    null_threshold: float | None = None
    """QA on SQuAD v2-style data: answer nothing when no-answer beats the best span by more than this."""
    oos_label: str | None = None
    """Classification: the out-of-scope label, if the label set has one."""
    oos_threshold: float | None = None
    """Classification: below this in-scope score the prediction becomes ``oos_label`` (tuned on validation); with
    the default detector the score is the maximum probability, so the threshold is a probability."""
    oos_detector: str | None = None
    """Classification: the out-of-scope score ``oos_threshold`` applies to (``distilkit.ood``: max_softmax, energy,
    mahalanobis, knn; None: max_softmax). Detectors fitted on the training set keep their state in ood.safetensors."""
    pooling: list[str] | None = None
    """Embedding models: how per-token outputs become one vector ('mean', 'cls', 'max', ...; several are
    concatenated); None: read from the folder's sentence-transformers files (``inference.pooling``)."""
    normalize: bool | None = None
    """Embedding models: scale embeddings to unit length; None: as the folder's sentence-transformers files say."""
    weights_sha256: str | None = None
    """Hash of model.safetensors when these settings were written."""
    backends: dict[str, BackendFile] = field(default_factory=dict)
    """Exported graphs by backend name (onnx, onnx-int8)."""
    default_backend: str = "torch"
    """Backend used when none is asked for: 'torch' for trained folders ('auto' after a ``precision: auto`` run
    whose bf16 check passed), the exported one for export folders."""
    bf16_check: dict | None = None
    """After a bf16 training run: the validation metric in fp32 and in bf16 inference, in points ('metric',
    'fp32', 'bf16', 'drop_points', 'max_drop', 'ok'); the ``auto`` backend runs bf16 only where 'ok' is true."""
    onnx_check: dict | None = None
    """After a run with ``training.onnx_graph``: its fp32 ONNX graph (``backends['onnx']``) scored against PyTorch on
    validation ('examples', 'agreement', 'metric', 'drop_points', 'max_drop', 'ok'; or 'ok' false and 'error' when
    the export failed); ``auto`` runs that graph for one-off predictions only where 'ok' is true."""
    deployment: dict = field(default_factory=dict)
    """For exported folders: what the export was verified against, and how it did."""
    format_version: int = FORMAT_VERSION
    """Version of this file's layout."""

    def __post_init__(self):
        check_bounds(self, f"{SETTINGS_FILE}: ")
        if self.oos_threshold is not None and self.oos_detector in (None, DEFAULT) and \
                not 0 <= self.oos_threshold <= 1:
            raise DistilkitError(f"{SETTINGS_FILE}: oos_threshold {self.oos_threshold} is not a probability (0 to 1) "
                                 "for the max_softmax detector: fix the file or tune it again (--tune-threshold)")
        self.backends = {k: v if isinstance(v, BackendFile) else BackendFile(**v) for k, v in self.backends.items()}

    # --- reading and writing ---------------------------------------------------------------------
    @classmethod
    def read(cls, folder: str | Path) -> "ModelSettings | None":
        path = Path(folder) / SETTINGS_FILE
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            known = {f.name for f in dataclasses.fields(cls)}
            return cls(**{k: v for k, v in data.items() if k in known})
        except (ValueError, TypeError) as exc:
            raise DistilkitError(f"{path} is not a valid settings file ({exc}): delete it to run with defaults, "
                                 "or re-export the model") from None

    def write(self, folder: str | Path) -> Path:
        """Atomic write: a crash never leaves a half-written settings file."""
        return write_atomic(Path(folder) / SETTINGS_FILE, json.dumps(dataclasses.asdict(self), indent=2) + "\n")

    def update(self, **changes) -> "ModelSettings":
        return dataclasses.replace(self, **changes)


def file_sha256(path: str | Path) -> str:
    """Content hash of a file, streamed (weights, graphs)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(folder: str | Path) -> str | None:
    weights = Path(folder) / "model.safetensors"
    return file_sha256(weights) if weights.is_file() else None
