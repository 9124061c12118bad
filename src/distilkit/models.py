"""Resolve a model name (alias, local folder or hub id) and load it safely.

Safety defaults: weights are read from safetensors only (no pickle) and
``trust_remote_code`` stays off unless the caller asks for it explicitly.
"""
from __future__ import annotations

import os
from pathlib import Path

from . import packaged
from .errors import DistilkitError

DEFAULT_MODEL = "minilm-l6"


# Aliases for models that ship inside pip packages, so they work offline (see packaged.py).
ALIASES = {"minilm-l6": packaged.minilm_l6, "all-minilm-l6-v2": packaged.minilm_l6,
           "mpnet-base": packaged.mpnet_base, "all-mpnet-base-v2": packaged.mpnet_base}


def resolve_model(name: str | os.PathLike | None) -> str:
    """Return a local folder for an alias or folder, else the hub id unchanged."""
    name = str(name or DEFAULT_MODEL)
    if name in ALIASES:
        return ALIASES[name]()
    path = Path(name).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise DistilkitError(f"model folder {path} has no config.json: point at a folder written by "
                                 "save_pretrained() (a distilkit output dir or a downloaded hub model)")
        return str(path)
    if name.startswith((".", "/", "~")) or name.count("/") > 1:
        raise DistilkitError(f"model folder {name} does not exist: check the path, or use a hub id such as "
                             f"'distilbert-base-uncased' or the offline alias '{DEFAULT_MODEL}'")
    return name  # a hub id, e.g. "distilbert-base-uncased"


def _load(loader, name: str, what: str, **kwargs):
    try:
        return loader(name, **kwargs)
    except (OSError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DistilkitError(f"cannot load {what} '{name}': {first} (is it a local folder, the alias "
                             f"'{DEFAULT_MODEL}', or a hub id reachable from this machine?)") from None


def load_tokenizer(name: str, trust_remote_code: bool = False):
    from transformers import AutoTokenizer

    return _load(AutoTokenizer.from_pretrained, resolve_model(name), "tokenizer",
                 trust_remote_code=trust_remote_code)


def load_model(auto_class, name: str, trust_remote_code: bool = False, **kwargs):
    """``auto_class.from_pretrained`` with safetensors enforced and a one-line error on failure."""
    from transformers import logging as hf_logging

    # The "newly initialised head" report is expected when fine-tuning; keep the console quiet.
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        return _load(auto_class.from_pretrained, resolve_model(name), "model", use_safetensors=True,
                     trust_remote_code=trust_remote_code, **kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
