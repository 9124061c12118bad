"""NLI and zero-shot tables (bench/nli.py, zero_shot.py, zero_shot_distill.py)."""
from __future__ import annotations

from .format import fmt


NLI_TESTS = [("mnli_half2", "MultiNLI dev-matched, held-out half 2"), ("mnli_full", "MultiNLI dev-matched, all"),
             ("anli_r1", "ANLI R1"), ("anli_r2", "ANLI R2"), ("anli_r3", "ANLI R3")]


def nli_table(r: dict) -> list[str]:
    m, t = r["metrics"], r["timings"]
    variants = [v for v in ("with_mnli", "no_mnli") if f"{v}_validation_accuracy" in m]
    lines = ["| test set | " + " | ".join(f"{v}: accuracy (macro F1)" for v in variants) + " |",
             "|---|" + "---|" * len(variants)]
    for key, title in NLI_TESTS:
        cells = [f"{m[f'{v}_{key}_accuracy']:.4f} ({m[f'{v}_{key}_f1_macro']:.4f})" if f"{v}_{key}_accuracy" in m
                 else "—" for v in variants]
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    lines.append("| validation (5% of train, model selection) | " +
                 " | ".join(f"{m[f'{v}_validation_accuracy']:.4f}" for v in variants) + " |")
    lines.append("| training time (s) | " + " | ".join(fmt(t[f"{v}_train_runtime_s"]) for v in variants) + " |")
    if "gap_to_reference_points" in m:
        lines += ["", f"Reference card: {r['reference']['mnli_matched_accuracy']} matched accuracy (393k MultiNLI train "
                  f"pairs); with_mnli on the held-out half: {m['gap_to_reference_points']} points below it."]
    return lines


def zero_shot_table(r: dict) -> list[str]:
    m = r["metrics"]
    lines = [f"Pipeline's best batch size (of {', '.join(map(str, r['pipeline_batch_sweep']))}): "
             f"{m['pipeline_best_batch_size']}.", "",
             "| labels | run | texts/s | pairs/s | top label identical to the pipeline | speed-up vs pipeline default | "
             "vs pipeline best batch |", "|---|---|---|---|---|---|---|"]
    for n in ("6", "20"):
        lines.append(f"| {n} | pipeline, default (batch 1) | {m[f'labels{n}_pipeline_default_texts_per_s']} | — | "
                     f"{m[f'labels{n}_pipeline_configs_agreement']:.2%} (vs its best batch) | 1.00x | — |")
        lines.append(f"| {n} | pipeline, best batch | {m[f'labels{n}_pipeline_best_texts_per_s']} | "
                     f"{m[f'labels{n}_pipeline_best_pairs_per_s']} | — | — | 1.00x |")
        for backend in ("torch", "onnx", "onnx-int8"):
            k = f"labels{n}_{backend}"
            lines.append(f"| {n} | distilkit {backend} | {m[f'{k}_texts_per_s']} | {m[f'{k}_pairs_per_s']} | "
                         f"{m[f'{k}_top_label_agreement']:.2%} | {m[f'{k}_speedup_vs_pipeline_default']}x | "
                         f"{m[f'{k}_speedup_vs_pipeline_best']}x |")
    if "emotion_test_zero_shot_accuracy" in m:
        lines += ["", "| zero-shot accuracy (torch) | accuracy | macro F1 |", "|---|---|---|",
                  f"| emotion test (6 labels) | {m['emotion_test_zero_shot_accuracy']:.4f} | "
                  f"{m['emotion_test_zero_shot_f1_macro']:.4f} |",
                  f"| SST-2 dev (negative, positive) | {m['sst2_dev_zero_shot_accuracy']:.4f} | "
                  f"{m['sst2_dev_zero_shot_f1_macro']:.4f} |"]
    return lines


def zero_shot_distill_table(r: dict) -> list[str]:
    m = r["metrics"]
    return ["| model | emotion test accuracy | macro F1 | texts/s (onnx-int8) |", "|---|---|---|---|",
            f"| zero-shot teacher (NLI model, 6 labels) | {m['teacher_test_accuracy']:.4f} | "
            f"{m['teacher_test_f1_macro']:.4f} | {m['teacher_texts_per_s_onnx_int8']} |",
            f"| 3-layer student (no human labels) | {m['student_test_accuracy']:.4f} | {m['student_test_f1_macro']:.4f} | "
            f"{m['student_texts_per_s_onnx_int8']} |", "",
            f"Student − teacher: {m['student_minus_teacher_points']:+.2f} points at {m['speedup']}x the throughput "
            f"(targets: within {r['targets']['accuracy_gap_points_max']} point, >= {r['targets']['speedup_min']}x)."]


ZERO_SHOT = [("nli", "NLI: recipes/nli.yaml, with and without MultiNLI text (one run per variant)", nli_table),
             ("zero_shot", "Zero-shot classification: distilkit vs transformers' ZeroShotClassificationPipeline "
              "(one run)", zero_shot_table),
             ("zero_shot_distill", "Zero-shot distillation on emotion: student vs its zero-shot teacher (one run)",
              zero_shot_distill_table)]
