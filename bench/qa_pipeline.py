"""Extractive QA inference: distilkit's QuestionAnswerer vs the transformers 4.57 question-answering pipeline.

    python bench/qa_pipeline.py --model MODEL_DIR [--data ../shared/data/squad/dev-v1.1.json] [--limit 500]
        [--batch-size 32] [--max-answer-length 15] [--threads 2] [--name qa_pipeline] [--setup-only]

transformers 5 dropped the question-answering pipeline, so it runs in a second virtual environment,
bench/work/venv-tf457 (torch 2.13.0 CPU + transformers 4.57.6), made on the first run and reused after,
through bench/qa_pipeline_worker.py. Both sides: the same first N examples of the file (file order), the
same model folder, max length 384, doc stride 128, the same max answer length, the same number of torch
threads, a warm-up pass first, then one timed pass each:
  pipeline_batch1   pipeline(...) over the list with batch_size=1 (its default)
  pipeline_batched  the same with batch_size=--batch-size
  distilkit         QuestionAnswerer(model, batch_size=--batch-size, ...).predict(questions, contexts)
  distilkit_onnx    the same with backend="onnx" (ONNX Runtime fp32; exported once into MODEL/onnx/, untimed)
  distilkit_torch-bf16, distilkit_onnx-int8   the same with those backends
Agreement: the fraction of examples whose answer text (and, separately, start/end offsets) equals the
batched pipeline's; the two pipeline configs are checked against each other too. Targets (from the issue):
>= 99% identical answers, >= 2x the pipeline's examples/s.
"""
from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import os
import re
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402
from make_table import qa_pipeline_table  # noqa: E402

VENV = ROOT / "bench" / "work" / "venv-tf457"
WORKER = ROOT / "bench" / "qa_pipeline_worker.py"
MARKER = VENV / "distilkit-bench-install.json"  # written once the install succeeded; holds its log
TRANSFORMERS = "4.57.6"  # the last release with the question-answering pipeline
MAX_LENGTH, DOC_STRIDE = 384, 128  # the pipeline's max_seq_len / doc_stride defaults
TARGETS = {"answer_agreement": 0.99, "speedup_vs_pipeline_best": 2.0}
EXTRA_BACKENDS = ["torch-bf16", "onnx-int8"]  # besides torch and onnx: every backend of distilkit.inference


def venv_python() -> Path:
    return VENV / "bin" / "python"


def pip(args: list[str], log: list[str]) -> None:
    cmd = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check", *args]
    log.append("$ " + " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log.append(proc.stdout[-4000:] + proc.stderr[-4000:])
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-25:]
        raise SystemExit(f"qa_pipeline: installing into {VENV} failed (exit {proc.returncode}):\n  {' '.join(cmd)}\n"
                         + "\n".join(tail) + f"\nFix the cause, or delete {VENV} and run again.")


def pins() -> dict:
    """torch exactly as in this venv (2.13.0+cpu from the local wheel: the same build on both sides, and pip
    never reaches for a CUDA one), installed first and then held by a constraint; transformers 4.57.6."""
    try:
        torch = md.version("torch")
    except md.PackageNotFoundError:
        torch = "2.13.0"
    return {"torch": torch, "transformers": TRANSFORMERS}


