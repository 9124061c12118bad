"""On-disk cache of teacher logits, keyed by a fingerprint of (teacher, data, labels).

The teacher's files (weights, tokenizer, config) and the exact texts are hashed, so a retrained
teacher, an edited dataset or a different label order can never reuse stale logits, while a second
run, every epoch and every search trial reuse them without loading the teacher at all.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

from ..io import atomic_path
from .teachers import json_fingerprint

CACHE_FORMAT = 1  # bump when the cached content changes meaning


def split_fingerprint(teacher_key: dict, split, labels: list[str]) -> str:
    return json_fingerprint({"format": CACHE_FORMAT, "teacher": teacher_key, "labels": labels,
                             "texts": json_fingerprint([split.texts, split.pairs])})


def cached_logits(cache_dir: str, fingerprint: str, compute: Callable[[], np.ndarray]) -> tuple[np.ndarray, bool]:
    """(logits, hit): load them if cached, else compute and store them atomically."""
    path = Path(cache_dir) / f"teacher-{fingerprint[:32]}.npy"
    if path.is_file():
        try:
            return np.load(path, allow_pickle=False), True
        except (OSError, ValueError):  # a torn write from a killed run: recompute it
            path.unlink(missing_ok=True)
    logits = np.asarray(compute(), dtype=np.float32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:  # runs sharing the cache each write their own file, renamed over the name
        np.save(tmp, logits, allow_pickle=False)
    return logits, False
