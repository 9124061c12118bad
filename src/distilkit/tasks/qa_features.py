"""Question + context -> model windows, the standard extractive-QA preprocessing.

A context longer than ``max_length`` is cut into overlapping windows (``doc_stride`` tokens shared
between neighbours, so an answer cut by one window is whole in the next); the question is repeated
in every window and never truncated. Each window keeps, per token, the character span it covers in
the context (None outside the context) and its word index, which is all postprocessing needs to
turn start/end scores back into text. Training windows are labelled with the token positions of the
answer, or with position 0 (the [CLS] token, "no answer here") when the answer is not wholly inside.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..errors import DistilkitError


@dataclass
class Windows:
    """Tokenized windows of a batch of examples (parallel lists, one entry per window)."""

    encoding: dict
    """input_ids, attention_mask (and token_type_ids) per window, unpadded."""
    example: list[int]
    """Index of the example each window came from."""
    offsets: list[list[tuple[int, int] | None]]
    """Character span in the context of each token; None for question and special tokens."""
    words: list[list[int | None]]
    """Word index of each context token (for widening answers to whole words); None elsewhere."""

    def __len__(self) -> int:
        return len(self.example)


def question_first(tokenizer) -> bool:
    # As the transformers pipeline: models that pad on the left put the context first.
    return tokenizer.padding_side == "right"


def check_questions(tokenizer, questions: list[str], max_length: int, doc_stride: int, where) -> None:
    """A question that leaves no room for context (or for the stride) fails here, naming its row:
    the tokenizer would otherwise raise a long Rust error in the middle of preprocessing."""
    lengths = [len(ids) for ids in tokenizer(questions, add_special_tokens=False)["input_ids"]]
    special = tokenizer.num_special_tokens_to_add(pair=True)
    for i, n in enumerate(lengths):
        room = max_length - n - special
        if room <= doc_stride:
            raise DistilkitError(f"{where(i)}: the question is {n} tokens, which leaves {max(room, 0)} of "
                                 f"model.max_length={max_length} for context, not more than qa.doc_stride={doc_stride}: "
                                 "shorten the question, raise model.max_length or lower qa.doc_stride")


CHUNK_QUESTIONS = 500
CHUNK_CHARS = 250_000
"""Questions tokenized at a time: at most CHUNK_QUESTIONS, and at most CHUNK_CHARS characters of context (a
chunk's encodings, with their per-token strings and offsets, take ~80 KB per window until they are converted: 66
COVID-QA papers of ~30,000 characters make ~1,300 windows of 192 tokens; 2,000 of them made 24,000, 2.6 GB).
Prediction and evaluation hold one chunk's windows, logits and offsets at a time as well; at 2,000 questions and
1,000,000 characters the squad recipe peaked at 2.70 GB (bench/peak_rss.py)."""


def chunks(contexts: list[str]) -> Iterator[tuple[int, int]]:
    """(first, last) bounds of consecutive questions, within CHUNK_QUESTIONS and CHUNK_CHARS (one question each
    at least)."""
    first, chars = 0, 0
    for i, context in enumerate(contexts):
        if i > first and (i - first >= CHUNK_QUESTIONS or chars + len(context) > CHUNK_CHARS):
            yield first, i
            first, chars = i, 0
        chars += len(context)
    if first < len(contexts):
        yield first, len(contexts)


def iter_windows(tokenizer, questions: list[str], contexts: list[str], max_length: int, doc_stride: int,
                 where=lambda i: f"question {i + 1}") -> Iterator[tuple[int, int, Windows]]:
    """(first question, one past its last, the chunk's windows) chunk by chunk: what ``make_windows`` joins, for
    callers that keep less than the whole (training keeps only ids and positions; prediction decodes a chunk)."""
    for first, last in chunks(contexts):
        yield first, last, _windows(tokenizer, questions[first:last], contexts[first:last], max_length, doc_stride,
                              lambda i, a=first: where(a + i))


def make_windows(tokenizer, questions: list[str], contexts: list[str], max_length: int, doc_stride: int,
                 where=lambda i: f"question {i + 1}") -> Windows:
    """Every question's windows, tokenized chunk by chunk (``chunks``) so that memory follows a chunk."""
    parts = [(first, w) for first, _, w in iter_windows(tokenizer, questions, contexts, max_length, doc_stride, where)]
    if len(parts) == 1:
        return parts[0][1]
    keys = parts[0][1].encoding.keys() if parts else ("input_ids", "attention_mask")
    return Windows({k: [row for _, w in parts for row in w.encoding[k]] for k in keys},
                   [first + e for first, w in parts for e in w.example],
                   [o for _, w in parts for o in w.offsets], [x for _, w in parts for x in w.words])


def _windows(tokenizer, questions: list[str], contexts: list[str], max_length: int, doc_stride: int,
             where) -> Windows:
    check_questions(tokenizer, questions, max_length, doc_stride, where)
    first = question_first(tokenizer)
    # The tokenizers library strips leading whitespace of questions badly in some vocabularies.
    questions = [q.lstrip() for q in questions]
    enc = tokenizer(questions if first else contexts, contexts if first else questions,
                    truncation="only_second" if first else "only_first", max_length=max_length, stride=doc_stride,
                    return_overflowing_tokens=True, return_offsets_mapping=True)
    context_id = 1 if first else 0
    offsets, words = [], []
    for w in range(len(enc["input_ids"])):
        seq = enc.sequence_ids(w)
        offsets.append([tuple(o) if s == context_id else None for o, s in zip(enc["offset_mapping"][w], seq)])
        words.append([wid if s == context_id else None for wid, s in zip(enc.word_ids(w), seq)])
    keys = [k for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc]
    return Windows({k: enc[k] for k in keys}, list(enc["overflow_to_sample_mapping"]), offsets, words)


def answer_positions(windows: Windows, answers: list[dict]) -> tuple[list[int], list[int]]:
    """Token start/end of each window's (first) answer; (0, 0) when it is not wholly inside the window."""
    starts, ends = [], []
    for offsets, example in zip(windows.offsets, windows.example):
        answer = answers[example]
        if not answer["text"]:
            starts.append(0), ends.append(0)
            continue
        char_start = answer["answer_start"][0]
        char_end = char_start + len(answer["text"][0])
        inside = [i for i, o in enumerate(offsets) if o is not None]
        if offsets[inside[0]][0] > char_start or offsets[inside[-1]][1] < char_end:
            starts.append(0), ends.append(0)
            continue
        start = next(i for i in inside if offsets[i][1] > char_start)
        end = next(i for i in reversed(inside) if offsets[i][0] < char_end)
        starts.append(start), ends.append(max(end, start))
    return starts, ends
