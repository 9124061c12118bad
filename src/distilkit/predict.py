"""Prediction with a trained classifier: a Python API and streaming batch mode over files."""
from __future__ import annotations

from .batch_files import predict_stream
from .config import DataConfig
from .errors import DistilkitError
from .inference import predict_logits
from .models import load_model, load_tokenizer


class Classifier:
    """A trained text classifier folder, ready to predict.

    >>> clf = Classifier("runs/emotion")
    >>> clf.predict(["i feel great"], top_k=2)
    [[{'label': 'joy', 'score': 0.98}, {'label': 'love', 'score': 0.01}]]
    """

    def __init__(self, model_dir: str, batch_size: int = 64):
        from transformers import AutoModelForSequenceClassification

        from .tasks import ClassificationTask

        self.model = load_model(AutoModelForSequenceClassification, model_dir).eval()
        self.tokenizer = load_tokenizer(model_dir)
        self.task = ClassificationTask.for_model(self.model, DataConfig(), self.tokenizer.model_max_length)
        self.batch_size = batch_size

    @property
    def labels(self) -> list[str]:
        return self.task.labels.names

    def predict(self, texts: list[str], pairs: list[str] | None = None, top_k: int = 1,
                progress: bool = False) -> list[list[dict]]:
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise DistilkitError(f"text {i + 1} is empty: give every text some content")
        logits = predict_logits(self.model, self.tokenizer, list(texts), pairs, self.batch_size,
                                self.task.max_length, progress)
        return self.task.postprocess(logits, top_k)

    def predict_file(self, source: str, output: str, text_column: str = "text", text_pair_column: str | None = None,
                     top_k: int = 1, chunk_size: int = 1024, on_empty: str = "error") -> dict:
        """Stream ``source`` (jsonl/csv/tsv/txt/json/parquet) to JSON Lines at ``output``, in chunks."""
        counts = {"predicted": 0, "skipped_empty": 0}

        def accept(row: int, record: dict) -> bool:
            if text_column not in record:
                raise DistilkitError(f"{source}: row {row} has no column '{text_column}' "
                                     f"(columns: {', '.join(map(str, record))}): pass --text-column")
            text = record[text_column]
            if not isinstance(text, str) or not text.strip():
                if on_empty == "skip":
                    counts["skipped_empty"] += 1
                    return False
                raise DistilkitError(f"{source}: row {row} has an empty '{text_column}': fill it in, or pass "
                                     "--on-empty skip to skip (and count) such rows")
            return True

        def predict_chunk(chunk) -> list[dict]:
            texts = [r[text_column] for _, r in chunk]
            pairs = [r[text_pair_column] for _, r in chunk] if text_pair_column else None
            results = []
            for (row, record), preds in zip(chunk, self.predict(texts, pairs, top_k)):
                result = {"row": row, **record, "prediction": preds[0]["label"], "score": preds[0]["score"]}
                results.append({**result, "top_k": preds} if top_k > 1 else result)
            return results

        counts["predicted"] = predict_stream(source, output, accept, predict_chunk, chunk_size, "predict", "ex")
        return counts
