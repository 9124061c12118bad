"""The features a classifier head reads, returned beside the logits: what distance-based out-of-scope detectors
(``distilkit.ood``: Mahalanobis, kNN) score.

Any transformers sequence classifier ends in a linear layer with one output per label (BERT's ``classifier``,
DistilBERT's ``classifier`` after ``pre_classifier``, RoBERTa/MPNet's ``classifier.out_proj``); its input is the
text's feature vector. A forward hook on that layer records it, so no architecture is special-cased, and the
ONNX exporter traces the hook like any other code: the graphs of every backend get a ``features`` output.
"""
from __future__ import annotations

from ..errors import DistilkitError

FEATURES = "features"


def head_layer(model):
    """The last linear layer with one output per label: the classifier head's output layer."""
    import torch

    n = model.config.num_labels
    found = [m for m in model.modules() if isinstance(m, torch.nn.Linear) and m.out_features == n]
    if not found:
        raise DistilkitError(f"{type(model).__name__} has no linear layer with {n} outputs to read features from: "
                             "use the max_softmax or energy out-of-scope detector")
    return found[-1]


def _record(module, args, output) -> None:
    """Forward hook on the head layer: keep its input while a WithFeatures wrapper runs (state on the layer
    itself, so a deep copy of the model, as a bf16 cast makes, records into its own layer)."""
    if getattr(module, "distilkit_recording", False):
        module.distilkit_seen = args[0]


def with_features(model):
    """``model`` wrapped so its output also has ``features`` (the head layer's input)."""
    import torch

    class WithFeatures(torch.nn.Module):
        returns_features = True

        def __init__(self):
            super().__init__()
            self.model, self.config = model, model.config
            self.head = head_layer(model)
            self.head.register_forward_hook(_record)

        def forward(self, **inputs):
            # Only while this wrapper runs: the same model may also be trained or run bare elsewhere.
            self.head.distilkit_recording = True
            try:
                out = self.model(**inputs)
            finally:
                self.head.distilkit_recording = False
            out[FEATURES] = self.head.distilkit_seen
            self.head.distilkit_seen = None
            return out

    return WithFeatures().train(model.training)
