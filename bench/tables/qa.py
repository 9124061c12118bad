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


def _chosen_targets(r: dict, heading: str) -> str:
    """The clinic benches' target line: each `targets` key against its floor, met or missed as `targets_met` says."""
    return heading + ": " + "; ".join(f"{k} >= {v}: {'met' if r['targets_met'][k] else '**missed**'}"
                                      for k, v in r["targets"].items()) + "."


def clinic_generalisation_table(r: dict) -> list[str]:
    """bench/clinic_generalisation.py: one row per training change; in-distribution, unseen-family, hand-written and
    behaviour-test figures side by side; chosen on validation only (validation_unseen, and since the hand-written
    validation notes exist, the mean of the two; runs before them show — in that column)."""
    def pct(v):
        return "—" if v is None else f"{100 * v:.1f}%"

    def num(v):
        return "—" if v is None else f"{v:.2f}"

    val = "val EM (unseen families)" if "validation_held_out_families" in r["dataset"] else "val EM (train's families)"
    lines = [f"| change | train questions | {val} | hand-written val EM | test EM / F1 | unseen-family EM / F1 | "
             "hand-written EM / F1 | hand-written both-eye notes right | eye-swap tests | invariance tests | "
             "VA-swap tests | train s |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, row in r["rows"].items():
        mark = " **(chosen)**" if name == r["chosen"] else ""
        lines.append(
            f"| `{name}`{mark}: {r['changes'][name]} | {row['train_examples']} | {row['validation_exact_match']:.2f} | "
            f"{num(row.get('val_handwritten_exact_match'))} | {row['test_exact_match']:.2f} / {row['test_f1']:.2f} | "
            f"{row['unseen_exact_match']:.2f} / {row['unseen_f1']:.2f} | {row['handwritten_exact_match']:.2f} / {row['handwritten_f1']:.2f} | "
            f"{pct(row.get('handwritten_both_eye_notes_both_right'))} | {pct(row['behaviour_eye_swap_pass_rate'])} | "
            f"{pct(row['behaviour_invariance_pass_rate'])} | {pct(row['behaviour_va_swap_pass_rate'])} | "
            f"{row['train_s']:.0f} |")
    lines += ["", _chosen_targets(r, "Targets for the chosen row")]
    best = r["rows"][r["chosen"]]
    styles = sorted(k for k in best if k.startswith("handwritten_style_"))
    if styles:
        lines += ["", f"Hand-written exact match per writing style (`{r['chosen']}`):", "",
                  "| " + " | ".join(s[len("handwritten_style_"):-len("_exact_match")] for s in styles) + " |",
                  "|" + "---|" * len(styles), "| " + " | ".join(f"{best[s]:.1f}" for s in styles) + " |"]
    return lines


def clinic_seeds_table(r: dict) -> list[str]:
    """bench/clinic_seeds.py: the variants several clinic-stage seeds share, each column's mean (min-max)."""
    def cell(row, c, scale=1.0, digits=2, unit=""):
        lo, hi, avg = (row[f"{c}_{k}"] * scale for k in ("min", "max", "mean"))
        return f"{avg:.{digits}f}{unit} ({lo:.{digits}f}-{hi:.{digits}f}{unit})"

    lines = ["| change | mean of the two val EMs | val EM: unseen / hand-written | test EM / F1 | unseen-family EM | "
             "hand-written EM / F1 | hand-written both-eye notes right | eye-swap / invariance tests |",
             "|---|---|---|---|---|---|---|---|"]
    for name, row in r["rows"].items():
        mark = " **(chosen)**" if name == r["chosen"] else ""
        lines.append(
            f"| `{name}`{mark} | {row['choice_mean']:.2f} | {row['validation_exact_match_mean']:.2f} / "
            f"{row['val_handwritten_exact_match_mean']:.2f} | {row['test_exact_match_mean']:.2f} / "
            f"{row['test_f1_mean']:.2f} | {cell(row, 'unseen_exact_match')} | {cell(row, 'handwritten_exact_match')} / "
            f"{row['handwritten_f1_mean']:.2f} | {cell(row, 'handwritten_both_eye_notes_both_right', 100, 0, '%')} | "
            f"{100 * row['behaviour_eye_swap_pass_rate_mean']:.1f}% / {100 * row['behaviour_invariance_pass_rate_mean']:.1f}% |")
    return lines + ["", _chosen_targets(r, "Targets for the chosen row's means")]


NOANS_SPLITS = [("test", "own test (generated, in-distribution)"), ("unseen", "unseen template families"),
                ("handwritten", "hand-written notes")]


def clinic_noans_table(r: dict) -> list[str]:
    """Per scored split: all / HasAns / NoAns with the SQuAD v2 rules, and ECE; means over seeds (min-max)."""
    m, rng = r["metrics"], r["seed_range"]

    def cell(key: str, digits: int = 2) -> str:
        low, high = rng[key]["min"], rng[key]["max"]
        spread = f" ({low:.{digits}f}–{high:.{digits}f})" if len(r["seeds"]) > 1 else ""
        return f"{m[key]:.{digits}f}{spread}"

    lines = ["| split | EM | F1 | HasAns EM | HasAns F1 | NoAns accuracy | ECE |", "|---|---|---|---|---|---|---|"]
    for key, title in NOANS_SPLITS:
        lines.append(f"| {title} | " + " | ".join(cell(f"{key}_{c}") for c in (
            "exact_match", "f1", "has_ans_exact_match", "has_ans_f1", "no_ans_exact_match")) +
            f" | {cell(f'{key}_ece', 3)} |")
    targets = ", ".join(f"{k} {'<=' if 'at most' in k else '>='} {v}" for k, v in r["targets"].items())
    met = [k.removeprefix("target_") for k, v in m.items() if k.startswith("target_") and not v]
    return lines + ["", f"Behaviour tests (tests/behaviour/clinic.yaml): no-answer tests pass {m['behaviour_no_answer_pass_rate']:.2%}, "
                    f"eye-swap tests {m['behaviour_eye_swap_pass_rate']:.2%}; answers given above a confidence of 0.5 "
                    f"that were wrong, over both: {m['confident_wrong_answers']:g} (mean per seed). No-answer threshold "
                    f"chosen per seed on validation: {m['null_threshold']:.3f} (mean).",
                    "", f"Targets ({targets}): " + ("all met." if not met else "missed: " + ", ".join(met) + ".")]
