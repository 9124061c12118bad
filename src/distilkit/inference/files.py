"""Batch mode over files, for every predictor: read a data source as a stream, predict it in chunks,
write one JSON object per input row. Big files never sit in memory. This is the predictors' file-level
convenience (a face): the core (data, tasks, training, evaluation) never imports it."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Callable

from tqdm.auto import tqdm

from ..data.formats import read_records
from ..errors import DistilkitError
from ..io import PathLock, write_atomic
from .sinks import fingerprint, open_sink

Chunk = list[tuple[int, dict]]


def predict_stream(source: str, output: str, accept: Callable[[int, dict], bool],
                   predict_chunk: Callable[[Chunk], list[dict]], chunk_size: int, desc: str, unit: str,
                   options: dict | None = None) -> int:
    """Rows of ``source`` that ``accept`` (which raises on bad rows) go to ``predict_chunk`` in chunks; its
    results go to ``output`` (.jsonl or .parquet), chunk by chunk. A run killed part-way and started again
    with the same input and ``options`` resumes after its last finished chunk (``sinks``). Returns the
    number of rows written."""
    with PathLock(output, "--output"):  # two runs appending to one output would interleave their rows
        sink = open_sink(output, fingerprint(source, {**(options or {}), "chunk_size": chunk_size}))
        if sink.resumed:
            print(f"resuming {output}: {sink.done} input rows were done", file=sys.stderr)
        bar = tqdm(desc=desc, unit=unit, initial=sink.written)
        chunk: Chunk = []
        last = sink.done
        for row, record in read_records(source):
            if row <= sink.done:
                continue
            last = row
            if accept(row, record):
                chunk.append((row, record))
            if len(chunk) >= chunk_size:
                sink.add(row, predict_chunk(chunk))
                bar.update(len(chunk))
                chunk = []
        if chunk or last > sink.done:
            sink.add(last, predict_chunk(chunk) if chunk else [])
            bar.update(len(chunk))
        sink.close()
        bar.close()
    return sink.written


def classify_file(clf, source: str, output: str, text_column: str, text_pair_column: str | None, top_k: int,
                  chunk_size: int, on_empty: str) -> dict:
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

    def predict_chunk(chunk: Chunk) -> list[dict]:
        texts = [r[text_column] for _, r in chunk]
        pairs = [r[text_pair_column] for _, r in chunk] if text_pair_column else None
        results = []
        for (row, record), preds in zip(chunk, clf.predict(texts, pairs, top_k)):
            result = {"row": row, **record, "prediction": preds[0]["label"], "score": preds[0]["score"]}
            results.append({**result, "top_k": preds} if top_k > 1 else result)
        return results

    counts["predicted"] = predict_stream(source, output, accept, predict_chunk, chunk_size, "predict", "ex",
                                         {"text": text_column, "pair": text_pair_column, "top_k": top_k,
                                          "on_empty": on_empty, "model": str(clf.folder)})
    return counts


def answer_file(qa, source: str, output: str, question_column: str, context_column: str, top_k: int,
                chunk_size: int, best_span: bool = False) -> dict:
    """Rows out: the input row (less its context), 'row', and its best answer's fields ('answer', 'score', 'start',
    'end'; a folder with a null threshold adds 'no_answer', and 'answer' is null where the context records none,
    with 'best_span' when asked), and with top_k > 1 'top_k', every answer."""
    def accept(row: int, record: dict) -> bool:
        for column in (question_column, context_column):
            if column not in record:
                raise DistilkitError(f"{source}: row {row} has no column '{column}' (columns: "
                                     f"{', '.join(map(str, record))}): pass --question-column/--context-column")
            if not isinstance(record[column], str) or not record[column].strip():
                raise DistilkitError(f"{source}: row {row} has an empty '{column}': fill it in or remove the row")
        return True

    def predict_chunk(chunk: Chunk) -> list[dict]:
        answers = qa.predict([r[question_column] for _, r in chunk], [r[context_column] for _, r in chunk], top_k,
                             best_span=best_span)
        results = []
        for (row, record), found in zip(chunk, answers):
            best = found[0] if found else {"answer": "", "score": 0.0, "start": 0, "end": 0}
            result = {"row": row, **{k: v for k, v in record.items() if k != context_column}, **best}
            results.append({**result, "top_k": found} if top_k > 1 else result)
        return results

    return {"answered": predict_stream(source, output, accept, predict_chunk, chunk_size, "qa", "question",
                                       {"question": question_column, "context": context_column, "top_k": top_k,
                                        "model": str(qa.folder), **({"best_span": True} if best_span else {})})}


def zero_shot_file(zsc, source: str, output: str, text_column: str, labels_column: str | None, chunk_size: int,
                   on_empty: str, logits: bool) -> dict:
    """Rows out: the input row, 'prediction', 'score', 'ranking' ([{label, score}] best first), and with
    ``logits`` the values whose softmax is the single-label score, in label order (NLI: the entailment logits; a
    teacher file for distill.teacher_logits). How they were made (method, labels, template, calibration) goes
    beside the output, in OUTPUT.meta.json."""
    counts = {"predicted": 0, "skipped_empty": 0}

    def row_labels(row: int, record: dict):
        if labels_column is None:
            return None
        value = record.get(labels_column)
        if isinstance(value, str):
            value = [v for v in value.split(",")]
        if not isinstance(value, list) or not value:
            raise DistilkitError(f"{source}: row {row} has no label set in '{labels_column}' (a list, or 'a,b,c'): "
                                 "fill it in, or drop --labels-column to use --labels for every row")
        return value

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
        if labels_column is None and zsc.candidates is None:
            raise DistilkitError("zero-shot: no labels: pass --labels a,b,c, or --labels-column with a label set per row")
        return True

    def predict_chunk(chunk: Chunk) -> list[dict]:
        texts = [r[text_column] for _, r in chunk]
        sets = [zsc.label_set(row_labels(row, r) or zsc.candidates, f"{source}: row {row}") for row, r in chunk]
        results = []
        for (row, record), names, (scores, raw) in zip(chunk, sets, zsc.label_scores(texts, sets)):
            ranking = sorted(zip(names, scores.tolist()), key=lambda x: -x[1])
            result = {"row": row, **record, "prediction": ranking[0][0], "score": round(ranking[0][1], 6),
                      "ranking": [{"label": n, "score": round(s, 6)} for n, s in ranking]}
            if logits:
                result["logits"] = [round(float(v), 5) for v in raw]
            results.append(result)
        return results

    about = zsc.metadata()
    counts["predicted"] = predict_stream(source, output, accept, predict_chunk, chunk_size, "zero-shot", "text",
                                         {**{k: v for k, v in about.items() if k != "backend"},  # any backend
                                          "text": text_column, "labels_column": labels_column, "on_empty": on_empty,
                                          "logits": logits})
    path = meta_path(output)
    with PathLock(output, "--output"):  # beside the output, under the output's own lock
        write_atomic(path, json.dumps({"source": source, **about, **counts}, indent=2, ensure_ascii=False) + "\n")
    return {**counts, "metadata": str(path)}


def meta_path(output: str) -> Path:
    """Where a batch output's metadata goes: OUTPUT.meta.json."""
    return Path(output).with_name(Path(output).name + ".meta.json")


def labelled_rows(source: str, text_column: str, label_column: str) -> list[tuple[str, object]]:
    """(text, label) rows of a labelled data source (calibration data), each row checked."""
    rows = []
    for row, record in read_records(source):
        for column in (text_column, label_column):
            if column not in record:
                raise DistilkitError(f"{source}: row {row} has no column '{column}' (columns: "
                                     f"{', '.join(map(str, record))}): pass --text-column / --label-column")
        rows.append((record[text_column], record[label_column]))
    return rows
