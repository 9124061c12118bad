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
    _check_hub_reachable(name)
    return name  # a hub id, e.g. "distilbert-base-uncased"


_HUB_STATE: dict[str, bool] = {}


def _check_hub_reachable(name: str) -> None:
    """Fail in seconds, not after a minute of hub retries, when a hub id cannot be fetched: the machine is
    offline (HF_HUB_OFFLINE, or the hub's host does not answer within 3 s) and the model is not in the local
    hub cache."""
    from huggingface_hub import constants, try_to_load_from_cache

    if isinstance(try_to_load_from_cache(name, "config.json"), str):
        return  # cached: transformers loads it offline
    if "online" not in _HUB_STATE:
        if constants.HF_HUB_OFFLINE or os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on"):
            _HUB_STATE["online"] = False
        elif any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
            _HUB_STATE["online"] = True  # through a proxy: let the hub client try
        else:
            import socket
            from urllib.parse import urlparse

            host = urlparse(constants.ENDPOINT).hostname or "huggingface.co"
            try:
                socket.create_connection((host, 443), timeout=3).close()
                _HUB_STATE["online"] = True
            except OSError:
                _HUB_STATE["online"] = False
    if not _HUB_STATE["online"]:
        raise DistilkitError(f"cannot load model '{name}': it is not a local folder or alias, and the hub is not "
                             f"reachable from this machine (offline, or HF_HUB_OFFLINE is set): use a local folder, the "
                             f"offline alias '{DEFAULT_MODEL}' or 'mpnet-base', or download it where the hub is reachable")


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


def load_model(auto_class, name: str, trust_remote_code: bool = False, strict: bool = False, **kwargs):
    """``auto_class.from_pretrained`` with safetensors enforced and a one-line error on failure.

    ``strict`` (inference): weights the folder lacks, which transformers would initialise at random and only
    warn about, are an error: a model with a random head gives confident nonsense."""
    from transformers import logging as hf_logging

    # The "newly initialised head" report is expected when fine-tuning; keep the console quiet.
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        loaded = _load(auto_class.from_pretrained, resolve_model(name), "model", use_safetensors=True,
                       trust_remote_code=trust_remote_code, output_loading_info=strict, **kwargs)
    finally:
        hf_logging.set_verbosity(verbosity)
    if not strict:
        return loaded
    model, info = loaded
    missing = sorted(info.get("missing_keys") or [])
    if missing:
        shown = ", ".join(missing[:3]) + (f" and {len(missing) - 3} more" if len(missing) > 3 else "")
        raise DistilkitError(f"{name}: {len(missing)} weight(s) of a {type(model).__name__} are not in the folder "
                             f"({shown}) and would be random: it is not a trained model of this kind; check which "
                             "command fits it (predict: classifiers, qa: question answering, zero-shot: NLI models)")
    return model
