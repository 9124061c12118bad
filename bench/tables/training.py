"""Training tables: full recipe runs, training speed, distillation, a real teacher, own data."""
from __future__ import annotations

from .format import fmt

# Targets from the issues: (metric or timing, comparison, value). SST-2's "test" is GLUE dev (test labels are private).
RECIPES = {
    "emotion": [("test_accuracy", ">=", 0.93), ("train_runtime_s", "<=", 600)],
    "sst2": [("test_accuracy", ">=", 0.90)],
    "clinc": [("validation_accuracy", ">=", 0.945), ("test_accuracy", ">=", 0.87)],
}


def is_variant(name: str, recipe: str) -> bool:
    """A recipe's own run or a variant of it (RECIPE_something, made with --set); teacher and KD results
    have their own table."""
    return name == recipe or (name.startswith(recipe + "_") and not any(k in name for k in ("_teacher", "_kd")))


def verdicts(r: dict, targets) -> str:
    values = {**r["metrics"], **r["timings"]}
    out = []
    for key, op, target in targets:
        ok = values[key] >= target if op == ">=" else values[key] <= target
        out.append(f"{key} {op} {target}: {'met' if ok else 'missed'} ({fmt(values[key])})")
    return "; ".join(out)


def recipe_table(results: dict) -> list[str]:
    lines = ["| recipe | validation acc | test acc | test macro F1 | extra | train time (s) | train ex/s | peak RSS (MB) | target |",
             "|---|---|---|---|---|---|---|---|---|"]
    # A recipe's own run, then its variants (results named RECIPE_something, e.g. made with --set).
    rows = [(n, targets) for recipe, targets in RECIPES.items() for n in results if is_variant(n, recipe)]
    for name, targets in rows:
        r = results[name]
        m, t = r["metrics"], r["timings"]
        extra = (f"test in-scope acc {fmt(m['test_in_scope_accuracy'])}, OOS recall {fmt(m['test_oos_recall'])}"
                 if "test_oos_recall" in m else f"test weighted F1 {fmt(m['test_f1_weighted'])}")
        lines.append(f"| {name} | {fmt(m.get('validation_accuracy', '—'))} | {fmt(m.get('test_accuracy', '—'))} | "
                     f"{fmt(m.get('test_f1_macro', '—'))} | {extra} | {fmt(t['train_runtime_s'])} | "
                     f"{fmt(t['train_examples_per_s'])} | {r.get('peak_rss_mb', '—')} | {verdicts(r, targets)} |")
    return lines


def speed_table(r: dict) -> list[str]:
    lines = ["| run | train time (s) | train ex/s | validation acc | speed-up vs Trainer pad-128 | vs Trainer dynamic |",
             "|---|---|---|---|---|---|"]
    for name, run in r["runs"].items():
        m = r["metrics"]
        lines.append(f"| {name} | {run['train_s']} | {run['examples_per_s']} | {run['validation_accuracy']:.4f} | "
                     f"{m[name + '_speedup_vs_trainer_pad128']:.2f}x | {m[name + '_speedup_vs_trainer_dynamic']:.2f}x |")
    return lines


def train_speed_table(r: dict) -> list[str]:
    """The emotion recipe before and after each training-speed lever (bench/train_speed.py)."""
    m = r["metrics"]
    lines = ["| variant | what changes | precision ran | train s | x recipe | wall s | validation acc | test acc | "
             "test macro-F1 |", "|---|---|---|---|---|---|---|---|---|"]
    for name, v in r["variants"].items():
        lines.append(f"| {name}{' (chosen)' if name == r['chosen'] else ''} | {v['lever']} | {v['precision']} | "
                     f"{m[name + '_train_s']} | {m[name + '_train_time_ratio']:.2f} | {m[name + '_wall_s']} | "
                     f"{m[name + '_validation_accuracy']:.4f} | {m[name + '_test_accuracy']:.4f} | "
                     f"{m[name + '_test_f1_macro']:.4f} |")
    chosen = r["chosen"]
    return lines + ["", f"Chosen on {r['chosen_on']}: **{chosen}**, {m['chosen_train_time_ratio']:.2f}x the recipe's "
                    f"training time, test accuracy {m['chosen_test_accuracy']:.4f}. Target (issue 31): >= 0.93 test "
                    f"accuracy in <= 0.5x the recipe's time: {'met' if m['target_met'] else 'missed'}. Variants run "
                    "one after another, alone; this machine's speed drifts during a run (the same step rate varied "
                    "1.6-2.4 it/s within the recipe's run), so the ratio carries that noise."]


