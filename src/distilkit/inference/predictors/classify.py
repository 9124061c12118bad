"""Text (and text-pair) classification: logits, ranked labels, and the out-of-scope threshold."""
from __future__ import annotations

import numpy as np

from ...errors import DistilkitError
from ...ood import load_detector, needs_features, sigmoid
from ...tasks.thresholds import decide, detector_scores, softmax, split_outputs
from ..features import FEATURES
from ..settings import ModelSettings
from .base import Predictor, as_array, check_texts

SCORE_FUNCTIONS = {"softmax": softmax, "sigmoid": sigmoid, "none": lambda logits: logits}
"""How logits become the scores ``predict`` shows (the Hugging Face pipeline's ``function_to_apply``). The order
of the labels, and the out-of-scope rule, are the softmax's whatever is shown."""


class Classifier(Predictor):
    """A trained text classifier folder, ready to predict with any backend.

    >>> clf = Classifier("runs/emotion", backend="onnx-int8")
    >>> clf.predict(["i feel great"], top_k=2)
    [[{'label': 'joy', 'score': 0.98}, {'label': 'love', 'score': 0.01}]]

    A folder whose distilkit.json holds an out-of-scope threshold (CLINC150-style intent routers)
    answers its out-of-scope label whenever its in-scope score is below it, on every backend: the top
    probability, or the score of the folder's detector (``oos_detector``: energy, Mahalanobis, kNN).
    """

    task = "text-classification"
    lean_load = True  # texts or pairs cut to max_length: the lean tokenizer's call
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

    def wanted_outputs(self) -> tuple[str, ...]:
        settings = self.settings
        if settings.oos_label and needs_features(settings.oos_detector):
            return (*self.output_names, FEATURES)
        return self.output_names

    @property
    def detector(self):
        """The folder's out-of-scope detector (distilkit.ood), its fitted state loaded on first use."""
        if getattr(self, "_detector", None) is None:
            self._detector = load_detector(self.folder, self.settings.oos_detector)
        return self._detector

    @property
    def oos_id(self) -> int | None:
        label = self.settings.oos_label
        return self.labels.index(label) if label in self.labels else None

    def encode(self, texts: list[str], pairs: list[str] | None = None) -> dict:
        """Tokenized, unpadded inputs for the backend."""
        encoding = self.tokenizer(list(texts), list(pairs) if pairs else None, truncation=True,
                                  max_length=self.settings.max_length)
        return {k: encoding[k] for k in self.backend.input_names}

    def forward(self, texts: list[str], pairs: list[str] | None = None, progress: bool = False):
        """Logits, or {"logits", "features"} when the folder's out-of-scope detector reads features."""
        check_texts(texts, "text")
        out = self.run(self.encode(texts, pairs), progress) if texts else {}
        logits = as_array(out.get("logits", []), len(self.labels))
        if FEATURES not in self.backend.outputs:
            return logits
        return {"logits": logits, FEATURES: np.stack(out[FEATURES]).astype(np.float32) if texts else
                np.zeros((0, 0), dtype=np.float32)}

    def logits(self, texts: list[str], pairs: list[str] | None = None, progress: bool = False) -> np.ndarray:
        return split_outputs(self.forward(texts, pairs, progress))[0]

    def decisions(self, outputs) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, chosen label ids) for outputs, the out-of-scope rule applied."""
        logits, features = split_outputs(outputs)
        probs, threshold = softmax(logits), self.settings.oos_threshold
        scores = detector_scores(self.detector, logits, features) if threshold is not None and self.oos_id is not \
            None else None
        return probs, decide(probs, self.oos_id, threshold, scores)

    def predict(self, texts: list[str], pairs: list[str] | None = None, top_k: int = 1,
                progress: bool = False, function_to_apply: str = "softmax") -> list[list[dict]]:
        """Best labels per text, best first: [{"label", "score"}]. Below the out-of-scope threshold the
        out-of-scope label comes first (with its own probability), the rest follow by score. ``function_to_apply``
        (``SCORE_FUNCTIONS``): what the scores shown are: 'softmax' probabilities, per-label 'sigmoid', or raw
        logits ('none')."""
        if function_to_apply not in SCORE_FUNCTIONS:
            raise DistilkitError(f"function_to_apply '{function_to_apply}' is not one of: "
                                 f"{', '.join(SCORE_FUNCTIONS)}")
        outputs = self.forward(texts, pairs, progress)
        probs, chosen = self.decisions(outputs)
        shown = SCORE_FUNCTIONS[function_to_apply](split_outputs(outputs)[0])
        names, k = self.labels, min(top_k, probs.shape[-1])
        results = []
        for row, values, first in zip(probs, shown, chosen):
            ranked = [int(first)] + [int(i) for i in np.argsort(-row, kind="stable") if i != first]
            results.append([{"label": names[i], "score": round(float(values[i]), 6)} for i in ranked[:k]])
        return results

    def items(self, split) -> list:
        """The split's inputs as ``call`` takes them."""
        return list(zip(split.texts, split.pairs)) if split.pairs else list(split.texts)

    def call(self, items: list) -> list[list[dict]]:
        """Predict items: texts, or (text, pair) tuples."""
        if items and isinstance(items[0], tuple):
            return self.predict([t for t, _ in items], [p for _, p in items])
        return self.predict(items)

    def outputs(self, split, progress: bool = True):
        return self.forward(split.texts, split.pairs, progress)

    def split_encoding(self, split) -> dict:
        return self.encode(split.texts, split.pairs)

    def compare(self, expected, got) -> dict:
        """How far another backend's outputs on the same split are from these: logits and decisions (the
        out-of-scope rule applied to each)."""
        same = self.decisions(expected)[1] == self.decisions(got)[1]
        expected, got = split_outputs(expected)[0], split_outputs(got)[0]
        return {"max_abs_logit_diff": float(np.abs(expected - got).max()) if len(got) else 0.0,
                "agreement": float(same.mean()) if len(got) else 1.0}

    def predict_file(self, source: str, output: str, text_column: str = "text", text_pair_column: str | None = None,
                     top_k: int = 1, chunk_size: int = 1024, on_empty: str = "error") -> dict:
        """Stream ``source`` (jsonl/csv/tsv/txt/json/parquet) to JSON Lines at ``output``, in chunks."""
        from ..files import classify_file

        return classify_file(self, source, output, text_column, text_pair_column, top_k, chunk_size, on_empty)
