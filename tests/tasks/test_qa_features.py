"""QA windows (doc_stride over long contexts, answer labels) and decoding (n-best spans, limits)."""
from __future__ import annotations

import numpy as np
import pytest

from distilkit.models import load_tokenizer
from distilkit.tasks.qa_features import answer_positions, make_windows
from tests.conftest import one_line_error


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer("minilm-l6")


def _long_context(n_words: int, answer: str, at_word: int) -> tuple[str, int]:
    words = [f"w{i % 50}" for i in range(n_words)]
    words[at_word] = answer
    context = " ".join(words)
    return context, len(" ".join(words[:at_word])) + (1 if at_word else 0)


def test_long_context_is_windowed_with_stride_and_answer_labelled_in_its_window(tokenizer):
    context, start = _long_context(300, "eylea", 250)
    windows = make_windows(tokenizer, ["which drug?"], [context], max_length=64, doc_stride=16)
    assert len(windows) > 5 and set(windows.example) == {0}
    assert all(len(ids) <= 64 for ids in windows.encoding["input_ids"])
    # The question is never truncated: every window starts with it.
    question = tokenizer("which drug?")["input_ids"][:-1]
    assert all(ids[:len(question)] == question for ids in windows.encoding["input_ids"])
    # Consecutive windows share doc_stride tokens of context.
    first = [o for o in windows.offsets[0] if o is not None]
    second = [o for o in windows.offsets[1] if o is not None]
    assert first[-16:] == second[:16]
    starts, ends = answer_positions(windows, [{"text": ["eylea"], "answer_start": [start]}])
    labelled = [w for w, s in enumerate(starts) if s > 0]
    assert labelled, "the answer must be labelled in at least one window"
    for w in labelled:
        span = windows.offsets[w][starts[w]][0], windows.offsets[w][ends[w]][1]
        assert context[span[0]:span[1]] == "eylea"
    assert all(starts[w] == ends[w] == 0 for w in range(len(windows)) if w not in labelled)


def test_question_longer_than_max_length_is_a_clear_error(tokenizer):
    message = one_line_error(make_windows, tokenizer, ["why " * 80], ["short context"], 64, 16)
    assert "question 1" in message and "model.max_length=64" in message and "qa.doc_stride" in message


def test_stride_must_be_smaller_than_max_length():
    from distilkit import config_from_dict

    message = one_line_error(config_from_dict, {"task": "question-answering", "model": {"max_length": 64},
                                                "qa": {"doc_stride": 64}})
    assert "qa.doc_stride" in message and "smaller than model.max_length (64)" in message


def test_context_of_100k_characters_is_answered(tokenizer):
    from distilkit.tasks.qa_postprocess import decode

    context, start = _long_context(27_000, "aflibercept", 26_990)
    assert len(context) > 100_000
    windows = make_windows(tokenizer, ["which drug?"], [context], max_length=384, doc_stride=128)
    starts, ends = answer_positions(windows, [{"text": ["aflibercept"], "answer_start": [start]}])
    # Logits that point at the labelled tokens: decoding must map them back to the right characters.
    s_logits = [np.full(len(o), -5.0) for o in windows.offsets]
    e_logits = [np.full(len(o), -5.0) for o in windows.offsets]
    for w, (s, e) in enumerate(zip(starts, ends)):
        if s:
            s_logits[w][s], e_logits[w][e] = 10.0, 10.0
    best = decode(windows, s_logits, e_logits, [context])[0]["answers"][0]
    assert best["answer"] == "aflibercept" and best["start"] == start


def _one_window(tokenizer, context="4/52 rev + l) eylea hn $95"):
    return make_windows(tokenizer, ["what drug?"], [context], 64, 16), context


def test_decode_scores_are_probabilities_and_respect_limits(tokenizer):
    from distilkit.tasks.qa_postprocess import decode

    windows, context = _one_window(tokenizer)
    offsets = windows.offsets[0]
    inside = [i for i, o in enumerate(offsets) if o is not None]
    start, end = np.zeros(len(offsets)), np.zeros(len(offsets))
    start[1], end[1] = 50.0, 50.0  # a question token: never an answer, whatever its score
    s_tok = next(i for i in inside if context[offsets[i][0]:].startswith("ey"))
    e_tok = max(i for i in inside if offsets[i][1] <= context.index("eylea") + 5)
    start[s_tok], end[e_tok] = 8.0, 8.0
    answers = decode(windows, [start], [end], [context], top_k=5)[0]["answers"]
    assert answers[0]["answer"] == "eylea"
    assert all(0 < a["score"] <= 1 for a in answers)
    assert [a["score"] for a in answers] == sorted((a["score"] for a in answers), reverse=True)
    assert all(context[a["start"]:a["end"]] == a["answer"] for a in answers)
    # max_answer_length: a 1-token limit cannot return a span of several tokens
    short = decode(windows, [start], [end], [context], top_k=20, max_answer_length=1, align_words=False)[0]["answers"]
    single_tokens = {tuple(o) for o in offsets if o is not None}
    assert short and all((a["start"], a["end"]) in single_tokens for a in short)


