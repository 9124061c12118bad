"""Compute efficiency: this machine's measured matmul peaks (fp32, bf16, int8) next to the effective GFLOP/s
that each backend gets from the emotion model at batch 32.

    python bench/peak.py [--model bench/work/emotion] [--data ../shared/data/emotion/test.txt] [--threads 2]

Peaks: square matmuls of size 1024, best of 5 timed runs after warm-up. fp32 and bf16 through torch.matmul,
int8 through ONNX Runtime's MatMulInteger (uint8 x int8 -> int32, the kernel the onnx-int8 backend runs).
Model FLOPs are counted from the batches as run (texts sorted by length, batches of 32, each padded to its
longest): per layer 8*T*d^2 (Q, K, V, output projections) + 4*T*d*f (feed-forward) + 4*T^2*d (attention).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

N = 1024  # large enough to reach each kernel's peak; bf16 without native support is slow at 2048


def best_seconds(fn, repeats: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def torch_peak(dtype) -> float:
    import torch

    a, b = torch.randn(N, N).to(dtype), torch.randn(N, N).to(dtype)
    return 2 * N ** 3 / best_seconds(lambda: torch.matmul(a, b)) / 1e9


def int8_peak(threads: int) -> float:
    import numpy as np
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper

    b = np.random.default_rng(0).integers(-127, 127, (N, N), dtype=np.int8)
    graph = helper.make_graph(
        [helper.make_node("MatMulInteger", ["a", "b"], ["c"])], "int8_peak",
        [helper.make_tensor_value_info("a", TensorProto.UINT8, [N, N])],
        [helper.make_tensor_value_info("c", TensorProto.INT32, [N, N])],
        [helper.make_tensor("b", TensorProto.INT8, [N, N], b.tobytes(), raw=True)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 9  # what ONNX Runtime 1.31 reads
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mm.onnx"
        onnx.save(model, str(path))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        a = np.random.default_rng(1).integers(0, 255, (N, N), dtype=np.uint8)
        return 2 * N ** 3 / best_seconds(lambda: session.run(None, {"a": a})) / 1e9


def model_flops(config, lengths: list[int], batch: int) -> float:
    d = config.hidden_size
    f = config.intermediate_size
    layers = config.num_hidden_layers
    order = sorted(lengths)
    total = 0.0
    for i in range(0, len(order), batch):
        rows, width = len(order[i:i + batch]), max(order[i:i + batch])
        total += rows * layers * (8 * width * d * d + 4 * width * d * f + 4 * width * width * d)
    return total


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="bench/work/emotion")
    ap.add_argument("--data", default="../shared/data/emotion/test.txt")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    import torch

    from distilkit.config import DataConfig
    from distilkit.data import load_split
    from distilkit.inference import Classifier

    torch.set_num_threads(args.threads)
    peaks = {"fp32": torch_peak(torch.float32), "bf16": torch_peak(torch.bfloat16), "int8": int8_peak(args.threads)}
    texts = load_split(args.data, DataConfig()).texts
    metrics = {f"peak_{k}_gflops": round(v, 1) for k, v in peaks.items()}
    precision = {"torch": "fp32", "torch-bf16": "bf16", "onnx": "fp32", "onnx-int8": "int8"}
    for backend, kind in precision.items():
        clf = Classifier(str(ROOT / args.model), backend=backend, threads=args.threads, batch_size=32)
        lengths = [len(ids) for ids in clf.encode(texts)["input_ids"]]
        flops = model_flops(clf.config, lengths, 32)
        seconds = best_seconds(lambda: clf.predict(texts), repeats=1)
        gflops = flops / seconds / 1e9
        metrics[f"{backend}_effective_gflops"] = round(gflops, 1)
        metrics[f"{backend}_fraction_of_{kind}_peak"] = round(gflops / peaks[kind], 3)
        metrics[f"{backend}_texts_per_s"] = round(len(texts) / seconds, 1)
        print(backend, round(gflops, 1), "GFLOP/s", f"({gflops / peaks[kind]:.1%} of the {kind} peak)", flush=True)
    metrics["model_gflop_per_pass"] = round(flops / 1e9, 2)
    write_result("peak", {"dataset": args.data, "split": f"test ({len(texts)} texts)", "threads": args.threads,
                          "metrics": metrics, "timings": {}})


if __name__ == "__main__":
    main()
