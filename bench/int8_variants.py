"""Which nodes must stay fp32 when a model goes int8? Validation accuracy of dynamic int8 variants.

    python bench/int8_variants.py --model bench/work/clinc --data ../shared/data/clinc150/data_oos_plus.json::validation \
        [--model bench/work/emotion --data ../shared/data/emotion/val.txt] [--threads 2]

Per model (on its validation split: this chooses a default, so test data stays unseen), the fp32 ONNX
graph and each int8 variant are scored through the same predictor, decision threshold included:
  all               every MatMul, Gemm and Gather handed to the quantiser, nothing excluded
  default           distilkit's default: activation-by-activation MatMuls (attention Q·Kᵀ, softmax·V) fp32,
                    per-channel weight scales
  per_tensor        the default with one scale per weight tensor
  embeddings_fp32   the default, with the embedding tables (Gather) left fp32
  head_fp32         the default, with the classifier head fp32 too
Writes bench/results/int8_variants.json and its table in bench/RESULTS.md (python bench/make_table.py).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import write_result  # noqa: E402


def head_nodes(path: Path) -> list[str]:
    """MatMul/Gemm nodes on the path to the graph's outputs after the last LayerNorm (the classifier head)."""
    import onnx

    graph = onnx.load(str(path)).graph
    producers = {o: n for n in graph.node for o in n.output}
    found, frontier, seen = [], [o.name for o in graph.output], set()
    while frontier:
        name = frontier.pop()
        node = producers.get(name)
        if node is None or node.name in seen or node.op_type == "LayerNormalization":
            continue
        seen.add(node.name)
        if node.op_type in ("MatMul", "Gemm"):
            found.append(node.name)
        frontier += list(node.input)
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", action="append", required=True)
    ap.add_argument("--data", action="append", required=True)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import onnxruntime as ort

    from distilkit.config import DataConfig
    from distilkit.inference import Classifier
    from distilkit.inference.onnx_graphs import int8_exclusions, quantize_int8
    from distilkit.tasks import get_task

    metrics, rows = {}, []
    for model, data in zip(args.model, args.data):
        name = Path(model).name
        predictor = Classifier(model, backend="onnx", threads=args.threads)
        task = get_task(predictor.task).for_predictor(predictor, DataConfig())
        split = task.load_eval(data)
        fp32 = predictor.backend.path
        attention = int8_exclusions(fp32)
        variants = {"fp32": None,
                    "all": dict(exclude=[]),
                    "default": dict(exclude=attention),
                    "per_tensor": dict(exclude=attention, per_channel=False),
                    "embeddings_fp32": dict(exclude=attention, op_types=["MatMul", "Gemm"]),
                    "head_fp32": dict(exclude=attention + head_nodes(fp32))}
        with tempfile.TemporaryDirectory() as tmp:
            for variant, options in variants.items():
                path = fp32 if options is None else quantize_int8(fp32, Path(tmp) / f"{variant}.onnx", **options)
                opts = ort.SessionOptions()
                opts.intra_op_num_threads = args.threads
                predictor.backend.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
                report = task.report(predictor.outputs(split, progress=False), split)
                accuracy = report["metrics"]["accuracy"]
                size = round(path.stat().st_size / 1e6, 2)
                metrics[f"{name}_{variant}_validation_accuracy"] = round(accuracy, 4)
                metrics[f"{name}_{variant}_size_mb"] = size
                rows.append({"model": name, "variant": variant, "validation_accuracy": round(accuracy, 4),
                             "size_mb": size, "fp32_nodes": len(options["exclude"]) if options else None})
                print(rows[-1], flush=True)
    write_result("int8_variants", {"dataset": ", ".join(args.data), "split": "validation", "metrics": metrics,
                                   "timings": {}, "rows": rows})


if __name__ == "__main__":
    main()