def test_word_alignment_widens_half_words(tokenizer):
    from distilkit.tasks.qa_postprocess import decode

    windows, context = _one_window(tokenizer, "patient on aflibercept today")
    offsets, words = windows.offsets[0], windows.words[0]
    word = words[next(i for i, o in enumerate(offsets) if o is not None and o[0] == context.index("afl"))]
    pieces = [i for i, w in enumerate(words) if w == word]
    assert len(pieces) >= 2, "aflibercept should be several word pieces"
    start, end = np.full(len(offsets), -5.0), np.full(len(offsets), -5.0)
    start[pieces[1]], end[pieces[1]] = 9.0, 9.0  # a middle piece only
    words = decode(windows, [start], [end], [context])[0]["answers"][0]["answer"]
    tokens = decode(windows, [start], [end], [context], align_words=False)[0]["answers"][0]["answer"]
    assert words == "aflibercept" and tokens != words and tokens in words


def test_null_score_is_reported(tokenizer):
    from distilkit.tasks.qa_postprocess import decode

    windows, context = _one_window(tokenizer)
    start, end = np.zeros(len(windows.offsets[0])), np.zeros(len(windows.offsets[0]))
    start[0], end[0] = 20.0, 20.0  # [CLS]: "no answer"
    result = decode(windows, [start], [end], [context])[0]
    assert result["null_score"] > 0.99 and result["answers"][0]["score"] < 0.01


def test_chunked_windows_equal_one_pass_and_training_rows_too(tokenizer, monkeypatch):
    """Tokenized a chunk at a time (memory follows the chunk), the windows and the training rows built from them
    (negative windows sampled) are those of one pass over every question; an error still names its question."""
    import distilkit.tasks.qa_features as qf
    from distilkit.config import DataConfig, QAConfig
    from distilkit.data.qa import QASplit
    from distilkit.tasks import QuestionAnsweringTask

    rng = np.random.default_rng(3)
    questions, contexts, answers = [], [], []
    for i in range(23):
        context, start = _long_context(int(rng.integers(5, 200)), "eylea", 3)
        questions.append(f"which drug {i}?"), contexts.append(context)
        answers.append({"text": ["eylea"], "answer_start": [start]})
    whole = make_windows(tokenizer, questions, contexts, max_length=48, doc_stride=8)
    task = QuestionAnsweringTask(DataConfig(), 48, QAConfig(doc_stride=8, negative_windows=0.5))
    split = QASplit("toy", [str(i) for i in range(23)], questions, contexts, answers, [str(i) for i in range(23)])
    rows = task.preprocess(split, tokenizer, training=True).to_dict()
    monkeypatch.setattr(qf, "CHUNK_QUESTIONS", 4)
    monkeypatch.setattr(qf, "CHUNK_CHARS", 700)
    assert len(list(qf.chunks(contexts))) > 6  # both limits cut
    chunked = make_windows(tokenizer, questions, contexts, max_length=48, doc_stride=8)
    assert chunked.encoding == whole.encoding and chunked.example == whole.example
    assert chunked.offsets == whole.offsets and chunked.words == whole.words
    assert task.preprocess(split, tokenizer, training=True).to_dict() == rows
    assert 0 < rows["start_positions"].count(0) < len(rows["start_positions"])  # negatives sampled, some kept
    long_question = questions[:9] + ["why " * 60] + questions[10:]
    assert "question 10" in one_line_error(make_windows, tokenizer, long_question, contexts, 48, 8)


def test_the_question_answerer_answers_the_same_chunk_by_chunk(qa_runs, monkeypatch):
    import distilkit.tasks.qa_features as qf

    """Prediction and evaluation featurise, run and decode a chunk of questions at a time (memory follows a chunk):
    the answers, scores and window count are those of one pass over everything; long contexts (several windows
    each) and short ones mixed."""
    from distilkit import QuestionAnswerer
    from tests.conftest import make_qa_rows

    rows = make_qa_rows(30, seed=5)
    questions = [r["question"] for r in rows]
    contexts = [(r["context"] + " and then ") * (1 + 3 * (i % 4)) for i, r in enumerate(rows)]
    qa = QuestionAnswerer(str(qa_runs["bert"][0]))
    whole, windows = qa.decoded(questions, contexts, top_k=2)
    assert windows > len(questions)  # some contexts need several windows
    monkeypatch.setattr(qf, "CHUNK_QUESTIONS", 7)
    assert len(list(qf.chunks(contexts))) == 5
    assert qa.decoded(questions, contexts, top_k=2) == (whole, windows)
    assert qa.predict(questions, contexts, top_k=2) == [qa._with_null(d, 2, False, qa.settings.null_threshold)
                                                        for d in whole]
