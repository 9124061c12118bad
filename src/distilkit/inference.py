"""Batched inference shared by evaluation, prediction and (later) serving.

Texts are sorted by length before batching so each batch pads to a similar length, then the
results are put back in input order: on CPU this roughly halves the work on mixed-length data.
"""
from __future__ import annotations

import numpy as np
import torch
from tqdm.auto import tqdm


@torch.inference_mode()
def predict_logits(model, tokenizer, texts: list[str], pairs: list[str] | None = None, batch_size: int = 64,
                   max_length: int = 512, progress: bool = False) -> np.ndarray:
    model.eval()
    max_length = min(max_length, getattr(tokenizer, "model_max_length", max_length) or max_length)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]) + (len(pairs[i]) if pairs else 0))
    out: list[np.ndarray | None] = [None] * len(texts)
    bar = tqdm(total=len(texts), desc="predict", unit="ex", disable=not progress, leave=False)
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        enc = tokenizer([texts[i] for i in idx], [pairs[i] for i in idx] if pairs else None, padding=True,
                        truncation=True, max_length=max_length, return_tensors="pt").to(model.device)
        logits = model(**enc).logits.float().cpu().numpy()
        for i, row in zip(idx, logits):
            out[i] = row
        bar.update(len(idx))
    bar.close()
    return np.stack(out) if out else np.zeros((0, model.config.num_labels), dtype=np.float32)


@torch.inference_mode()
def predict_windows(model, tokenizer, encoding: dict, batch_size: int = 64,
                    progress: bool = False) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Start and end logits of pre-tokenized QA windows (unpadded lists), each cut to its own length."""
    model.eval()
    n = len(encoding["input_ids"])
    order = sorted(range(n), key=lambda i: len(encoding["input_ids"][i]))
    starts: list = [None] * n
    ends: list = [None] * n
    bar = tqdm(total=n, desc="answer", unit="window", disable=not progress, leave=False)
    for first in range(0, n, batch_size):
        idx = order[first:first + batch_size]
        out = model(**_pad(tokenizer, encoding, idx, model.device))
        s, e = out.start_logits.float().cpu().numpy(), out.end_logits.float().cpu().numpy()
        for row, i in enumerate(idx):
            length = len(encoding["input_ids"][i])
            cut = slice(s.shape[1] - length, None) if tokenizer.padding_side == "left" else slice(0, length)
            starts[i], ends[i] = s[row, cut], e[row, cut]
        bar.update(len(idx))
    bar.close()
    return starts, ends


def _pad(tokenizer, encoding: dict, idx: list[int], device) -> dict:
    # By hand: tokenizer.pad on lists is several times slower than this and warns on every call.
    width = max(len(encoding["input_ids"][i]) for i in idx)
    pad_values = {"input_ids": tokenizer.pad_token_id or 0, "attention_mask": 0, "token_type_ids": 0}
    batch = {}
    for key, rows in encoding.items():
        out = np.full((len(idx), width), pad_values.get(key, 0), dtype=np.int64)
        for r, i in enumerate(idx):
            values = rows[i]
            if tokenizer.padding_side == "left":
                out[r, width - len(values):] = values
            else:
                out[r, :len(values)] = values
        batch[key] = torch.from_numpy(out).to(device)
    return batch
