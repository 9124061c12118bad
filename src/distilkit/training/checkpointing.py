"""Activation checkpointing (``training.gradient_checkpointing``) for every encoder we train.

transformers checkpoints the models that declare support (BERT, DistilBERT, MiniLM...), and the Trainer turns it
on. MPNet, the architecture of the 110M teacher (mpnet-base), declares none: there the Trainer stops with a
traceback. For such a model each layer of its layer list is wrapped here instead: while training with gradients
on, the layer's forward runs under ``torch.utils.checkpoint`` (non-reentrant, so frozen embeddings still pass
gradients and dropout replays the same mask), which keeps only the layer's inputs and recomputes the rest in
the backward pass — what transformers' own ``GradientCheckpointingLayer`` does. Evaluation, inference and export
call the layer as before.
"""
from __future__ import annotations

import functools

from ..errors import DistilkitError

LAYER_LISTS = ("encoder.layer", "encoder.layers", "transformer.layer", "layers")
"""Where encoders keep their layers, under the model's base model (BERT/MPNet, newer ones, DistilBERT, flat)."""


def native(model) -> bool:
    """Whether transformers checkpoints this model itself (the Trainer's ``gradient_checkpointing``)."""
    return bool(getattr(model, "supports_gradient_checkpointing", False))


def layer_list(model):
    """The model's ``nn.ModuleList`` of layers, or None."""
    import torch

    base = getattr(model, "base_model", model)
    for path in LAYER_LISTS:
        found = functools.reduce(lambda obj, name: getattr(obj, name, None), path.split("."), base)
        if isinstance(found, torch.nn.ModuleList) and len(found):
            return found
    return None


def wrap_layers(model) -> int:
    """Checkpoint each layer of a model transformers does not; the number of layers wrapped."""
    layers = layer_list(model)
    if layers is None:
        raise DistilkitError(f"training.gradient_checkpointing: {type(model).__name__} has no checkpointing in "
                             "transformers and no layer list distilkit can wrap: set it to false")
    for layer in layers:
        layer.forward = _checkpointed(layer, layer.forward)
    return len(layers)


def _checkpointed(layer, forward):
    from torch import is_grad_enabled
    from torch.utils.checkpoint import checkpoint

    @functools.wraps(forward)
    def run(*args, **kwargs):
        if layer.training and is_grad_enabled():
            return checkpoint(forward, *args, use_reentrant=False, **kwargs)
        return forward(*args, **kwargs)

    return run
