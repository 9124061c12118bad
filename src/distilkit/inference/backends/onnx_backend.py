"""ONNX Runtime backends: fp32 with all graph optimisations on, and int8.

The graphs live in ``MODEL/onnx/`` and are recorded, with their hashes and the hash of the
weights they came from, in ``distilkit.json`` (see ``inference.onnx_graphs.ensure_graph``): made
on first use, reused after, made again when the weights change, refused when damaged and there
are no weights to make them from.
"""
from __future__ import annotations

import numpy as np

from ...errors import DistilkitError
from ..onnx_graphs import ensure_graph, import_ort
from .base import ModelSource, size_mb


SPIN_WAIT = True
"""ONNX Runtime's intra-op threads spin between runs (fastest for one big job). ``distilkit serve`` turns it off:
spinning threads take CPU from the event loop on a small machine (seen in a trial with onnx-int8 on 2 cores; not a
committed benchmark)."""


class OnnxBackend:
    name = "onnx"
    needs_torch = False  # tokenizers + onnxruntime only: the predictor may load without transformers (lean.py)

    def __init__(self, source: ModelSource):
        ort = import_ort()
        if not source.folder.is_dir():
            raise DistilkitError(f"backend '{self.name}' needs a local model folder, not the hub id '{source.folder}': "
                                 "download it first (hf download ID --local-dir DIR) and pass DIR")
        self.path = ensure_graph(source, self.name)
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if source.threads:
            options.intra_op_num_threads = source.threads
        options.inter_op_num_threads = 1
        if not SPIN_WAIT:  # idle threads sleep instead of spinning: a server's event loop shares these cores
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # ORT raises its own exception types for unreadable graphs
            first = str(exc).strip().splitlines()[0][:200]
            raise DistilkitError(f"{self.path} cannot be loaded by ONNX Runtime ({first}): delete it and run again "
                                 "to export it anew") from None
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.outputs = list(source.output_names)
        self.record = source.settings.backends[self.name]

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        values = self.session.run(self.outputs, {k: batch[k] for k in self.input_names})
        return dict(zip(self.outputs, values))

    def info(self) -> dict:
        import onnx

        graph = onnx.load(str(self.path)).graph
        return {"file": self.record.file, "size_mb": size_mb([self.path]),
                "parameters": int(sum(np.prod(t.dims) for t in graph.initializer))}


class OnnxInt8Backend(OnnxBackend):
    """int8 weights for the MatMuls that have weights; activations quantised per call (dynamic)."""

    name = "onnx-int8"
