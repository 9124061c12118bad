"""Students derived from a bigger model by keeping a subset of its encoder layers.

DistilBERT's initialisation: take every other layer of the teacher. Works for any encoder whose
state-dict names its layers ``...layer.<i>....`` (BERT, DistilBERT, RoBERTa, MiniLM, ...); the
result is an ordinary model of the same class with fewer layers, loadable by transformers.
"""
from __future__ import annotations

import copy
import re

from ..errors import DistilkitError

LAYER_KEY = re.compile(r"^(.*\.layer\.)(\d+)\.(.*)$")
LAYER_COUNT_FIELDS = ("num_hidden_layers", "n_layers")  # BERT-like, DistilBERT


def layer_count(config) -> int:
    for name in LAYER_COUNT_FIELDS:
        if hasattr(config, name):
            return int(getattr(config, name))
    raise DistilkitError(f"model.keep_layers: cannot tell how many layers a {type(config).__name__} has "
                         "(no num_hidden_layers or n_layers): drop keep_layers for this model")


def check_layers(config, layers: list[int], name: str) -> None:
    """Refuse an out-of-range layer list before any weights are loaded."""
    n = layer_count(config)
    bad = [i for i in layers if not 0 <= i < n]
    if bad:
        raise DistilkitError(f"model.keep_layers {layers}: layer(s) {bad} out of range for {name}, which has "
                             f"{n} layers (0..{n - 1})")


def keep_layers(model, layers: list[int]):
    """A new model of the same class holding only ``layers`` (renumbered 0..k-1) and everything else."""
    check_layers(model.config, layers, getattr(model.config, "_name_or_path", "the model"))
    config = copy.deepcopy(model.config)
    for name in LAYER_COUNT_FIELDS:
        if hasattr(config, name):
            setattr(config, name, len(layers))
    student = type(model)(config)
    state = {}
    for key, value in model.state_dict().items():
        match = LAYER_KEY.match(key)
        if match is None:
            state[key] = value
        elif int(match[2]) in layers:
            state[f"{match[1]}{layers.index(int(match[2]))}.{match[3]}"] = value
    student.load_state_dict(state, strict=True)
    return student