def ensure_venv() -> dict:
    """Create bench/work/venv-tf457 if it is missing, its install never finished or its pins changed; return
    its install record (with install_s, the seconds the install took when it was made)."""
    want = pins()
    if MARKER.exists() and venv_python().exists():
        record = json.loads(MARKER.read_text())
        if all(f"{k}=={v}".lower() in {x.lower() for x in record["installed"]} for k, v in want.items()):
            return {**record, "reused": True}
    started, log = time.time(), []
    if not venv_python().exists():
        print(f"creating {VENV} ...", flush=True)
        proc = subprocess.run([sys.executable, "-m", "venv", str(VENV)], capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit(f"qa_pipeline: `{sys.executable} -m venv {VENV}` failed:\n{proc.stderr}")
    constraints = VENV / "constraints.txt"
    constraints.write_text("".join(f"{k}=={v}\n" for k, v in want.items()))
    print(f"installing torch=={want['torch']} and transformers=={want['transformers']} into {VENV} ...", flush=True)
    pip(["-q", f"torch=={want['torch']}"], log)
    pip(["-q", "-c", str(constraints), f"transformers=={want['transformers']}", "numpy"], log)
    seconds = round(time.time() - started, 1)
    freeze = subprocess.run([str(venv_python()), "-m", "pip", "freeze", "--all"], capture_output=True, text=True).stdout
    record = {"install_s": seconds, "pins": want, "installed": freeze.split(), "log": log}
    MARKER.write_text(json.dumps(record, indent=2) + "\n")
    print(f"venv ready in {seconds} s", flush=True)
    return {**record, "reused": False}


def load_examples(path: Path, limit: int) -> list[dict]:
    """The first `limit` questions of a SQuAD JSON file, or of JSON Lines (or a JSON list) of records with
    question/context fields (and optionally id and answers, as SQuAD's or a list of texts)."""
    text = path.read_text(encoding="utf-8")
    rows = []
    try:
        data = json.loads(text)  # SQuAD JSON or a list of records
    except json.JSONDecodeError:
        data = None  # JSON Lines
    if isinstance(data, dict):
        for article in data["data"]:
            for para in article["paragraphs"]:
                for qa in para["qas"]:
                    rows.append({"id": qa.get("id", str(len(rows))), "question": qa["question"],
                                 "context": para["context"], "gold": [a["text"] for a in qa.get("answers", [])]})
    else:
        records = data if isinstance(data, list) else [json.loads(x) for x in text.splitlines() if x.strip()]
        for i, r in enumerate(records):
            gold = r.get("answers", [])
            gold = gold.get("text", []) if isinstance(gold, dict) else [a["text"] if isinstance(a, dict) else a
                                                                        for a in gold]
            rows.append({"id": str(r.get("id", i)), "question": r["question"], "context": r["context"], "gold": gold})
    if not rows:
        raise SystemExit(f"qa_pipeline: no examples in {path}")
    return rows[:limit]


def run_pipeline(model: str, examples_file: Path, args, out: Path) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": str(args.threads),
           "RAYON_NUM_THREADS": str(args.threads)}
    env.pop("PYTHONPATH", None)  # nothing from the main venv leaks into the 4.57 one
    cmd = [str(venv_python()), str(WORKER), "--model", model, "--examples", str(examples_file), "--out", str(out),
           "--batch-size", str(args.batch_size), "--max-answer-length", str(args.max_answer_length),
           "--threads", str(args.threads), "--max-seq-len", str(MAX_LENGTH), "--doc-stride", str(DOC_STRIDE)]
    print("pipeline side:", " ".join(cmd), flush=True)
    proc = subprocess.run(cmd, env=env, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"qa_pipeline: the pipeline worker failed (exit {proc.returncode}); its output is above")
    return json.loads(out.read_text())


