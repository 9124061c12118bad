"""The pipeline side of bench/qa_pipeline.py; runs inside bench/work/venv-tf457 (transformers 4.57).

    bench/work/venv-tf457/bin/python bench/qa_pipeline_worker.py --model DIR --examples EXAMPLES.json --out OUT.json
        [--batch-size 32] [--max-answer-length 15] [--threads 2] [--max-seq-len 384] [--doc-stride 128]

EXAMPLES.json: a list of {"id", "question", "context"}. Runs pipeline("question-answering") over all of
them with batch_size=1 (its default) and with --batch-size, after a warm-up of each, and writes
{"versions": {...}, "runs": {"pipeline_batch1": {...}, "pipeline_batched": {...}}} with every answer
(answer, score, start, end) and the wall time of each run. Imports nothing from distilkit.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

try:
    import importlib.metadata as md

    import torch
    import transformers
    from transformers import pipeline
except ImportError as e:  # a broken or partial venv: say so plainly, not with a deep traceback
    sys.exit(f"qa_pipeline_worker: cannot import torch/transformers in {sys.prefix} ({e}); run it with "
             "bench/work/venv-tf457/bin/python, which bench/qa_pipeline.py installs (if that venv is broken, delete "
             "it and run bench/qa_pipeline.py again)")

if not transformers.__version__.startswith("4.57."):
    sys.exit(f"qa_pipeline_worker: expected transformers 4.57.x in {sys.prefix}, found {transformers.__version__}")


def as_list(out, n: int) -> list:
    """The pipeline returns a bare dict for one example (top_k=1) and a list of dicts for several."""
    if n == 1 and isinstance(out, dict):
        out = [out]
    return [o[0] if isinstance(o, list) else o for o in out]


def run(qa, questions, contexts, batch_size: int, params: dict) -> tuple[list, float]:
    started = time.perf_counter()
    out = qa(question=questions, context=contexts, batch_size=batch_size, **params)
    seconds = time.perf_counter() - started
    answers = [None if o is None else {"answer": o["answer"], "score": float(o["score"]), "start": int(o["start"]),
                                       "end": int(o["end"])} for o in as_list(out, len(questions))]
    return answers, seconds


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True)
    ap.add_argument("--examples", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-answer-length", type=int, default=15)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-seq-len", type=int, default=384)
    ap.add_argument("--doc-stride", type=int, default=128)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    examples = json.loads(Path(args.examples).read_text(encoding="utf-8"))
    questions, contexts = [e["question"] for e in examples], [e["context"] for e in examples]
    qa = pipeline("question-answering", model=args.model, tokenizer=args.model, device=-1)
    params = {"max_seq_len": args.max_seq_len, "doc_stride": args.doc_stride, "max_answer_len": args.max_answer_length,
              "top_k": 1, "handle_impossible_answer": False}
    configs = {"pipeline_batch1": 1, "pipeline_batched": args.batch_size}
    n_warm = min(len(examples), max(8, args.batch_size))
    runs = {}
    for name, bs in configs.items():
        run(qa, questions[:n_warm], contexts[:n_warm], bs, params)  # warm-up
        answers, seconds = run(qa, questions, contexts, bs, params)
        runs[name] = {"batch_size": bs, "seconds": round(seconds, 3),
                      "examples_per_s": round(len(examples) / seconds, 2), "answers": answers}
        print(f"  {name}: {len(examples)} examples in {seconds:.2f} s ({len(examples) / seconds:.1f}/s)", flush=True)

    versions = {"python": sys.version.split()[0], "torch_threads": torch.get_num_threads(),
                "tokenizer_is_fast": bool(qa.tokenizer.is_fast), "tokenizer_padding_side": qa.tokenizer.padding_side}
    for pkg in ("torch", "transformers", "tokenizers", "numpy", "huggingface_hub", "safetensors"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    Path(args.out).write_text(json.dumps({"versions": versions, "params": params, "runs": runs}), encoding="utf-8")


if __name__ == "__main__":
    main()