def distill_tables(r: dict) -> list[str]:
    cols = ["validation_accuracy", "test_accuracy", "test_in_scope_accuracy", "test_oos_recall", "parameters",
            "size_mb", "latency_ms_batch1", "throughput_batch32"]
    lines = ["| model | " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for name, row in r["rows"].items():
        cells = [f"{row[c]:,}" if c == "parameters" else fmt(row[c]) for c in cols]
        lines.append(f"| {name}{' (best)' if name == r['best_student'] else ''} | " + " | ".join(cells) + " |")
    m = r["metrics"]
    lines += ["", f"Best student (chosen on validation accuracy): **{r['best_student']}**, test accuracy "
              f"{m['best_student_test_gap']:.4f} below the teacher, {m['best_student_throughput_ratio']}x its batch-32 "
              "throughput.", "",
              "One epoch of training each way (same student and data; seconds include computing teacher logits "
              "where the run had to):", "",
              "| run | train s | teacher logits s | train + teacher s | ratio vs plain fine-tuning |", "|---|---|---|---|---|"]
    for name, t in r["timings"]["epoch_timing"].items():
        lines.append(f"| {name} | {t['train_s']} | {t['teacher_logits_s']} | {t['train_plus_teacher_s']} | "
                     f"{t['ratio_vs_plain']:.3f} |")
    return lines


def teacher_kd_table(r: dict) -> list[str]:
    first = next(iter(r["rows"].values()))
    scores = [c for c in ("validation_accuracy", "validation_accuracy_argmax", "test_accuracy",
                          "test_accuracy_argmax", "test_in_scope_accuracy", "test_oos_recall", "test_f1_macro")
              if c in first]
    cols = scores + ["parameters", "size_mb", "latency_ms_batch1", "throughput_batch32", "train_s"]
    names = {"teacher_mpnet_base": "teacher: mpnet-base (110M)", "minilm_l6_kd": "MiniLM-L6, KD from the teacher",
             "minilm_l6_alone": "MiniLM-L6 fine-tuned alone"}
    lines = ["| model | " + " | ".join(c.replace("_", " ") for c in cols) + " |", "|---|" + "---|" * len(cols)]
    for name, row in r["rows"].items():
        cells = ["same as KD" if c not in row and name == "minilm_l6_alone" else
                 (f"{row[c]:,}" if c == "parameters" else fmt(row.get(c, "—"))) for c in cols]
        lines.append(f"| {names.get(name, name)} | " + " | ".join(cells) + " |")
    m = r["metrics"]
    lines += ["", f"KD student vs MiniLM-L6 alone: {m['kd_minus_alone_test_points']:+.2f} points on test "
              f"({m['kd_minus_alone_validation_points']:+.2f} on validation); teacher minus KD student: "
              f"{m['teacher_minus_kd_test_points']:+.2f} points on test; the student is "
              f"{m['kd_speedup_vs_teacher']}x the teacher's batch-32 throughput. KD settings: alpha "
              f"{r['settings']['alpha']}, temperature {r['settings']['temperature']}. Targets: "
              + "; ".join(f"{k}: {'met' if v else 'missed'}" for k, v in r["targets_met"].items()) + ".",
              *(["Accuracy is as evaluated, with the out-of-scope threshold tuned on validation (balanced "
                 "objective); 'argmax' is the same model without the threshold."] if "test_accuracy_argmax" in first
                else []),
              f"Sources: {r['sources']['teacher']}; {r['sources']['minilm_l6_alone']}. Train times are seconds on "
              "the machine named in each source; the teacher logits took "
              f"{r['timings']['teacher_logits_s']} s of the student's run."]
    return lines


def own_data_table(results: dict) -> list[str]:
    lines = ["| data | command (defaults only) | chosen | validation acc | test acc | tuned recipe test acc | "
             "points vs tuned | train time (s) | target |", "|---|---|---|---|---|---|---|---|---|"]
    for name in [n for n in results if n.startswith("own_data_")]:
        r = results[name]
        m, t = r["metrics"], r["timings"]
        chosen = "; ".join(c.split("   #")[0] for c in r["chosen_settings"])
        lines.append(f"| {name.removeprefix('own_data_')} | `{r['cli']}` | {chosen} | {fmt(m['validation_accuracy'])} | "
                     f"{fmt(m['test_accuracy'])} | {fmt(m['tuned_test_accuracy'])} | {m['test_points_vs_tuned']:+.2f} | "
                     f"{fmt(t['train_runtime_s'])} | within 0.5 point: "
                     f"{'met' if m['target_within_0.5_point_of_tuned'] else 'missed'} |")
    rerun, own = results.get("clinc_rerun"), results.get("own_data_clinc")
    if rerun and own and own["metrics"]["tuned_test_accuracy"] != rerun["metrics"]["test_accuracy"]:
        # clinc.json predates the out-of-scope threshold; clinc_rerun.json is the same recipe with today's code.
        diff = 100 * (own["metrics"]["test_accuracy"] - rerun["metrics"]["test_accuracy"])
        lines += ["", f"CLINC against the recipe rerun with the same code (clinc_rerun.json, out-of-scope threshold "
                  f"tuned on validation): test {rerun['metrics']['test_accuracy']:.4f}, {diff:+.2f} points."]
    return lines


TEACHERS = [("clinc_kd", "A real teacher: mpnet-base on CLINC150 plus, distilled into MiniLM-L6 (one run per row "
             "source)", teacher_kd_table),
            ("emotion_kd", "A real teacher: mpnet-base on emotion, distilled into MiniLM-L6", teacher_kd_table)]


def train_profile_table(r: dict) -> list[str]:
    """Where one emotion-recipe training step spends its time, fp32 and bf16 (bench/train_profile.py)."""
    m = r["metrics"]
    lines = ["| phase | fp32 ms/step | share | bf16 ms/step | share |", "|---|---|---|---|---|"]
    for phase in ("collate", "forward", "backward", "optimizer"):
        lines.append(f"| {phase} | {m[f'fp32_{phase}_ms_per_step']} | {m[f'fp32_{phase}_share']:.1%} | "
                     f"{m[f'bf16_{phase}_ms_per_step']} | {m[f'bf16_{phase}_share']:.1%} |")
    lines.append(f"| **step** | {m['fp32_step_ms']} | | {m['bf16_step_ms']} ({m['bf16_step_speedup']}x) | |")
    return lines + ["", f"Padding in length-grouped batches: {m['fp32_pad_share']:.1%} of the tokens, the most sequence "
                    "packing could remove, so packing was not built. One pass over the 2,000 validation rows (each "
                    f"epoch ends with one): {m['fp32_validation_pass_s']} s fp32, {m['bf16_validation_pass_s']} s bf16. "
                    f"{r['note'][0].upper()}{r['note'][1:]}."]


def release_memory_table(r: dict) -> list[str]:
    """Training steps with and without training.release_memory (bench/release_memory.py)."""
    m = r["metrics"]
    lines = ["| model (as its recipes train it) | step ms off | step ms on | ratio | peak RSS GB off | on | saved |",
             "|---|---|---|---|---|---|---|"]
    for model, how in (("minilm-l6", "embeddings frozen"), ("mpnet-base", "layers checkpointed")):
        lines.append(f"| {model} ({how}) | {m[f'{model}_off_step_ms']} | {m[f'{model}_on_step_ms']} | "
                     f"{m[f'{model}_step_time_ratio_on_off']} | {m[f'{model}_off_peak_rss_gb']} | "
                     f"{m[f'{model}_on_peak_rss_gb']} | {m[f'{model}_peak_rss_saved_gb']} |")
    return lines + ["", f"Each cell a fresh process, settings alternating over {r['rounds']} rounds; the step time is "
                    "the median of the rounds' medians, the peak the largest of the rounds'."]
