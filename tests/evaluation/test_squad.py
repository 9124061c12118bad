"""SQuAD v1.1/v2.0 metrics: official normalisation, EM/F1, HasAns/NoAns splits, null threshold."""
import json
import random
import time

import pytest

from distilkit.metrics.squad import (
    apply_null_threshold,
    best_null_threshold,
    exact_match,
    f1,
    normalize_answer,
    per_example,
    squad_metrics,
)
from tests.conftest import SHARED, one_line_error

DEV_V11 = SHARED / "squad" / "dev-v1.1.json"


@pytest.mark.parametrize("raw, normalised", [
    ("The Cat!", "cat"),                       # case, punctuation, leading article
    ("An apple, the pear.", "apple pear"),     # every article, as whole words only
    ("theatre and another", "theatre and another"),
    ("  Hello,\tWorld\n ", "hello world"),     # whitespace of any kind collapses
    ("the-end", "theend"),                     # punctuation goes first, so "the" is glued on and stays
    ("(the) end", "end"),
    ("A", ""),
    ("", ""),
    ("Denver Broncos", "denver broncos"),
])
def test_normalize_answer(raw, normalised):
    assert normalize_answer(raw) == normalised


def test_exact_match_and_f1_by_hand():
    # "the cat sat" -> [cat, sat]; "a cat sat down" -> [cat, sat, down]: P = 1, R = 2/3, F1 = 0.8
    assert f1("the cat sat", ["a cat sat down"]) == pytest.approx(0.8)
    assert exact_match("the cat sat", ["a cat sat down"]) == 0.0
    # bag of tokens: [cat, cat, dog] vs [cat, dog, dog] share one cat and one dog: P = R = 2/3
    assert f1("cat cat dog", ["cat dog dog"]) == pytest.approx(2 / 3)
    assert f1("red", ["blue"]) == 0.0
    assert exact_match("The  Denver Broncos.", ["denver broncos"]) == 1.0
    assert f1("The  Denver Broncos.", ["denver broncos"]) == 1.0


def test_max_over_golds():
    assert exact_match("Denver Broncos", ["Broncos", "x", "the denver broncos!"]) == 1.0
    # vs [denver, broncos]: P = 1, R = 1/2 -> 2/3; vs [denver, broncos, team]: R = 1/3 -> 1/2
    assert f1("Denver", ["Denver Broncos", "the Denver Broncos team"]) == pytest.approx(2 / 3)
    assert f1("Denver", ["the Denver Broncos team", "Denver Broncos"]) == pytest.approx(2 / 3)


def test_unanswerable_questions():
    assert exact_match("", []) == f1("", []) == 1.0
    assert exact_match("The.", []) == f1("The.", []) == 1.0   # normalises to nothing: a null answer
    assert exact_match("Paris", []) == f1("Paris", []) == 0.0
    assert exact_match("", ["Paris"]) == f1("", ["Paris"]) == 0.0
    # golds that normalise to nothing are dropped, as in the official script
    assert f1("", ["the", "."]) == 1.0
    assert f1("Paris", ["Paris", "."]) == 1.0 and f1("", ["Paris", "."]) == 0.0


def test_golds_given_as_a_string_are_refused():
    assert "list" in one_line_error(f1, "Paris", "Paris")


V1_REFS = {"q1": ["Paris"], "q2": ["a cat sat down"]}
V2_REFS = {"q1": ["Paris"], "q2": ["a cat sat down"], "q3": [], "q4": []}
V2_PREDS = {"q1": "paris", "q2": "the cat sat", "q3": "", "q4": "London"}


def test_squad_metrics_in_percent_without_splits_on_v1():
    out = squad_metrics({"q1": "Paris", "q2": "the cat sat"}, V1_REFS)
    assert out == {"exact_match": pytest.approx(50.0), "f1": pytest.approx(90.0), "total": 2}
    assert set(out) == {"exact_match", "f1", "total"}


