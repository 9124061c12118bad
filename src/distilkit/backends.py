"""Inference backends, chosen by name: the PyTorch model itself, or ONNX Runtime.

ONNX Runtime runs the same weights in fp32 (logits agree with PyTorch to ~1e-5, so answers are the
same). It is not a speed-up on every machine: on our 2-core CPU at batch 32 it ran slower than
PyTorch 2.13 (bench/RESULTS.md), so 'torch' stays the default; the exported graph is also what int8
quantisation and serving without PyTorch start from. The model is exported once with the
``torch.onnx`` dynamo exporter (dynamic batch and sequence length; the older TorchScript exporter
bakes sequence-dependent constants into the graph and gets logits wrong) into ``MODEL/onnx/``,
and reused after. Needs ``pip install "distilkit[onnx]"``.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from pathlib import Path
from types import SimpleNamespace

import torch

from .errors import DistilkitError
from .tasks.question_answering import INPUT_KEYS


def torch_backend(model, tokenizer, folder: Path):
    return model.eval()  # a transformers model already has the interface predict_windows uses


class OnnxBackend:
    """Callable like a QA model: ``backend(**batch)`` returns ``.start_logits`` and ``.end_logits``."""

    def __init__(self, model, tokenizer, folder: Path):
        try:
            import onnxruntime as ort
        except ImportError:
            raise DistilkitError("backend 'onnx' needs ONNX Runtime: pip install \"distilkit[onnx]\"") from None
        self.inputs = [k for k in INPUT_KEYS if k in tokenizer.model_input_names]
        path = Path(folder) / "onnx" / "model.onnx"
        stamp = _weights_stamp(folder)
        if not path.is_file() or _read(path.with_name("weights.txt")) != stamp:  # retrained: export again
            export_onnx(model, self.inputs, path)
            path.with_name("weights.txt").write_text(stamp)
        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.device = torch.device("cpu")

    def eval(self):
        return self

    def __call__(self, **batch):
        start, end = self.session.run(None, {k: batch[k].numpy() for k in self.inputs})
        return SimpleNamespace(start_logits=torch.from_numpy(start), end_logits=torch.from_numpy(end))


def _weights_stamp(folder: Path) -> str:
    weights = Path(folder) / "model.safetensors"
    return f"{weights.stat().st_size}:{weights.stat().st_mtime_ns}" if weights.is_file() else ""


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


class _Spans(torch.nn.Module):
    """The QA model with positional inputs and (start, end) outputs, as the exporter wants."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask, token_type_ids=None):
        extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
        out = self.model(input_ids=input_ids, attention_mask=attention_mask, **extra)
        return out.start_logits, out.end_logits


@contextlib.contextmanager
def _quiet(logger: str):
    log = logging.getLogger(logger)
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def export_onnx(model, names: list[str], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sample = tuple(torch.ones((2, 16), dtype=torch.long) for _ in names)
    longest = getattr(model.config, "max_position_embeddings", 512)
    batch, length = torch.export.Dim("batch", max=4096), torch.export.Dim("length", max=longest)
    print(f"exporting the model to ONNX once: {path}", file=sys.stderr)
    try:  # the exporter reports its progress on stdout, which belongs to our JSON output
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings(), _quiet("torch.onnx"):
            warnings.simplefilter("ignore")
            torch.onnx.export(_Spans(model).eval(), sample, str(path), input_names=names,
                              output_names=["start_logits", "end_logits"], dynamo=True, verbose=False,
                              dynamic_shapes=tuple({0: batch, 1: length} for _ in names))
    except Exception as exc:  # the exporter raises many types; the user needs one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DistilkitError(f"cannot export the model to ONNX ({first}): use backend 'torch'") from None
    return path


BACKENDS = {"torch": torch_backend, "onnx": OnnxBackend}


def load_backend(name: str, model, tokenizer, folder: Path):
    if name not in BACKENDS:
        raise DistilkitError(f"backend '{name}' is unknown: choose one of {', '.join(BACKENDS)}")
    return BACKENDS[name](model, tokenizer, folder)
