"""Tables for the CLI's start-up time (bench/cli_start.py), preemption (bench/resume.py) and memory
(bench/peak_rss.py)."""
from __future__ import annotations


def cli_start_table(r: dict) -> list[str]:
    m = r["metrics"]
    torch_row = "predict_torch_one_text_s" in m  # runs before training.onnx_graph timed only the torch path
    export = (f", {'met' if m['target_predict_export_under_1_5s'] else 'missed'} for its export, whose default "
              f"backend is the int8 graph ({m['predict_export_one_text_s']:.2f} s)"
              if "predict_export_one_text_s" in m else "")
    rows = [("`distilkit --help`", "help_s"), ("`distilkit train --help`", "train_help_s"),
            ("recipe not found (exit 2)", "recipe_error_s"), ("bad recipe field via --set (exit 2)", "recipe_field_error_s"),
            ("`predict --batch-size 0` (exit 2)", "argument_error_s"),
            ("baseline: importing torch, transformers, scikit-learn, datasets", "eager_imports_baseline_s"),
            ("`distilkit predict MODEL \"one text\"`, whole command" + (
                " (a training folder, its default backend: `auto` -> its checked fp32 ONNX graph)" if torch_row else ""),
             "predict_one_text_s"),
            ("... of which: start (import the CLI)", "predict_split_start_s"),
            ("... load the model", "predict_split_load_s"), ("... predict", "predict_split_predict_s"),
            ("`distilkit predict MODEL \"one text\" --backend torch` (PyTorch and transformers imported)",
             "predict_torch_one_text_s"),
            ("`distilkit predict m \"one text\" --server URL` (a running `distilkit serve`)", "predict_via_server_s"),
            ("`distilkit predict EXPORT \"one text\"` (the folder after `distilkit export --backend onnx-int8`: no "
             "PyTorch, no transformers)", "predict_export_one_text_s"),
            ("... of which: start", "predict_export_split_start_s"), ("... load the model", "predict_export_split_load_s"),
            ("... predict", "predict_export_split_predict_s")]
    lines = ["| command | median seconds |", "|---|---|"] + [f"| {name} | {m[key]:.3f} |" for name, key in rows
                                                            if key in m]
    backend = (f"`auto`, which runs its checked fp32 ONNX graph for one-off calls ({m['predict_one_text_s']:.2f} s; "
               f"{m['predict_torch_one_text_s'] / m['predict_one_text_s']:.1f}x faster than `--backend torch`, "
               f"{m['predict_torch_one_text_s']:.2f} s)" if torch_row else f"torch ({m['predict_one_text_s']:.2f} s)")
    return lines + ["", f"Help and error paths under 0.2 s: {'met' if m['target_help_and_errors_under_0_2s'] else 'missed'}; "
                    f"`--help` is {m['help_speedup_vs_eager']}x faster than the eager-import baseline. {r['model']}."] + (
        [f"`distilkit predict MODEL \"text\"` under 1.5 s with the default backend (issue 31): "
         f"{'met' if m['target_predict_under_1_5s'] else 'missed'} for a training folder, whose default backend is "
         f"{backend}{export}; with `--server`, {m['predict_via_server_s']:.2f} s."]
        if "target_predict_under_1_5s" in m else [])


def resume_table(r: dict) -> list[str]:
    m, t = r["metrics"], r["timings"]
    return ["| run | test accuracy | seconds |", "|---|---|---|",
            f"| left alone | {m['straight_test_accuracy']:.4f} | {t['straight_run_s']} |",
            f"| SIGTERM at step {m['signal_checkpoint_step']} (epoch 2), then `--resume` | "
            f"{m['resumed_test_accuracy']:.4f} | {t['stopped_run_until_signal_s']} + {t['resumed_run_s']} |", "",
            f"Exit code after the signal: {m['exit_code_after_signal']}, {m['signal_to_exit_s']} s after it (the step "
            f"finished and its checkpoint was written). Largest weight difference between the two final models: "
            f"{m['max_abs_weight_difference']:.3g}; test accuracy difference {m['test_accuracy_difference']:.4f}.",
            f"The run's message: `{r['message']}`"]


def peak_rss_table(r: dict) -> list[str]:
    m, t = r["metrics"], r["timings"]
    recipes = [k[:-len("_peak_rss_gb")] for k in m if k.endswith("_peak_rss_gb")
               and not k.endswith("_before_peak_rss_gb") and k != "max_peak_rss_gb"]
    commits = r.get("commits", {})
    lines = ["| recipe | peak RSS GB | before the change | seconds | commit |", "|---|---|---|---|---|"]
    for name in recipes:
        before = m.get(f"{name}_before_peak_rss_gb")
        lines.append(f"| {name} | {m[f'{name}_peak_rss_gb']} | {before if before is not None else ''} | "
                     f"{t.get(f'{name}_s', '')} | {commits.get(name, r['commit'])} |")
    lines.append(f"| **largest** | {m['max_peak_rss_gb']} | | | |")
    failed = f" Failed: {', '.join(r['failed'])}." if r.get("failed") else ""
    return lines + ["", f"Each run: every row read and featurised, validation and test scored, behaviour tests run, "
                    f"training stopped after {r['steps']} steps. Seconds are not comparable between rows (other work ran "
                    f"beside some runs); the memory is each child's own maximum."
                    + (f" 'Before': the same recipe from {r['baseline']}, the code before the change."
                       if r.get("baseline") else "")
                    + f" Recipes over 2.5 GB (issue 31's target): {m['recipes_over_limit']} of the "
                    f"{len(recipes)} run.{failed}"]
