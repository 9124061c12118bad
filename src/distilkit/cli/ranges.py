"""The valid range of every number a command takes, checked before any model or data loads.

A batch size of 0 used to surface as `range() arg 3 must not be zero` after the model had loaded, and
`--top-k 0` answered an empty list. Every int or float parameter of every command must have an entry here:
tests/test_cli_ranges.py walks them all and fails on a parameter without one.
"""
from __future__ import annotations

import math

from ..errors import DistilkitError

# parameter name -> (lowest allowed, highest allowed or None, what the number is)
RANGES: dict[str, tuple[float, float | None, str]] = {
    "batch_size": (1, None, "examples per batch"),
    "top_k": (1, None, "answers per input"),
    "threads": (1, 1024, "CPU threads"),
    "actors": (1, 1024, "Ray actors"),
    "chunk_size": (1, None, "rows per chunk"),
    "epochs": (1e-9, None, "passes over the training data"),
    "max_train_samples": (1, None, "training rows"),
    "max_eval_samples": (1, None, "evaluation rows"),
    "trials": (1, None, "search trials"),
    "max_length": (8, 8192, "tokens per window"),
    "doc_stride": (1, 8192, "tokens shared by windows"),
    "max_answer_length": (1, 8192, "tokens per answer"),
    "latency_runs": (1, None, "timed single-text calls"),
    "samples": (1, None, "verification rows"),
    "max_drop": (0, 100, "points of metric drop allowed"),
    "port": (1, 65535, "a TCP port"),
    "max_batch_size": (1, None, "texts per batch"),
    "max_batch_tokens": (1, None, "tokens per batch"),
    "max_pass_tokens": (1, None, "tokens per forward pass"),
    "max_wait_ms": (0, 60_000, "milliseconds a request may wait for batch mates"),
    "queue_size": (1, None, "queued requests"),
    "max_body_bytes": (1, None, "bytes per request body"),
    "max_texts": (1, None, "texts per request"),
    "max_text_chars": (1, None, "characters per text"),
    "max_labels": (1, None, "labels per request"),
    "train": (1, None, "training questions"),  # make-clinic-data's counts
    "validation": (1, None, "validation questions"),
    "test": (1, None, "test questions"),
    "test_unseen": (1, None, "questions on held-out families"),
    "validation_unseen": (1, None, "validation questions on held-out families"),
    "seed": (0, 2**32 - 1, "a random seed"),
    "failures": (0, None, "failing examples shown per test"),
}


def check_ranges(args: dict, numeric: set[str]) -> None:
    """Refuse the first out-of-range number among ``args`` (only the names in ``numeric`` are numbers)."""
    for name in sorted(numeric):
        value = args.get(name)
        if value is None:
            continue
        flag = "--" + name.replace("_", "-")
        if name not in RANGES:
            raise DistilkitError(f"{flag}: no valid range is declared (a distilkit bug: add it to cli/ranges.py)")
        low, high, what = RANGES[name]
        shown = _num(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise DistilkitError(f"{flag} {shown}: give a finite number ({what})")
        if value < low or (high is not None and value > high):
            bound = f">= {_num(low)}" if high is None else f"between {_num(low)} and {_num(high)}"
            if low == 1e-9:
                bound = "> 0" if high is None else f"> 0 and <= {_num(high)}"
            raise DistilkitError(f"{flag} {shown}: must be {bound} ({what})")


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"
