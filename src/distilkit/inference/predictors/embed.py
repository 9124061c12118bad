"""Sentence embeddings (feature extraction) with any encoder folder, on any backend.

The model is the bare encoder (``AutoModel``); its per-token outputs (``last_hidden_state``) are pooled as the
folder says (``inference.pooling``: mean, cls, max... read from distilkit.json or the sentence-transformers files)
and, when the folder has a Normalize module, scaled to unit length: what ``SentenceTransformer.encode`` returns,
from the same batching loop and backends as every other predictor. Pooling runs on each batch as it comes back,
so only one vector per text is kept, however long the texts.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from ...errors import DistilkitError
from ...models import resolve_model
from ..batching import run_batches
from ..pooling import Pooling, is_sentence_transformer, pool, resolve, unit
from ..settings import ModelSettings
from .base import Predictor, check_texts

HARD_LIMIT = 512  # tokens, as the other predictors: a tokenizer's model_max_length may be a placeholder (1e30)


class Embedder(Predictor):
    """A sentence-embedding model folder (sentence-transformers' all-MiniLM-L6-v2, all-mpnet-base-v2, or any
    encoder with ``pooling=``), ready to embed texts.

    >>> emb = Embedder("minilm-l6", backend="onnx")
    >>> emb.embed(["i feel great", "what a sad day"]).shape
    (2, 384)
    """

    task = "feature-extraction"
    lean_load = True  # texts cut to max_length: the lean tokenizer's call
    auto_class_name = "AutoModel"
    architecture_suffix = "Model"  # BertModel, MPNetModel, DistilBertModel: a bare encoder
    output_names = ("last_hidden_state",)
    token_outputs = True
    command = "zero-shot --method embedding"

    def __init__(self, model: str, backend: str | None = None, pooling=None, normalize: bool | None = None,
                 **kwargs):
        """``pooling``: 'mean', 'cls', 'max', ... (several joined by '+'), overriding the folder's; ``normalize``:
        unit-length vectors or not, overriding the folder's (default: as the folder says, else True)."""
        folder = Path(resolve_model(model))
        settings = kwargs.pop("settings", None) or (ModelSettings.read(folder) if folder.is_dir() else None)
        # Read before the weights load and any ONNX export: a folder without pooling is refused in a moment.
        self.pooling: Pooling = resolve(folder, settings, pooling, normalize)
        super().__init__(model, backend, settings=settings, **kwargs)
        width = getattr(self.config, "hidden_size", None)
        self.dimension = width * len(self.pooling.modes) if width else None  # None: the config does not say

    @classmethod
    def recognizes(cls, folder: Path) -> bool:
        return is_sentence_transformer(folder)

    @classmethod
    def default_settings(cls, tokenizer) -> ModelSettings:
        # The base class loads the tokenizer from the model folder, so its name_or_path is that folder; the
        # sentence-transformers file there holds the length the model was trained to embed (256 for MiniLM).
        limit = min(tokenizer.model_max_length or HARD_LIMIT, HARD_LIMIT)
        path = Path(str(tokenizer.name_or_path)) / "sentence_bert_config.json"
        try:
            trained = int(json.loads(path.read_text(encoding="utf-8")).get("max_seq_length") or limit)
        except (OSError, ValueError, TypeError, AttributeError):
            trained = limit
        return ModelSettings(task=Embedder.task, max_length=max(8, min(trained, limit)))  # zero-shot's too

    def encode(self, texts: list[str]) -> dict:
        """Tokenized, unpadded inputs (the attention mask always: pooling needs it)."""
        encoding = self.tokenizer(list(texts), truncation=True, max_length=self.settings.max_length)
        return {k: encoding[k] for k in dict.fromkeys([*self.backend.input_names, "attention_mask"])}

    def _pooled(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        hidden = self.backend(batch)["last_hidden_state"]
        return {"embedding": pool(hidden, batch["attention_mask"], self.pooling.modes)}

    def embed(self, texts: list[str], normalize: bool | None = None, progress: bool = False) -> np.ndarray:
        """[texts, dimension] float32 embeddings, in input order; unit length when the folder says so (or
        ``normalize``)."""
        return self.embed_counted(texts, normalize, progress)[0]

    def embed_counted(self, texts: list[str], normalize: bool | None = None,
                      progress: bool = False) -> tuple[np.ndarray, list[int]]:
        """``embed``'s vectors and the tokens each text was read as (after truncation; usage reports)."""
        check_texts(texts, "text")
        if not texts:
            return np.zeros((0, self.dimension or 0), dtype=np.float32), []
        encoding = self.encode(texts)
        rows = run_batches(self._pooled, encoding, self.batch_size, self.tokenizer.pad_token_id or 0,
                           False, self.tokenizer.padding_side == "left", progress, "embed", "text",
                           self.max_pass_tokens)["embedding"]
        vectors = np.stack(rows).astype(np.float32)
        counts = [len(ids) for ids in encoding["attention_mask"]]
        return (unit(vectors) if (self.pooling.normalize if normalize is None else normalize) else vectors), counts

    def items(self, split) -> list:
        return list(split.texts)

    def call(self, items: list) -> np.ndarray:
        return self.embed(items)

    def outputs(self, split, progress: bool = True):
        raise DistilkitError(f"{self.folder} is a sentence-embedding model, which has no labelled score of its own: "
                             "evaluate it as a zero-shot classifier (distilkit eval --zero-shot --method embedding)")

    def info(self) -> dict:
        """How texts become vectors (for metadata and the server)."""
        return {"pooling": "+".join(self.pooling.modes), "normalize": self.pooling.normalize,
                "pooling_from": self.pooling.source, "dimension": self.dimension,
                "max_length": self.settings.max_length}
