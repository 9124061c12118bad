"""Extractive-QA metrics with the semantics of the official SQuAD v2.0 evaluation script.

Every published SQuAD number comes from ``evaluate-v2.0.py`` (Rajpurkar, Jia & Liang 2018,
https://rajpurkar.github.io/SQuAD-explorer/), so this module reproduces it rather than
approximating it: the same answer normalisation, exact match and bag-of-tokens F1, the maximum
over the reference answers, gold answers that normalise to nothing dropped, an unanswerable
question (no gold answers) whose only correct answer is ``""``, scores in percent, and the
HasAns / NoAns breakdowns. On SQuAD v1.1 data the numbers are also those of the v1.1 script,
which differs only for a prediction that normalises to nothing (v1.1 keeps golds like ".").

Unlike the script, which prints "Missing prediction" and scores what it has, a missing or an
unexpected question id is an error here: a score over a silent subset is a wrong score.
"""
from __future__ import annotations

import collections
import math
import re
import string

from ..errors import DistilkitError

_PUNCTUATION = frozenset(string.punctuation)
_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
# Sums of per-question scores closer than this are a tie (float sums of equal rationals can differ by ~1e-12).
_TIE = 1e-9


def normalize_answer(s: str) -> str:
    """Lowercase, drop ASCII punctuation, drop the words a/an/the, collapse whitespace.

    The order is the official one and matters: punctuation goes first, so "the-end" becomes
    "theend" and keeps its "the", while "(the) end" becomes "end".
    """
    s = "".join(ch for ch in s.lower() if ch not in _PUNCTUATION)
    s = _ARTICLES.sub(" ", s)
    return " ".join(s.split())


def _gold_answers(golds: list[str]) -> list[str]:
    if isinstance(golds, str):  # max over a string's characters would be silently wrong
        raise DistilkitError(f"gold answers must be a list of strings, got the string {golds!r}; wrap it in a list")
    # Official: golds that normalise to nothing are dropped, and an unanswerable question's only answer is "".
    return [g for g in golds if normalize_answer(g)] or [""]


def _exact(prediction: str, gold: str) -> float:
    return float(normalize_answer(prediction) == normalize_answer(gold))


def _f1(prediction: str, gold: str) -> float:
    pred_toks, gold_toks = normalize_answer(prediction).split(), normalize_answer(gold).split()
    if not pred_toks or not gold_toks:
        # "No answer" is right only against "no answer": 1 if both are empty, else 0.
        return float(pred_toks == gold_toks)
    same = sum((collections.Counter(pred_toks) & collections.Counter(gold_toks)).values())
    if same == 0:
        return 0.0
    precision, recall = same / len(pred_toks), same / len(gold_toks)
    return 2 * precision * recall / (precision + recall)


def exact_match(prediction: str, golds: list[str]) -> float:
    """1.0 if the prediction equals some gold answer after normalisation, else 0.0."""
    return max(_exact(prediction, g) for g in _gold_answers(golds))


def f1(prediction: str, golds: list[str]) -> float:
    """Best token-level F1 (0-1) of the prediction against any gold answer."""
    return max(_f1(prediction, g) for g in _gold_answers(golds))


def _check_ids(given: dict, references: dict[str, list[str]], what: str = "predictions") -> None:
    """Both directions, so that evaluation never scores a subset of what was asked or answered."""
    if not references:
        raise DistilkitError("no questions to evaluate: the references are empty; pass at least one question id")
    missing = [qid for qid in references if qid not in given]
    if missing:
        raise DistilkitError(f"{what} lack {len(missing)} of the {len(references)} question ids in the references "
                             f"(first missing: {missing[0]!r}); give one for every question")
    extra = [qid for qid in given if qid not in references]
    if extra:
        raise DistilkitError(f"{what} have {len(extra)} question ids that are not in the references "
                             f"(first: {extra[0]!r}); pass references for them or drop them")


def _summary(em: dict[str, float], f: dict[str, float], qids: list[str], prefix: str = "") -> dict:
    n = len(qids)
    return {f"{prefix}exact_match": 100.0 * sum(em[q] for q in qids) / n,
            f"{prefix}f1": 100.0 * sum(f[q] for q in qids) / n,
            f"{prefix}total": n}


