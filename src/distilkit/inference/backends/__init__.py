"""Backends by name: one module per backend, one registry entry each.

    torch        PyTorch fp32 (the default for trained folders)
    torch-bf16   PyTorch with bf16 weights (fast on CPUs with AVX-512 bf16 / AMX)
    onnx         ONNX Runtime fp32, all graph optimisations on
    onnx-int8    ONNX Runtime with int8 weights (dynamic quantisation; static with calibration data
                 through ``distilkit export --calibration-data``)
    auto         one of the above, chosen for the folder on this machine when it loads (``auto_backend``)

A new backend is a module with a class that satisfies ``base.Backend`` and one entry below (an entry may also
name a function that builds another entry's backend: ``auto``).
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
    "auto": "auto_backend:auto_backend",
}
BY_PRECISION = {"fp32": "torch", "bf16": "torch-bf16"}
"""The PyTorch backend that runs each precision (``auto`` picks between them)."""


def check_backend(name: str) -> str:
    if name not in BACKENDS:
        raise DistilkitError(f"backend '{name}' is unknown: choose one of {', '.join(BACKENDS)}")
    return name


def _entry(name: str):
    import importlib

    module, cls = BACKENDS[check_backend(name)].split(":")
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def load_backend(name: str, source: ModelSource) -> Backend:
    return _entry(name)(source)


def torch_free(name: str, settings, one_off: bool = False) -> bool:
    """True when backend ``name`` would run the folder of ``settings`` without PyTorch (its class says
    ``needs_torch = False``); an entry that picks another backend says which through ``resolves_to(settings,
    one_off)`` when it can tell without measuring, None otherwise. The predictor then loads without transformers."""
    entry = _entry(name)
    if hasattr(entry, "resolves_to"):
        picked = entry.resolves_to(settings, one_off)
        return picked is not None and picked != name and torch_free(picked, settings)
    return getattr(entry, "needs_torch", True) is False


__all__ = ["BACKENDS", "BY_PRECISION", "INPUT_KEYS", "Backend", "ModelSource", "check_backend", "load_backend", "torch_free"]