def test_squad_metrics_has_ans_no_ans_splits_on_v2():
    out = squad_metrics(V2_PREDS, V2_REFS)
    # EM 1, 0, 1, 0; F1 1, 0.8, 1, 0
    assert out == {"exact_match": pytest.approx(50.0), "f1": pytest.approx(70.0), "total": 4,
                   "has_ans_exact_match": pytest.approx(50.0), "has_ans_f1": pytest.approx(90.0), "has_ans_total": 2,
                   "no_ans_exact_match": pytest.approx(50.0), "no_ans_f1": pytest.approx(50.0), "no_ans_total": 2}


def test_every_id_must_be_scored():
    refs = {"a": ["x"], "b": ["y"], "c": ["z"]}
    message = one_line_error(squad_metrics, {"a": "x"}, refs)
    assert "'b'" in message and "2 of the 3" in message
    message = one_line_error(squad_metrics, {"a": "x", "b": "y", "c": "z", "zz": "w"}, refs)
    assert "'zz'" in message and "1 question ids" in message
    assert "empty" in one_line_error(squad_metrics, {}, {})
    assert "'b'" in one_line_error(per_example, {"a": "x", "c": "z"}, refs)
    assert "'c'" in one_line_error(per_example, {"a": "x", "b": "y", "c": "z"}, refs, scores={"a": 1.0, "b": 2.0})


def test_per_example_rows():
    rows = per_example(V2_PREDS, V2_REFS, scores={"q1": 0.9, "q2": 0.5, "q3": -1.0, "q4": 2})
    assert [r["id"] for r in rows] == ["q1", "q2", "q3", "q4"]
    assert rows[1] == {"id": "q2", "prediction": "the cat sat", "golds": ["a cat sat down"],
                       "exact_match": 0.0, "f1": pytest.approx(0.8), "score": 0.5}
    assert [r["exact_match"] for r in rows] == [1.0, 0.0, 1.0, 0.0]
    assert rows[3]["score"] == 2.0 and isinstance(rows[3]["score"], float)
    assert "score" not in per_example(V2_PREDS, V2_REFS)[0]


# Two answerable questions whose spans are right and two unanswerable ones whose spans are wrong;
# the null score diff separates them, so the right threshold gets everything right.
SPANS = {"q1": "Paris", "q2": "wrong", "q3": "blue whale", "q4": "junk"}
DIFFS = {"q1": -2.0, "q2": 3.0, "q3": 1.0, "q4": 2.0}
REFS = {"q1": ["Paris"], "q2": [], "q3": ["the blue whale"], "q4": []}


def test_apply_null_threshold():
    assert apply_null_threshold(SPANS, DIFFS, 1.0) == {"q1": "Paris", "q2": "", "q3": "blue whale", "q4": ""}
    assert apply_null_threshold(SPANS, DIFFS, 3.0) == SPANS                     # diff > threshold only
    assert set(apply_null_threshold(SPANS, DIFFS, -2.5).values()) == {""}
    assert "'q4'" in one_line_error(apply_null_threshold, SPANS, {"q1": 0, "q2": 0, "q3": 0}, 0.0)


@pytest.mark.parametrize("metric", ["exact_match", "f1"])
def test_best_null_threshold_beats_always_answer_and_always_null(metric):
    threshold, metrics = best_null_threshold(SPANS, DIFFS, REFS, metric=metric)
    always_answer = squad_metrics(apply_null_threshold(SPANS, DIFFS, float("inf")), REFS)[metric]
    always_null = squad_metrics(apply_null_threshold(SPANS, DIFFS, float("-inf")), REFS)[metric]
    assert always_answer == always_null == 50.0
    assert threshold == 1.0
    assert metrics[metric] == 100.0 > max(always_answer, always_null)
    assert metrics == squad_metrics(apply_null_threshold(SPANS, DIFFS, threshold), REFS)
    assert metrics["has_ans_total"] == metrics["no_ans_total"] == 2


