"""Deployment tables: compression, classification inference, compute efficiency, int8 variants."""
from __future__ import annotations

from common import ROOT  # bench/common.py (bench/ is on sys.path)

from .format import fmt, targets_line


def compression_table(r: dict) -> list[str]:
    table = (ROOT / r["table"]).read_text().strip().splitlines() if (ROOT / r["table"]).is_file() else []
    m = r["metrics"]
    return table + ["", f"Out-of-scope thresholds chosen on validation: teacher {m['teacher_threshold']}, student "
                    f"{m['student_threshold']}. Test accuracy without them (argmax): teacher torch "
                    f"{fmt(m.get('teacher_torch_accuracy_without_threshold', float('nan')))}, student onnx-int8 "
                    f"{fmt(m.get('student_onnx-int8_accuracy_without_threshold', float('nan')))}. Student onnx-int8 vs "
                    f"teacher torch: {m['student_int8_throughput_vs_teacher_torch']}x throughput at batch 32, "
                    f"{m['student_int8_latency_speedup_vs_teacher_torch']}x lower p50 latency at batch 1.", "",
                    targets_line(r), "", f"![accuracy against latency]({r['plot'].removeprefix('bench/')})"]


def cls_pipeline_table(r: dict) -> list[str]:
    best = r["metrics"]["pipeline_best_batch"]
    lines = ["| run | batch | texts/s | accuracy | labels identical to the pipeline | speed-up vs pipeline at the same batch |",
             "|---|---|---|---|---|---|"]
    for name, run in r["runs"].items():
        backend, batch = name.rsplit("_b", 1)
        ratio = "—" if backend == "pipeline" else f"{run['texts_per_s'] / r['runs'][f'pipeline_b{batch}']['texts_per_s']:.2f}x"
        lines.append(f"| {backend} | {batch} | {run['texts_per_s']} | {run['accuracy']:.4f} | {run['agreement']:.2%} | "
                     f"{ratio} |")
    return lines + ["", f"The pipeline's best batch size here: {best}."]


def peak_table(r: dict) -> list[str]:
    m = r["metrics"]
    lines = [f"Matmul peaks on this machine (1024³, {r['threads']} threads): fp32 {m['peak_fp32_gflops']} GFLOP/s, bf16 "
             f"{m['peak_bf16_gflops']} GFLOP/s, int8 {m['peak_int8_gflops']} GOP/s (ONNX Runtime MatMulInteger).", "",
             "| backend | texts/s at batch 32 | effective GFLOP/s | fraction of its precision's peak |", "|---|---|---|---|"]
    for backend in ("torch", "torch-bf16", "onnx", "onnx-int8"):
        frac = next(v for k, v in m.items() if k.startswith(f"{backend}_fraction_of_"))
        lines.append(f"| {backend} | {m[f'{backend}_texts_per_s']} | {m[f'{backend}_effective_gflops']} | {frac:.1%} |")
    return lines


def int8_variants_table(r: dict) -> list[str]:
    lines = ["| model | variant | validation accuracy | size MB | nodes kept fp32 |", "|---|---|---|---|---|"]
    lines += [f"| {row['model']} | {row['variant']} | {row['validation_accuracy']:.4f} | {row['size_mb']} | "
              f"{'—' if row['fp32_nodes'] is None else row['fp32_nodes']} |" for row in r["rows"]]
    return lines


DEPLOYMENT = [("compression", "Compression: CLINC150 plus teacher and 3-layer KD student × backends (one run)",
               compression_table),
              ("cls_pipeline", "Classification inference: distilkit vs transformers.pipeline(\"text-classification\") "
               "(emotion model, one run)", cls_pipeline_table),
              ("peak", "Compute efficiency: effective GFLOP/s against this machine's matmul peaks", peak_table),
              ("int8_variants", "int8: which nodes stay fp32 (validation accuracy of variants)", int8_variants_table)]
