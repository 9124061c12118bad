"""Where one training step of the emotion recipe spends its time, in fp32 and in bf16 autocast (issue 31, item 1:
measure before choosing levers).

    python bench/train_profile.py [--steps 150]

A hand-written loop with what `distilkit train recipes/emotion.yaml` runs: MiniLM-L6 with a 6-label head, word
embeddings frozen, fused AdamW at the recipe's learning rate, batches of 32 grouped by length and padded to their
longest row, 2 threads. Each phase is timed on its own (collate: tokenizer padding into tensors; forward with the
loss; backward; optimizer step and zeroing the gradients) over --steps steps after 10 warm-up steps, and the
padding share of the batches is counted (what sequence packing could remove at most). Evaluation is timed too: one
pass over the 2,000 validation rows, as each epoch ends with. The Trainer's own overhead (callbacks, logging) is not
in this loop: the `train_speed` bench times the real command.
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "emotion"


def read(path: Path) -> tuple[list[str], list[str]]:
    rows = [line.rsplit(";", 1) for line in path.read_text().splitlines() if line.strip()]
    return [r[0] for r in rows], [r[1] for r in rows]


def length_batches(lengths: list[int], size: int, seed: int) -> list[list[int]]:
    """Batches of similar length, as group_by_length makes them: shuffled, sorted within mega-batches of 50."""
    order = list(range(len(lengths)))
    random.Random(seed).shuffle(order)
    mega = [sorted(order[i:i + 50 * size], key=lambda j: -lengths[j]) for i in range(0, len(order), 50 * size)]
    batches = [m[i:i + size] for m in mega for i in range(0, len(m), size)]
    random.Random(seed + 1).shuffle(batches)
    return batches


def profile(precision: str, steps: int, texts, labels, val_texts) -> dict:
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from distilkit.models import resolve_model

    torch.manual_seed(0)
    torch.set_num_threads(2)
    base = resolve_model("minilm-l6")
    names = sorted(set(labels))
    tok = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=len(names))
    model.get_input_embeddings().weight.requires_grad_(False)  # the recipe's model.freeze: embeddings
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4, fused=True)
    y = torch.tensor([names.index(label) for label in labels])
    encoded = tok(texts, truncation=True, max_length=128)["input_ids"]
    batches = length_batches([len(e) for e in encoded], 32, 0)[:steps + 10]
    autocast = torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16")
    spent = {"collate": 0.0, "forward": 0.0, "backward": 0.0, "optimizer": 0.0}
    real = padded = 0
    model.train()
    for step, batch in enumerate(batches):
        timing = step >= 10
        t0 = time.perf_counter()
        inputs = tok.pad({"input_ids": [encoded[i] for i in batch]}, return_tensors="pt")
        target = y[batch]
        t1 = time.perf_counter()
        with autocast:
            loss = torch.nn.functional.cross_entropy(model(**inputs).logits.float(), target)
        t2 = time.perf_counter()
        loss.backward()
        t3 = time.perf_counter()
        opt.step()
        opt.zero_grad(set_to_none=True)
        t4 = time.perf_counter()
        if timing:
            for key, (a, b) in {"collate": (t0, t1), "forward": (t1, t2), "backward": (t2, t3),
                                "optimizer": (t3, t4)}.items():
                spent[key] += b - a
            real += int(inputs["attention_mask"].sum())
            padded += inputs["attention_mask"].numel()
    model.eval()
    started = time.perf_counter()
    with torch.inference_mode(), autocast:
        val = tok(val_texts, truncation=True, max_length=128)["input_ids"]
        order = sorted(range(len(val)), key=lambda i: len(val[i]))
        for i in range(0, len(order), 64):
            model(**tok.pad({"input_ids": [val[j] for j in order[i:i + 64]]}, return_tensors="pt"))
    evaluation = time.perf_counter() - started
    step_total = sum(spent.values())
    out = {f"{precision}_{k}_ms_per_step": round(1000 * v / steps, 2) for k, v in spent.items()}
    out.update({f"{precision}_{k}_share": round(v / step_total, 3) for k, v in spent.items()})
    out[f"{precision}_step_ms"] = round(1000 * step_total / steps, 2)
    out[f"{precision}_pad_share"] = round(1 - real / padded, 4)
    out[f"{precision}_validation_pass_s"] = round(evaluation, 2)
    print(precision, out, flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=150)
    args = ap.parse_args()
    texts, labels = read(DATA / "train.txt")
    val_texts, _ = read(DATA / "val.txt")
    metrics = {}
    for precision in ("fp32", "bf16"):
        metrics.update(profile(precision, args.steps, texts, labels, val_texts))
    metrics["bf16_step_speedup"] = round(metrics["fp32_step_ms"] / metrics["bf16_step_ms"], 2)
    write_result("train_profile", {
        "dataset": {"train": "../shared/data/emotion/train.txt", "validation": "../shared/data/emotion/val.txt"},
        "split": ["train", "validation"], "steps": args.steps, "metrics": metrics,
        "timings": {"statistic": f"mean over {args.steps} steps after 10 warm-up steps"},
        "note": "a hand loop with the emotion recipe's model, batches, optimizer and precision; the Trainer's own "
                "overhead is not in it (bench/train_speed.py times the real command)"})


if __name__ == "__main__":
    main()
