"""Answering questions with any extractive QA model folder: a Python API and batch mode over files.

transformers 5 removed its ``question-answering`` pipeline; ``QuestionAnswerer`` answers as that
pipeline did (same windows, same scores, answers widened to whole words) for any folder that
``AutoModelForQuestionAnswering`` loads (BERT, DistilBERT, RoBERTa heads...), ours or not, and
faster: windows are sorted by length and batched, and decoding is vectorised per window.
"""
from __future__ import annotations

import json
from pathlib import Path

import yaml

from .backends import load_backend
from .batch_files import predict_stream
from .errors import DistilkitError
from .inference import predict_windows
from .models import load_model, load_tokenizer, resolve_model
from .tasks.qa_features import make_windows
from .tasks.qa_postprocess import decode


def _saved_settings(model_dir: str) -> dict:
    """QA settings a distilkit run stored beside its weights (none for other folders)."""
    folder = Path(model_dir)
    settings = {}
    recipe = folder / "distilkit_recipe.yaml"
    if recipe.is_file():
        cfg = yaml.safe_load(recipe.read_text(encoding="utf-8")) or {}
        settings.update(cfg.get("qa") or {}, max_length=(cfg.get("model") or {}).get("max_length"))
    summary = folder / "training_summary.json"
    if summary.is_file():
        settings["trained_qa"] = json.loads(summary.read_text(encoding="utf-8")).get("qa") or {}
    return settings


class QuestionAnswerer:
    """An extractive question-answering model, ready to answer.

    >>> qa = QuestionAnswerer("runs/clinic-qa")
    >>> qa("What is the drug used on the left eye?", "4/52 rev + l) eylea hn $95")
    {'answer': 'eylea', 'score': 0.99, 'start': 14, 'end': 19}
    """

    def __init__(self, model_dir: str, batch_size: int = 32, max_length: int | None = None,
                 doc_stride: int | None = None, max_answer_length: int | None = None, align_to_words: bool = True,
                 trust_remote_code: bool = False, backend: str = "torch"):
        from transformers import AutoModelForQuestionAnswering

        self.model = load_model(AutoModelForQuestionAnswering, model_dir, trust_remote_code).eval()
        self.tokenizer = load_tokenizer(model_dir, trust_remote_code)
        saved = _saved_settings(model_dir)
        # The pipeline's defaults: 384-token windows (or the model's limit), stride 128 (or half a window).
        self.max_length = max_length or saved.get("max_length") or min(self.tokenizer.model_max_length, 384)
        self.doc_stride = doc_stride or saved.get("doc_stride") or min(self.max_length // 2, 128)
        self.max_answer_length = max_answer_length or saved.get("max_answer_length") or 15
        self.n_best = saved.get("n_best")  # None: the pipeline's 2 * top_k + 10
        if self.doc_stride >= self.max_length:
            raise DistilkitError(f"doc_stride {self.doc_stride} must be smaller than max_length {self.max_length}")
        trained = saved.get("trained_qa") or {}
        # Models trained on SQuAD v2-style data may answer nothing, past the threshold tuned on validation.
        self.null_threshold = trained.get("null_threshold") if trained.get("unanswerable") else None
        self.batch_size, self.align_to_words = batch_size, align_to_words
        # 'onnx': ONNX Runtime, exported once into MODEL/onnx/ (see distilkit.backends); same answers.
        folder = Path(resolve_model(model_dir))
        folder = folder if folder.is_dir() else Path(".distilkit_cache") / str(model_dir).replace("/", "--")
        self.runner = load_backend(backend, self.model, self.tokenizer, folder)

    def __call__(self, question: str, context: str, top_k: int = 1):
        answers = self.predict([question], [context], top_k)[0]
        return answers[0] if top_k == 1 else answers

    def predict(self, questions: list[str], contexts: list[str], top_k: int = 1,
                progress: bool = False) -> list[list[dict]]:
        """Best answers per question, best first: {"answer", "score", "start", "end"} with character
        offsets into the context (``answer == context[start:end]``) and score p(start) * p(end)."""
        if len(questions) != len(contexts):
            raise DistilkitError(f"got {len(questions)} questions but {len(contexts)} contexts: give one context "
                                 "per question")
        for i, (q, c) in enumerate(zip(questions, contexts)):
            for name, value in (("question", q), ("context", c)):
                if not isinstance(value, str) or not value.strip():
                    raise DistilkitError(f"{name} {i + 1} is empty: give every question a question and a context")
        windows = make_windows(self.tokenizer, list(questions), list(contexts), self.max_length, self.doc_stride)
        starts, ends = predict_windows(self.runner, self.tokenizer, windows.encoding, self.batch_size, progress)
        decoded = decode(windows, starts, ends, list(contexts), top_k, self.n_best, self.max_answer_length,
                         self.align_to_words)
        return [self._with_null(d, top_k) for d in decoded]

    def _with_null(self, decoded: dict, top_k: int) -> list[dict]:
        answers = [{**a, "score": float(a["score"])} for a in decoded["answers"]]
        if self.null_threshold is None:
            return answers
        best = answers[0]["score"] if answers else 0.0
        if decoded["null_score"] - best > self.null_threshold or not answers:
            answers = [{"answer": "", "score": float(decoded["null_score"]), "start": 0, "end": 0}] + answers
        return answers[:top_k]

    def predict_file(self, source: str, output: str, question_column: str = "question",
                     context_column: str = "context", top_k: int = 1, chunk_size: int = 256) -> dict:
        """Answer every row of ``source`` (jsonl/csv/tsv/json/parquet) into JSON Lines at ``output``, streaming."""
        def accept(row: int, record: dict) -> bool:
            for column in (question_column, context_column):
                if column not in record:
                    raise DistilkitError(f"{source}: row {row} has no column '{column}' (columns: "
                                         f"{', '.join(map(str, record))}): pass --question-column/--context-column")
                if not isinstance(record[column], str) or not record[column].strip():
                    raise DistilkitError(f"{source}: row {row} has an empty '{column}': fill it in or remove the row")
            return True

        def predict_chunk(chunk) -> list[dict]:
            answers = self.predict([r[question_column] for _, r in chunk], [r[context_column] for _, r in chunk],
                                   top_k)
            results = []
            for (row, record), found in zip(chunk, answers):
                best = found[0] if found else {"answer": "", "score": 0.0, "start": 0, "end": 0}
                result = {"row": row, **{k: v for k, v in record.items() if k != context_column}, **best}
                results.append({**result, "top_k": found} if top_k > 1 else result)
            return results

        return {"answered": predict_stream(source, output, accept, predict_chunk, chunk_size, "qa", "question")}
