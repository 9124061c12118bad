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
import types

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
        # A method bound to the layer, not a closure over it: a deep copy of the model (the bf16 check after
        # training evaluates one) re-binds it to the copied layer, where a closure would call the original's
        # fp32 weights with the copy's bf16 inputs.
        layer.forward = types.MethodType(_checkpointed_forward, layer)
    return len(layers)


def _checkpointed_forward(layer, *args, **kwargs):
    from torch import is_grad_enabled
    from torch.utils.checkpoint import checkpoint

    forward = functools.partial(type(layer).forward, layer)
    if layer.training and is_grad_enabled():
        return checkpoint(forward, *args, use_reentrant=False, **kwargs)
    return forward(*args, **kwargs)