def squad_metrics(predictions: dict[str, str], references: dict[str, list[str]]) -> dict:
    """Exact match and F1 in percent over every question, plus HasAns/NoAns splits for v2 data.

    The splits appear when some reference is unanswerable (an empty list). As in the official
    script, a split with no questions is left out rather than reported as 0/0.
    """
    _check_ids(predictions, references)
    em = {q: exact_match(predictions[q], golds) for q, golds in references.items()}
    f = {q: f1(predictions[q], golds) for q, golds in references.items()}
    out = _summary(em, f, list(references))
    no_ans = [q for q, golds in references.items() if not golds]
    if no_ans:
        has_ans = [q for q, golds in references.items() if golds]
        if has_ans:
            out.update(_summary(em, f, has_ans, "has_ans_"))
        out.update(_summary(em, f, no_ans, "no_ans_"))
    return out


def per_example(predictions: dict[str, str], references: dict[str, list[str]],
                scores: dict[str, float] | None = None) -> list[dict]:
    """One row per question, in the references' order, for error-analysis files (scores on 0-1)."""
    _check_ids(predictions, references)
    if scores is not None:
        _check_ids(scores, references, "scores")
    rows = []
    for qid, golds in references.items():
        row = {"id": qid, "prediction": predictions[qid], "golds": list(golds),
               "exact_match": exact_match(predictions[qid], golds), "f1": f1(predictions[qid], golds)}
        if scores is not None:
            row["score"] = float(scores[qid])
        rows.append(row)
    return rows


def apply_null_threshold(span_predictions: dict[str, str], null_score_diff: dict[str, float],
                         threshold: float) -> dict[str, str]:
    """Predict "" (unanswerable) where null score - best span score > threshold, else the span."""
    _check_ids(null_score_diff, span_predictions, "null score diffs")
    return {qid: "" if null_score_diff[qid] > threshold else span for qid, span in span_predictions.items()}


def best_null_threshold(span_predictions: dict[str, str], null_score_diff: dict[str, float],
                        references: dict[str, list[str]], metric: str = "f1") -> tuple[float, dict]:
    """The null-score-diff threshold that maximises ``metric`` over all questions, and its metrics.

    Candidates are every distinct diff value (at the largest one nothing is null) and the lowest
    diff - 1 (everything is null). Ties go to the smallest threshold, as in the official
    ``find_best_thresh``. Unlike it, a threshold is only considered once *all* questions sharing
    a diff value have switched, and the null answer is scored exactly, not assumed wrong on
    every answerable question, so the result always equals ``squad_metrics`` of the returned
    predictions. One sort and one sweep: O(n log n).
    """
    if metric not in ("exact_match", "f1"):
        raise DistilkitError(f"metric must be 'exact_match' or 'f1', got {metric!r}")
    _check_ids(span_predictions, references, "span predictions")
    _check_ids(null_score_diff, references, "null score diffs")
    bad = [qid for qid in references if not math.isfinite(null_score_diff[qid])]
    if bad:  # NaN breaks sorting, so the sweep would silently pick a wrong threshold
        raise DistilkitError(f"{len(bad)} null score diffs are not finite (first: {bad[0]!r}); fix the model scores")
    score = exact_match if metric == "exact_match" else f1
    order = sorted(references, key=lambda qid: null_score_diff[qid])
    # Start below every diff (everything null), then raise the threshold past one question at a
    # time; each switches from "" to its span answer, changing the total by the difference.
    total = sum(score("", golds) for golds in references.values())
    best_total, best_threshold = total, null_score_diff[order[0]] - 1.0
    for i, qid in enumerate(order):
        golds = references[qid]
        total += score(span_predictions[qid], golds) - score("", golds)
        value = null_score_diff[qid]
        if i + 1 < len(order) and null_score_diff[order[i + 1]] == value:
            continue  # questions with an equal diff switch together: no threshold lies between them
        if total > best_total + _TIE:  # strictly better, so ties keep the smaller threshold
            best_total, best_threshold = total, value
    predictions = apply_null_threshold(span_predictions, null_score_diff, best_threshold)
    return best_threshold, squad_metrics(predictions, references)
