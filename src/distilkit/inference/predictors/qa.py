"""Extractive question answering with any QA model folder (ours or any other), on any backend.

transformers 5 removed its ``question-answering`` pipeline; ``QuestionAnswerer`` answers as that
pipeline did (same windows, same scores, answers widened to whole words) for any folder that
``AutoModelForQuestionAnswering`` loads (BERT, DistilBERT, RoBERTa heads...), and faster: windows
are sorted by length and batched, and decoding is vectorised per window.
"""
from __future__ import annotations

from ...errors import DistilkitError
from ...tasks.qa_features import iter_windows, make_windows
from ...tasks.qa_postprocess import decode
from ..settings import ModelSettings
from .base import Predictor, check_texts

NO_ANSWER = {"answer": "", "score": 0.0, "start": 0, "end": 0}  # no span at all (a folder without a null threshold)


def no_answer(score: float, best: dict | None = None, best_span: bool = False) -> dict:
    """The answer that says the context records none: ``answer`` null, ``no_answer`` true, no offsets, ``score``
    the no-answer probability; with ``best_span`` also the best span the model found (or null), for a reader who
    wants to see what it would have said."""
    out = {"answer": None, "no_answer": True, "score": float(score), "start": None, "end": None}
    return {**out, "best_span": best} if best_span else out


