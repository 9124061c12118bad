"""Text (and text-pair) classification: logits, ranked labels, and the out-of-scope threshold."""
from __future__ import annotations

import numpy as np

from ...tasks.thresholds import decide, softmax
from ..settings import ModelSettings
from .base import Predictor, as_array, check_texts


class Classifier(Predictor):
    """A trained text classifier folder, ready to predict with any backend.

    >>> clf = Classifier("runs/emotion", backend="onnx-int8")
    >>> clf.predict(["i feel great"], top_k=2)
    [[{'label': 'joy', 'score': 0.98}, {'label': 'love', 'score': 0.01}]]

    A folder whose distilkit.json holds an out-of-scope threshold (CLINC150-style intent routers)
    answers its out-of-scope label whenever the top probability is below it, on every backend.
    """

    task = "text-classification"
    auto_class_name = "AutoModelForSequenceClassification"
    architecture_suffix = "ForSequenceClassification"
    output_names = ("logits",)

    @classmethod
    def default_settings(cls, tokenizer) -> ModelSettings:
        return ModelSettings(task=cls.task, max_length=min(tokenizer.model_max_length or 512, 512))

    @property
    def labels(self) -> list[str]:
        id2label = self.config.id2label
        return [id2label[i] for i in range(len(id2label))]

    @property
    def oos_id(self) -> int | None:
        label = self.settings.oos_label
        return self.labels.index(label) if label in self.labels else None

    def encode(self, texts: list[str], pairs: list[str] | None = None) -> dict:
        """Tokenized, unpadded inputs for the backend."""
        encoding = self.tokenizer(list(texts), list(pairs) if pairs else None, truncation=True,
                                  max_length=self.settings.max_length)
        return {k: encoding[k] for k in self.backend.input_names}

    def logits(self, texts: list[str], pairs: list[str] | None = None, progress: bool = False) -> np.ndarray:
        check_texts(texts, "text")
        return as_array(self.run(self.encode(texts, pairs), progress)["logits"] if texts else [], len(self.labels))

    def predict(self, texts: list[str], pairs: list[str] | None = None, top_k: int = 1,
                progress: bool = False) -> list[list[dict]]:
        """Best labels per text, best first: [{"label", "score"}]. Below the out-of-scope threshold the
        out-of-scope label comes first (with its own probability), the rest follow by score."""
        probs = softmax(self.logits(texts, pairs, progress))
        chosen = decide(probs, self.oos_id, self.settings.oos_threshold)
        names, k = self.labels, min(top_k, probs.shape[-1])
        results = []
        for row, first in zip(probs, chosen):
            ranked = [int(first)] + [int(i) for i in np.argsort(-row, kind="stable") if i != first]
            results.append([{"label": names[i], "score": round(float(row[i]), 6)} for i in ranked[:k]])
        return results

    def items(self, split) -> list:
        """The split's inputs as ``call`` takes them."""
        return list(zip(split.texts, split.pairs)) if split.pairs else list(split.texts)

    def call(self, items: list) -> list[list[dict]]:
        """Predict items: texts, or (text, pair) tuples."""
        if items and isinstance(items[0], tuple):
            return self.predict([t for t, _ in items], [p for _, p in items])
        return self.predict(items)

    def outputs(self, split, progress: bool = True) -> np.ndarray:
        return self.logits(split.texts, split.pairs, progress)

    def split_encoding(self, split) -> dict:
        return self.encode(split.texts, split.pairs)

    def compare(self, expected: np.ndarray, got: np.ndarray) -> dict:
        """How far another backend's outputs on the same split are from these: logits and decisions."""
        oos, threshold = self.oos_id, self.settings.oos_threshold
        same = decide(softmax(expected), oos, threshold) == decide(softmax(got), oos, threshold)
        return {"max_abs_logit_diff": float(np.abs(expected - got).max()) if len(got) else 0.0,
                "agreement": float(same.mean()) if len(got) else 1.0}

    def predict_file(self, source: str, output: str, text_column: str = "text", text_pair_column: str | None = None,
                     top_k: int = 1, chunk_size: int = 1024, on_empty: str = "error") -> dict:
        """Stream ``source`` (jsonl/csv/tsv/txt/json/parquet) to JSON Lines at ``output``, in chunks."""
        from ..files import classify_file

        return classify_file(self, source, output, text_column, text_pair_column, top_k, chunk_size, on_empty)
