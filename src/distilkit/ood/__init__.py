"""Out-of-scope detection: a registry of detectors, and their state beside the model (``ood.safetensors``).

A new detector is one module with a ``Detector`` subclass plus one entry in ``DETECTORS``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..choices import OOSDetector
from ..errors import DistilkitError
from .base import STATE_FILE, Detector, sigmoid, softmax
from .knn import KNN
from .logit_scores import Energy, MaxSoftmax
from .mahalanobis import Mahalanobis

DETECTORS: dict[str, type[Detector]] = {d.name: d for d in (MaxSoftmax, Energy, Mahalanobis, KNN)}
"""Registry order is tie order: with 'auto', the first of equally good detectors is kept (the baseline first)."""
DEFAULT = MaxSoftmax.name
"""The detector of a folder whose distilkit.json names none."""
AUTO = OOSDetector.AUTO.value
"""Config only: fit every detector and keep the one whose threshold scores best on validation."""
# The recipe's choices (config, a floor below) name these detectors: one list, checked here.
assert set(DETECTORS) == {c.value for c in OOSDetector} - {AUTO}, "choices.OOSDetector and ood.DETECTORS disagree"


def check_name(name: str, where: str) -> str:
    if name != AUTO and name not in DETECTORS:
        raise DistilkitError(f"{where}: unknown out-of-scope detector '{name}'; choose one of "
                             f"{', '.join([AUTO, *DETECTORS])}")
    return name


def needs_features(name: str | None) -> bool:
    """True when detector ``name`` (or 'auto', which tries them all) reads the features output."""
    return name == AUTO or (name in DETECTORS and DETECTORS[name].needs_features)


def save_state(folder: str | Path, detector: Detector) -> Path | None:
    """Write the detector's learned arrays into ``folder``'s ood.safetensors atomically, beside those of other
    detectors already there (so a run killed before distilkit.json names the new detector leaves the old one
    working). Returns the path written; None for a detector with nothing learned."""
    from safetensors.numpy import load_file, save

    from ..io import write_atomic

    state = detector.state()
    if not state:
        return None
    path = Path(folder) / STATE_FILE
    prefix = f"{detector.name}."
    arrays = {k: v for k, v in load_file(str(path)).items() if not k.startswith(prefix)} if path.is_file() else {}
    arrays.update({prefix + k: np.ascontiguousarray(v) for k, v in state.items()})
    return write_atomic(path, save(arrays))


def load_detector(folder: str | Path, name: str | None) -> Detector:
    """The folder's detector (max-softmax when none is named), its learned state read from ``ood.safetensors``."""
    name = name or DEFAULT
    check_name(name, f"{folder}/distilkit.json oos_detector")
    detector = DETECTORS[name]()
    if detector.needs_features:
        path = Path(folder) / STATE_FILE
        if not path.is_file():
            raise DistilkitError(f"{path} is missing: the folder's out-of-scope detector '{name}' needs it; copy it "
                                 "from the trained model, or refit with `distilkit eval MODEL --data VALIDATION "
                                 "--tune-threshold --oos-detector NAME --fit-data TRAIN`")
        from safetensors.numpy import load_file

        prefix = f"{name}."
        detector.load_state({k[len(prefix):]: v for k, v in load_file(str(path)).items() if k.startswith(prefix)})
    return detector


__all__ = ["AUTO", "DEFAULT", "DETECTORS", "Detector", "STATE_FILE", "check_name", "load_detector", "needs_features",
           "save_state", "sigmoid", "softmax"]
