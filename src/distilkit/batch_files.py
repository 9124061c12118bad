"""Batch mode over files, shared by classification and question answering: read a data source as a
stream, predict it in chunks, write one JSON object per input row. Big files never sit in memory."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from tqdm.auto import tqdm

from .data.formats import read_records

Chunk = list[tuple[int, dict]]


def predict_stream(source: str, output: str, accept: Callable[[int, dict], bool],
                   predict_chunk: Callable[[Chunk], list[dict]], chunk_size: int, desc: str, unit: str) -> int:
    """Rows of ``source`` that ``accept`` (which raises on bad rows) go to ``predict_chunk`` in chunks;
    its results are written to ``output`` as JSON Lines. Returns the number of rows written."""
    out_path = Path(output)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    bar = tqdm(desc=desc, unit=unit)
    with out_path.open("w", encoding="utf-8") as out:
        chunk: Chunk = []
        for row, record in read_records(source):
            if accept(row, record):
                chunk.append((row, record))
            if len(chunk) >= chunk_size:
                written += _write(chunk, predict_chunk, out, bar)
                chunk = []
        written += _write(chunk, predict_chunk, out, bar)
    bar.close()
    return written


def _write(chunk: Chunk, predict_chunk, out, bar) -> int:
    if not chunk:
        return 0
    for result in predict_chunk(chunk):
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    bar.update(len(chunk))
    return len(chunk)
