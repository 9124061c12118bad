"""PyTorch backends: the model as trained (fp32) or with its weights cast to bf16."""
from __future__ import annotations

import copy

import numpy as np

from .base import ModelSource, size_mb


class TorchBackend:
    name = "torch"
    dtype_name = "float32"

    def __init__(self, source: ModelSource):
        import torch

        if source.threads:
            torch.set_num_threads(source.threads)
        held = source.model is not None  # someone else's model (training's): never cast it in place
        model = source.torch_model().eval()
        dtype = getattr(torch, self.dtype_name)
        if next(model.parameters()).dtype != dtype:
            model = (copy.deepcopy(model) if held else model).to(dtype)
        if not held and torch.cuda.is_available():
            model = model.to("cuda")
        self.model, self.outputs, self.source = model, source.output_names, source
        self.input_names = list(source.input_names)
        self.device = next(model.parameters()).device

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        import torch

        with torch.inference_mode():
            out = self.model(**{k: torch.from_numpy(batch[k]).to(self.device) for k in self.input_names})
            return {name: getattr(out, name).float().cpu().numpy() for name in self.outputs}

    def info(self) -> dict:
        files = self.source.weight_files()
        return {"file": ", ".join(f.name for f in files), "size_mb": size_mb(files),
                "parameters": sum(p.numel() for p in self.model.parameters())}


class TorchBf16Backend(TorchBackend):
    """bf16 weights and activations; logits come back as float32. Answers can differ slightly from fp32."""

    name = "torch-bf16"
    dtype_name = "bfloat16"

    def info(self) -> dict:  # the weights held in memory are half the fp32 file
        return {**super().info(), "size_mb": round(sum(p.numel() * 2 for p in self.model.parameters()) / 1e6, 2)}
