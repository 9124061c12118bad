"""Extractive QA tables: scores per seed (bench/qa_seeds.py) and inference vs the transformers pipeline (bench/qa_pipeline.py)."""
from __future__ import annotations


def qa_seeds_table(r: dict) -> list[str]:
    """bench/qa_seeds.py: exact match and F1 per seed, mean and spread."""
    splits = [k[:-len("_exact_match")] for k in r["metrics"] if k.endswith("_exact_match") and "ans" not in k]
    head = " | ".join(f"{s} EM | {s} F1" for s in splits)
    lines = [f"| seed | {head} | train time (s) | train ex/s |", "|---|" + "---|---|" * len(splits) + "---|---|"]
    for run in r["runs"]:
        m = run["metrics"]
        cells = " | ".join(f"{m[f'{s}_exact_match']:.2f} | {m[f'{s}_f1']:.2f}" for s in splits)
        lines.append(f"| {run['seed']} | {cells} | {run['train_runtime_s']:.0f} | {run['train_examples_per_s']:.1f} |")
    sp = r["spread"]
    cells = " | ".join(f"{sp[f'{s}_exact_match']['mean']:.2f} ± {sp[f'{s}_exact_match']['std']:.2f} | "
                       f"{sp[f'{s}_f1']['mean']:.2f} ± {sp[f'{s}_f1']['std']:.2f}" for s in splits)
    lines.append(f"| **mean ± std** | {cells} | | |")
    if r.get("targets"):
        lines += ["", "Targets (reference card): " + "; ".join(f"{k}: {'met' if ok else 'missed'}"
                                                              for k, ok in r["targets"].items()) + "."]
    return lines


def qa_pipeline_table(r: dict) -> list[str]:
    def cell(text: str) -> str:  # one markdown table cell
        return " ".join(text.split()).replace("|", "\\|")

    def answer(a: dict | None) -> str:
        return "—" if a is None else cell(f'"{a["answer"]}" ({a["score"]:.4g})')

    m, c = r["metrics"], r["config"]
    lines = [f"{c['examples']} questions, batch size {c['batch_size']}, max length {c['max_length']}, doc stride "
             f"{c['doc_stride']}, max answer length {c['max_answer_length']}, {c['threads']} torch threads on both "
             f"sides; pipeline: transformers {r['versions']['pipeline_env']['transformers']} in its own venv; a "
             "warm-up pass, then one timed pass each.", "",
             "| run | batch size | seconds | examples/s | answers identical to pipeline_batched |",
             "|---|---|---|---|---|"]
    agree = {"pipeline_batch1": m["pipeline_configs_answer_agreement"], "distilkit": m["answer_agreement"],
             "distilkit_onnx": m.get("onnx_answer_agreement")}
    for name, run in r["runs"].items():
        lines.append(f"| {name} | {run['batch_size']} | {run['seconds']} | {run['examples_per_s']} | "
                     f"{'—' if name not in agree else f'{agree[name]:.2%}'} |")
    lines += ["", f"distilkit vs the best pipeline config: **{m['speedup_vs_pipeline_best']}x** examples/s, vs the "
              f"pipeline's default (batch 1): {m['speedup_vs_pipeline_batch1']}x; identical answers "
              f"**{m['answer_agreement']:.2%}**, identical start/end offsets {m['offset_agreement']:.2%}. Targets: "
              + "; ".join(f"{k} {'met' if ok else 'missed'}" for k, ok in m["targets_met"].items()) + "."]
    if "onnx_answer_agreement" in m:
        lines += ["", f"distilkit with `backend=\"onnx\"` (ONNX Runtime, fp32): **{m['onnx_speedup_vs_pipeline_best']}x** the "
                  f"best pipeline config, {m['onnx_speedup_vs_pipeline_batch1']}x its default; identical answers "
                  f"**{m['onnx_answer_agreement']:.2%}**, offsets {m['onnx_offset_agreement']:.2%}. Targets: "
                  + "; ".join(f"{k} {'met' if ok else 'missed'}" for k, ok in m["onnx_targets_met"].items()) + "."]
    per_backend = [b for b in ("torch", "onnx", "torch_bf16", "onnx_int8") if f"{b}_speedup_vs_pipeline_best" in m]
    if per_backend:
        lines += ["", "| distilkit backend | speed-up vs best pipeline config | answers identical | EM change (points) |",
                  "|---|---|---|---|"]
        lines += [f"| {b} | {m[f'{b}_speedup_vs_pipeline_best']}x | {m[f'{b}_answer_agreement']:.2%} | "
                  f"{m.get(f'{b}_exact_match_change_points', '—')} |" for b in per_backend]
    if r["disagreements"]:
        lines += ["", "| question | pipeline answer (score) | distilkit answer (score) |", "|---|---|---|"]
        lines += [f"| {cell(d['question'])} | {answer(d['pipeline'])} | {answer(d['distilkit'])} |"
                  for d in r["disagreements"]]
    return lines
