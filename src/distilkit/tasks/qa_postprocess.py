"""Start/end scores of every window -> ranked answers per example.

Scoring follows the transformers question-answering pipeline (4.x), so a model answers the same
here as it did there: in each window, tokens outside the context are masked, start and end scores
become probabilities by a softmax over the context (plus [CLS]), a span's score is
p(start) * p(end), spans run forwards and at most ``max_answer_length`` tokens, and the best spans
of all windows compete on that score. The no-answer score of an example is the smallest
p(start=[CLS]) * p(end=[CLS]) over its windows.
"""
from __future__ import annotations

import numpy as np

from .qa_features import Windows


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(), dtype=np.float32)  # float32 throughout, as the pipeline computes it
    return e / e.sum()


def window_spans(start: np.ndarray, end: np.ndarray, offsets: list, cls: int, k: int, max_answer_length: int):
    """The k best (score, start token, end token) spans of one window and its no-answer score."""
    allowed = np.array([o is not None for o in offsets])
    keep = allowed.copy()
    keep[cls] = True  # [CLS] stays in the softmax (as in the pipeline), but is never a span
    p_start = _softmax(np.where(keep, start[:len(offsets)], -10000.0))
    p_end = _softmax(np.where(keep, end[:len(offsets)], -10000.0))
    null = float(p_start[cls] * p_end[cls])
    p_start[~allowed], p_end[~allowed] = 0.0, 0.0
    scores = np.tril(np.triu(np.outer(p_start, p_end)), max_answer_length - 1).ravel()
    k = min(k, scores.size)
    best = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
    best = best[np.argsort(-scores[best], kind="stable")]
    n = len(offsets)
    return [(float(scores[b]), int(b // n), int(b % n)) for b in best if scores[b] > 0], null


def _char_span(offsets: list, words: list, s: int, e: int, align_words: bool) -> tuple[int, int]:
    if align_words and words[s] is not None:
        while s > 0 and words[s - 1] == words[s]:
            s -= 1
        while e + 1 < len(words) and words[e + 1] == words[e]:
            e += 1
    return offsets[s][0], offsets[e][1]


def decode(windows: Windows, start_logits, end_logits, contexts: list[str], top_k: int = 1,
           n_best: int | None = None, max_answer_length: int = 30, align_words: bool = True) -> list[dict]:
    """Per example: {"answers": [{"answer", "score", "start", "end"}, ...] best first (at most top_k),
    "null_score": the no-answer probability}.

    As the pipeline does, each window offers its ``n_best`` best spans (default 2 * top_k + 10),
    windows are visited in order, and a span whose text (ignoring case) was already offered adds its
    score to that answer, which keeps the offsets it was first seen with: the same answer found in
    two overlapping windows, or repeated in the context, is one answer with the summed probability."""
    n_best = n_best or (2 * top_k + 10 if align_words else top_k)
    found: list[dict[str, dict]] = [{} for _ in contexts]
    null = [1.0] * len(contexts)
    for w, example in enumerate(windows.example):
        offsets, words = windows.offsets[w], windows.words[w]
        spans, null_w = window_spans(np.asarray(start_logits[w], dtype=np.float32),
                                     np.asarray(end_logits[w], dtype=np.float32), offsets, 0, n_best,
                                     max_answer_length)
        null[example] = min(null[example], null_w)
        for score, s, e in spans:
            start, end = _char_span(offsets, words, s, e, align_words)
            text = contexts[example][start:end]
            same = found[example].get(text.lower())
            if same is not None:
                same["score"] += score
            else:
                found[example][text.lower()] = {"answer": text, "score": score, "start": start, "end": end}
    return [{"answers": sorted(candidates.values(), key=lambda a: -a["score"])[:top_k], "null_score": null[i]}
            for i, candidates in enumerate(found)]