def test_best_null_threshold_ties_and_equal_diffs():
    # "" is right either way, so null and answer tie: the smaller threshold wins
    assert best_null_threshold({"q": ""}, {"q": 5.0}, {"q": []})[0] == 4.0
    # a right and a wrong answer share one diff, so they switch together: there is no threshold
    # that answers only the right one (the official find_best_thresh would claim one: 100%)
    threshold, metrics = best_null_threshold({"a": "Paris", "b": "junk"}, {"a": 0.0, "b": 0.0},
                                             {"a": ["Paris"], "b": []}, metric="exact_match")
    assert threshold == -1.0 and metrics["exact_match"] == 50.0


def test_best_null_threshold_refuses_bad_input():
    assert "'f2'" in one_line_error(best_null_threshold, SPANS, DIFFS, REFS, metric="f2")
    assert "'q3'" in one_line_error(best_null_threshold, SPANS, {**DIFFS, "q3": float("nan")}, REFS)
    assert "'q2'" in one_line_error(best_null_threshold, {"q1": "Paris"}, DIFFS, REFS)


WORDS = ["red", "blue", "the", "cat", "dog", "a", "sat"]


def random_case(seed: int, n: int = 80):
    rng = random.Random(seed)
    phrase = lambda: " ".join(rng.choices(WORDS, k=rng.randint(1, 3)))
    refs, spans, diffs = {}, {}, {}
    for i in range(n):
        qid = f"q{i}"
        refs[qid] = [] if rng.random() < 0.4 else [phrase() for _ in range(rng.randint(1, 3))]
        spans[qid] = rng.choice(refs[qid]) if refs[qid] and rng.random() < 0.3 else phrase()
        # few distinct values, so that many questions share a diff
        diffs[qid] = float(rng.randint(-6, 6)) if rng.random() < 0.7 else rng.uniform(-6, 6)
    return spans, diffs, refs


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("metric", ["exact_match", "f1"])
def test_best_null_threshold_agrees_with_brute_force(seed, metric):
    spans, diffs, refs = random_case(seed)
    candidates = sorted(set(diffs.values())) + [min(diffs.values()) - 1.0]
    results = {t: squad_metrics(apply_null_threshold(spans, diffs, t), refs) for t in candidates}
    best = max(r[metric] for r in results.values())
    expected = min(t for t, r in results.items() if r[metric] >= best - 1e-7)  # ties: smallest threshold
    threshold, metrics = best_null_threshold(spans, diffs, refs, metric=metric)
    assert threshold == expected
    assert metrics == pytest.approx(results[expected])


def test_best_null_threshold_scales_to_squad_v2_dev():
    spans, diffs, refs = random_case(0, n=12_000)
    start = time.perf_counter()
    best_null_threshold(spans, diffs, refs)
    assert time.perf_counter() - start < 30  # a quadratic search would take hours here


def load_dev_questions(limit: int) -> dict[str, list[str]]:
    if not DEV_V11.exists():
        pytest.skip(f"{DEV_V11} is absent")
    data = json.loads(DEV_V11.read_text(encoding="utf-8"))["data"]
    refs = {qa["id"]: [a["text"] for a in qa["answers"]]
            for article in data for paragraph in article["paragraphs"] for qa in paragraph["qas"]}
    return dict(list(refs.items())[:limit])


def test_real_squad_v11_dev_questions():
    refs = load_dev_questions(300)
    assert len(refs) == 300 and all(refs.values())
    perfect = squad_metrics({qid: golds[0] for qid, golds in refs.items()}, refs)
    assert perfect == {"exact_match": 100.0, "f1": 100.0, "total": 300}
    truncated = squad_metrics({qid: golds[0].split()[0] for qid, golds in refs.items()}, refs)
    assert truncated["exact_match"] < 100.0
    assert 0.0 < truncated["f1"] < 100.0
    assert truncated["f1"] > truncated["exact_match"]  # partial answers earn partial credit
