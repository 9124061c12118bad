"""The one batching loop every task and backend shares.

Inputs arrive tokenized but unpadded. They are sorted by length, cut into batches, padded by hand
to the batch's longest row (``tokenizer.pad`` on lists is several times slower and warns on every
call), run through the backend, and scattered back to input order. On mixed-length data sorting
roughly halves the work on CPU: each batch pads only to rows of similar length.
"""
from __future__ import annotations

import numpy as np
from tqdm.auto import tqdm

PAD_VALUES = {"attention_mask": 0, "token_type_ids": 0}


def pad(encoding: dict[str, list], idx: list[int], pad_id: int, left: bool = False) -> dict[str, np.ndarray]:
    """Rows ``idx`` of an unpadded encoding as int64 arrays padded to their longest row."""
    width = max(len(encoding["input_ids"][i]) for i in idx)
    batch = {}
    for key, rows in encoding.items():
        out = np.full((len(idx), width), pad_id if key == "input_ids" else PAD_VALUES.get(key, 0), dtype=np.int64)
        for r, i in enumerate(idx):
            values = rows[i]
            if left:
                out[r, width - len(values):] = values
            else:
                out[r, :len(values)] = values
        batch[key] = out
    return batch


def batch_bounds(sorted_lengths: list[int], batch_size: int, max_tokens: int | None = None) -> list[tuple[int, int]]:
    """[start, end) of each batch over rows sorted by length: at most ``batch_size`` rows and, with
    ``max_tokens``, at most that many padded tokens (rows x longest row), as text-embeddings-inference's
    max-batch-tokens; a single row longer than the budget is a batch of its own."""
    bounds, start = [], 0
    while start < len(sorted_lengths):
        end = min(start + batch_size, len(sorted_lengths))
        if max_tokens:
            while end - start > 1 and (end - start) * sorted_lengths[end - 1] > max_tokens:
                end -= 1
        bounds.append((start, end))
        start = end
    return bounds


def run_batches(backend, encoding: dict[str, list], batch_size: int, pad_id: int, token_outputs: bool = False,
                left_padding: bool = False, progress: bool = False, desc: str = "predict",
                unit: str = "ex", max_tokens: int | None = None) -> dict[str, list[np.ndarray]]:
    """``backend(batch) -> {name: array}`` over every row of ``encoding``, in input order.

    With ``token_outputs`` (one score per token, as QA start/end logits) each row is cut back to its
    own length, so padding never reaches the caller."""
    n = len(encoding["input_ids"])
    lengths = [len(ids) for ids in encoding["input_ids"]]
    order = sorted(range(n), key=lengths.__getitem__)
    out: dict[str, list] = {}
    bar = tqdm(total=n, desc=desc, unit=unit, disable=not progress, leave=False)
    for first, last in batch_bounds([lengths[i] for i in order], batch_size, max_tokens):
        idx = order[first:last]
        outputs = backend(pad(encoding, idx, pad_id, left_padding))
        for name, values in outputs.items():
            rows = out.setdefault(name, [None] * n)
            for r, i in enumerate(idx):
                row = values[r]
                if token_outputs:
                    row = row[len(row) - lengths[i]:] if left_padding else row[:lengths[i]]
                rows[i] = row
        bar.update(len(idx))
    bar.close()
    return out
