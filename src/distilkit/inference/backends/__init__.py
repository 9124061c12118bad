"""Backends by name: one module per backend, one registry entry each.

    torch        PyTorch fp32 (the default for trained folders)
    torch-bf16   PyTorch with bf16 weights (fast on CPUs with AVX-512 bf16 / AMX)
    onnx         ONNX Runtime fp32, all graph optimisations on
    onnx-int8    ONNX Runtime with int8 weights (dynamic quantisation; static with calibration data
                 through ``distilkit export --calibration-data``)

A new backend is a module with a class that satisfies ``base.Backend`` and one entry below.
"""
from __future__ import annotations

from ...errors import DistilkitError
from .base import INPUT_KEYS, Backend, ModelSource

# name -> "module:Class", imported on first use so that `torch` never loads ONNX Runtime and vice versa.
BACKENDS = {
    "torch": "torch_backend:TorchBackend",
    "torch-bf16": "torch_backend:TorchBf16Backend",
    "onnx": "onnx_backend:OnnxBackend",
    "onnx-int8": "onnx_backend:OnnxInt8Backend",
}


def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise DistilkitError(f"backend '{name}' is unknown: choose one of {', '.join(BACKENDS)}")
    return name


def load_backend(name: str, source: ModelSource) -> Backend:
    import importlib

    module, cls = BACKENDS[check_backend(name)].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)(source)


__all__ = ["BACKENDS", "INPUT_KEYS", "Backend", "ModelSource", "check_backend", "load_backend"]
