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