def run_distilkit(model: str, examples: list[dict], args, backend: str = "torch") -> dict:
    import torch

    from distilkit import QuestionAnswerer

    torch.set_num_threads(args.threads)
    questions, contexts = [e["question"] for e in examples], [e["context"] for e in examples]
    qa = QuestionAnswerer(model, batch_size=args.batch_size, max_length=MAX_LENGTH, doc_stride=DOC_STRIDE,
                          max_answer_length=args.max_answer_length, backend=backend)  # ONNX export happens here
    n_warm = min(len(examples), max(8, args.batch_size))
    qa.predict(questions[:n_warm], contexts[:n_warm], top_k=1)  # warm-up
    started = time.perf_counter()
    preds = qa.predict(questions, contexts, top_k=1)
    seconds = time.perf_counter() - started
    answers = [{k: p[0][k] for k in ("answer", "score", "start", "end")} if p else None for p in preds]
    versions = {"python": sys.version.split()[0], "torch_threads": torch.get_num_threads()}
    for pkg in ("torch", "transformers", "tokenizers", "numpy", "distilkit"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    return {"versions": versions, "run": {"batch_size": args.batch_size, "seconds": round(seconds, 3),
                                          "examples_per_s": round(len(examples) / seconds, 2), "answers": answers}}


def normalize(s: str) -> str:
    """SQuAD v1.1 answer normalisation (lower case, no punctuation, articles or extra spaces)."""
    s = "".join(ch for ch in s.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", s).split())


def exact_match(answers: list, examples: list[dict]) -> float | None:
    scored = [(a, e["gold"]) for a, e in zip(answers, examples) if e["gold"]]
    if not scored:
        return None
    return round(sum(a is not None and normalize(a["answer"]) in {normalize(g) for g in gold}
                     for a, gold in scored) / len(scored), 4)


def agreement(a: list, b: list) -> tuple[float, float]:
    text = sum(x is not None and y is not None and x["answer"] == y["answer"] for x, y in zip(a, b))
    offsets = sum(x is not None and y is not None and (x["start"], x["end"]) == (y["start"], y["end"])
                  for x, y in zip(a, b))
    return round(text / len(a), 4), round(offsets / len(a), 4)


def brief(a: dict | None) -> dict | None:
    return None if a is None else {"answer": a["answer"], "score": round(a["score"], 6), "start": a["start"],
                                   "end": a["end"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", help="an extractive QA folder (AutoModelForQuestionAnswering + its tokenizer)")
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "squad" / "dev-v1.1.json"),
                    help="SQuAD JSON or JSON Lines with question/context fields")
    ap.add_argument("--limit", type=int, default=500, help="the first N examples, in file order")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--max-answer-length", type=int, default=15, help="tokens; the pipeline's max_answer_len")
    ap.add_argument("--threads", type=int, default=2, help="torch threads, both sides")
    ap.add_argument("--name", default="qa_pipeline", help="result file: bench/results/NAME.json")
    ap.add_argument("--setup-only", action="store_true", help="create bench/work/venv-tf457 and stop")
    args = ap.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ["RAYON_NUM_THREADS"] = str(args.threads)  # the tokenizers' thread pool: same on both sides

    install = ensure_venv()
    print(f"venv-tf457: {'reused' if install['reused'] else 'created'} (install took {install['install_s']} s)")
    if args.setup_only:
        return
    if not args.model:
        ap.error("--model is required")
    model = str(Path(args.model).resolve())
    examples = load_examples(Path(args.data), args.limit)
    print(f"{len(examples)} examples from {args.data}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        ex_file = Path(tmp) / "examples.json"
        ex_file.write_text(json.dumps([{k: e[k] for k in ("id", "question", "context")} for e in examples]))
        pipe = run_pipeline(model, ex_file, args, Path(tmp) / "pipeline.json")
    print("distilkit side ...", flush=True)
    dk = run_distilkit(model, examples, args)
    dk_onnx = run_distilkit(model, examples, args, backend="onnx")
    extra = {b: run_distilkit(model, examples, args, backend=b)["run"] for b in EXTRA_BACKENDS}

    runs = {**pipe["runs"], "distilkit": dk["run"], "distilkit_onnx": dk_onnx["run"],
            **{f"distilkit_{b}": run for b, run in extra.items()}}
    ref, dk_answers = runs["pipeline_batched"]["answers"], runs["distilkit"]["answers"]
    answer_agreement, offset_agreement = agreement(dk_answers, ref)
    cfg_answer, cfg_offset = agreement(runs["pipeline_batch1"]["answers"], ref)
    best = max(runs["pipeline_batch1"]["examples_per_s"], runs["pipeline_batched"]["examples_per_s"])
    same = [abs(d["score"] - p["score"]) for d, p in zip(dk_answers, ref) if d and p and d["answer"] == p["answer"]]
    metrics = {
        "answer_agreement": answer_agreement, "offset_agreement": offset_agreement,
        "answer_agreement_vs_pipeline_batch1": agreement(dk_answers, runs["pipeline_batch1"]["answers"])[0],
        "pipeline_configs_answer_agreement": cfg_answer, "pipeline_configs_offset_agreement": cfg_offset,
        "max_score_diff_on_identical_answers": round(max(same), 6) if same else None,
        "speedup_vs_pipeline_best": round(dk["run"]["examples_per_s"] / best, 2),
        "speedup_vs_pipeline_batch1": round(dk["run"]["examples_per_s"] / runs["pipeline_batch1"]["examples_per_s"], 2),
    }
    for name in runs:
        em = exact_match(runs[name]["answers"], examples)
        if em is not None:
            metrics[f"{name}_exact_match"] = em
    onnx_answers = runs["distilkit_onnx"]["answers"]
    metrics["onnx_answer_agreement"], metrics["onnx_offset_agreement"] = agreement(onnx_answers, ref)
    metrics["onnx_speedup_vs_pipeline_best"] = round(dk_onnx["run"]["examples_per_s"] / best, 2)
    metrics["onnx_speedup_vs_pipeline_batch1"] = round(
        dk_onnx["run"]["examples_per_s"] / runs["pipeline_batch1"]["examples_per_s"], 2)
    pipeline_em = metrics.get("pipeline_batched_exact_match")
    for backend in ["torch", "onnx", *EXTRA_BACKENDS]:
        name = "distilkit" if backend == "torch" else f"distilkit_{backend}"
        key = backend.replace("-", "_")
        metrics[f"{key}_answer_agreement"], _ = agreement(runs[name]["answers"], ref)
        metrics[f"{key}_speedup_vs_pipeline_best"] = round(runs[name]["examples_per_s"] / best, 2)
        if pipeline_em is not None:
            metrics[f"{key}_exact_match_change_points"] = round(100 * (metrics[f"{name}_exact_match"] - pipeline_em), 2)
    metrics["targets_met"] = {k: metrics[k] >= v for k, v in TARGETS.items()}
    metrics["onnx_targets_met"] = {k: metrics["onnx_" + k] >= v for k, v in TARGETS.items()}
    disagreements = [{"id": e["id"], "question": e["question"], "pipeline": brief(p), "distilkit": brief(d)}
                     for e, p, d in zip(examples, ref, dk_answers)
                     if not (p and d and p["answer"] == d["answer"])][:10]
    timings = {}
    for name, r in runs.items():
        timings[f"{name}_s"] = r["seconds"]
        timings[f"{name}_examples_per_s"] = r["examples_per_s"]
    result = {
        "dataset": f"{os.path.relpath(args.data, ROOT)}: first {len(examples)} questions (file order)",
        "metrics": metrics, "timings": timings,
        "config": {"model": os.path.relpath(model, ROOT) if model.startswith(str(ROOT)) else model,
                   "examples": len(examples), "batch_size": args.batch_size, "max_length": MAX_LENGTH,
                   "doc_stride": DOC_STRIDE, "max_answer_length": args.max_answer_length, "threads": args.threads,
                   "timed_passes": 1, "warmup": True},
        "versions": {"pipeline_env": {**pipe["versions"], "venv": os.path.relpath(VENV, ROOT),
                                      "venv_install_s": install["install_s"], "venv_reused": install["reused"],
                                      "installed": install["installed"]},
                     "distilkit_env": dk["versions"]},
        "runs": {n: {k: v for k, v in r.items() if k != "answers"} for n, r in runs.items()},
        "disagreements": disagreements}
    write_result(args.name, result)
    print()
    print("\n".join(qa_pipeline_table(result)))


if __name__ == "__main__":
    main()