class QuestionAnswerer(Predictor):
    """An extractive question-answering model, ready to answer.

    >>> qa = QuestionAnswerer("runs/clinic-qa")
    >>> qa("What is the drug used on the left eye?", "4/52 rev + l) eylea hn $95")
    {'answer': 'eylea', 'score': 0.99, 'start': 14, 'end': 19, 'no_answer': False}

    A folder trained with questions that have no answer (SQuAD v2 data: its distilkit.json has a
    ``null_threshold``) may say that the context records none: ``{'answer': None, 'no_answer': True, 'score':
    <no-answer probability>, 'start': None, 'end': None}``, with ``'best_span'`` (the best span, or None) when
    asked for (``best_span=True``); its span answers carry ``'no_answer': False``. Other folders always answer
    with a span, as the transformers pipeline did.
    """

    task = "question-answering"
    auto_class_name = "AutoModelForQuestionAnswering"
    architecture_suffix = "ForQuestionAnswering"
    output_names = ("start_logits", "end_logits")
    token_outputs = True

    def __init__(self, model: str, batch_size: int = 32, max_length: int | None = None,
                 doc_stride: int | None = None, max_answer_length: int | None = None, align_to_words: bool = True,
                 trust_remote_code: bool = False, backend: str | None = None, threads: int | None = None,
                 settings: ModelSettings | None = None, loaded=None):
        super().__init__(model, backend, batch_size, threads, trust_remote_code, settings, loaded)
        given = {k: v for k, v in (("max_length", max_length), ("doc_stride", doc_stride),
                                   ("max_answer_length", max_answer_length)) if v}
        if given:
            self.settings = self.settings.update(**given)
        s = self.settings
        if s.doc_stride >= s.max_length:
            raise DistilkitError(f"doc_stride {s.doc_stride} must be smaller than max_length {s.max_length}")
        self.align_to_words = align_to_words

    @classmethod
    def default_settings(cls, tokenizer) -> ModelSettings:
        # The pipeline's defaults: 384-token windows (or the model's limit), stride 128 (or half a window).
        max_length = min(tokenizer.model_max_length or 384, 384)
        return ModelSettings(task=cls.task, max_length=max_length, doc_stride=min(max_length // 2, 128),
                             max_answer_length=15)

    @property
    def max_length(self) -> int:
        return self.settings.max_length

    @property
    def doc_stride(self) -> int:
        return self.settings.doc_stride

    def __call__(self, question: str, context: str, top_k: int = 1, best_span: bool = False):
        answers = self.predict([question], [context], top_k, best_span=best_span)[0]
        return answers[0] if top_k == 1 else answers

    def windows(self, questions: list[str], contexts: list[str], where=None, doc_stride: int | None = None):
        s = self.settings
        return make_windows(self.tokenizer, list(questions), list(contexts), s.max_length, doc_stride or s.doc_stride,
                            *([where] if where else []))

    def split_encoding(self, split) -> dict:
        encoding = self.windows(split.questions, split.contexts).encoding
        return {k: encoding[k] for k in self.backend.input_names}

    def decoded(self, questions: list[str], contexts: list[str], top_k: int = 1, progress: bool = False,
                where=None, doc_stride: int | None = None, max_answer_len: int | None = None) -> tuple[list[dict], int]:
        """Per question: {"answers": best spans, "null_score"}; and the number of windows read. ``doc_stride`` and
        ``max_answer_len`` (tokens) override the folder's for this call."""
        s = self.settings
        decoded, count = [], 0
        # Chunk by chunk: tokenized windows, their logits and their offsets are kept for one chunk of questions at
        # a time, so memory follows a chunk, not the split (SQuAD dev's 10,570 questions held 5 GB at once).
        for first, last, windows in iter_windows(self.tokenizer, list(questions), list(contexts), s.max_length,
                                                 doc_stride or s.doc_stride, *([where] if where else [])):
            encoding = {k: windows.encoding[k] for k in self.backend.input_names}
            out = self.run(encoding, progress, "answer", "window")
            decoded += decode(windows, out.get("start_logits", []), out.get("end_logits", []),
                              list(contexts[first:last]), top_k, s.n_best,
                              max_answer_len or s.max_answer_length or 15, self.align_to_words)
            count += len(windows)
        return decoded, count

    @property
    def says_no_answer(self) -> bool:
        """Whether this folder may answer that the context records none (it has a null threshold)."""
        return self.settings.null_threshold is not None

    def predict(self, questions: list[str], contexts: list[str], top_k: int = 1, progress: bool = False,
                best_span: bool = False, doc_stride: int | None = None, max_answer_len: int | None = None,
                null_threshold: float | None = None) -> list[list[dict]]:
        """Best answers per question, best first: {"answer", "score", "start", "end"} with character
        offsets into the context (``answer == context[start:end]``) and score p(start) * p(end). With a null
        threshold (see the class), the first may be the no-answer one (``answer`` None, ``no_answer`` True; its
        ``best_span`` too with ``best_span``), and every span answer has ``no_answer`` False. ``doc_stride`` (less
        than the folder's max_length), ``max_answer_len`` (tokens) and ``null_threshold`` (0: no answer wherever
        the no-answer score beats the best span's, as the pipeline's handle_impossible_answer) override the
        folder's for this call."""
        if len(questions) != len(contexts):
            raise DistilkitError(f"got {len(questions)} questions but {len(contexts)} contexts: give one context "
                                 "per question")
        check_texts(questions, "question")
        check_texts(contexts, "context")
        self.check_overrides(doc_stride, max_answer_len)
        decoded, _ = self.decoded(questions, contexts, top_k, progress, doc_stride=doc_stride,
                                  max_answer_len=max_answer_len)
        threshold = self.settings.null_threshold if null_threshold is None else null_threshold
        return [self._with_null(d, top_k, best_span, threshold) for d in decoded]

    def check_overrides(self, doc_stride: int | None, max_answer_len: int | None) -> None:
        """Refuse a per-call ``doc_stride`` (above 0, below the folder's max_length) or ``max_answer_len`` (at least
        1 token) out of range, with a line that starts with its name."""
        if doc_stride is not None and not 0 < doc_stride < self.settings.max_length:
            raise DistilkitError(f"doc_stride {doc_stride}: give a number above 0 and below max_length "
                                 f"{self.settings.max_length}")
        if max_answer_len is not None and max_answer_len < 1:
            raise DistilkitError(f"max_answer_len {max_answer_len}: give a number of tokens, at least 1")

    def _with_null(self, decoded: dict, top_k: int, best_span: bool = False,
                   threshold: float | None = None) -> list[dict]:
        answers = [{**a, "score": float(a["score"])} for a in decoded["answers"]]
        if threshold is None:
            return answers
        answers = [{**a, "no_answer": False} for a in answers]
        best = answers[0]["score"] if answers else 0.0
        if decoded["null_score"] - best > threshold or not answers:
            answers = [no_answer(decoded["null_score"], answers[0] if answers else None, best_span)] + answers
        return answers[:top_k]

    def items(self, split) -> list:
        """The split's inputs as ``call`` takes them: (question, context) tuples."""
        return list(zip(split.questions, split.contexts))

    def call(self, items: list) -> list[list[dict]]:
        return self.predict([q for q, _ in items], [c for _, c in items])

    def outputs(self, split, progress: bool = True) -> dict:
        where = lambda i: f"{split.source}: {split.rows[i]} (id {split.ids[i]})"  # noqa: E731
        decoded, windows = self.decoded(split.questions, split.contexts, 1, progress, where)
        return {"decoded": decoded, "windows": windows}

    def compare(self, expected: dict, got: dict) -> dict:
        """How far another backend's answers on the same split are from these (with a null threshold, "no answer"
        is one of the answers compared)."""
        threshold = self.settings.null_threshold

        def best(d: dict) -> tuple:
            a = d["answers"][0] if d["answers"] else NO_ANSWER
            if threshold is not None and (not d["answers"] or d["null_score"] - a["score"] > threshold):
                return None, None, None
            return a["answer"], a["start"], a["end"]

        pairs = [(best(a), best(b)) for a, b in zip(expected["decoded"], got["decoded"])]
        n = max(len(pairs), 1)
        return {"agreement": sum(a[0] == b[0] for a, b in pairs) / n,
                "offset_agreement": sum(a == b for a, b in pairs) / n}

    def predict_file(self, source: str, output: str, question_column: str = "question",
                     context_column: str = "context", top_k: int = 1, chunk_size: int = 256,
                     best_span: bool = False) -> dict:
        """Answer every row of ``source`` (jsonl/csv/tsv/json/parquet) into JSON Lines at ``output``, streaming;
        a row's fields are its best answer's (``answer`` null and ``no_answer`` true where the context records
        none, see the class)."""
        from ..files import answer_file

        return answer_file(self, source, output, question_column, context_column, top_k, chunk_size, best_span)
