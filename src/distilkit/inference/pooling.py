"""Sentence embeddings from per-token outputs: the pooling a model folder declares, and pooling itself.

Where the pooling comes from, first found wins: what the caller asks for (``pooling=``, CLI ``--pooling``), the
folder's ``distilkit.json``, then the sentence-transformers files. sentence-transformers (v2 to v6) lists a
model's modules in ``modules.json`` (a Transformer at the folder's root, a Pooling module with its
``1_Pooling/config.json``, an optional Normalize) and writes the pooling either the old way (``pooling_mode_mean_tokens:
true``, ...; none true means mean, as its loader does) or the v6 way (``pooling_mode: "mean"`` or a list). Several
modes are concatenated in the order written, as sentence-transformers does. A module distilkit does not run (Dense,
a second Transformer, ...) is refused: the vectors without it would not be the model's.

Pooling uses the attention mask, so padding never reaches a vector (the masked rows are exactly each text's own
tokens, what ``token_outputs`` cuts back to), and it works on left-padded batches too.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import DistilkitError

# sentence-transformers' own order for the old boolean keys (their concatenation order).
LEGACY_KEYS = {"pooling_mode_cls_token": "cls", "pooling_mode_max_tokens": "max", "pooling_mode_mean_tokens": "mean",
               "pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
               "pooling_mode_weightedmean_tokens": "weightedmean", "pooling_mode_lasttoken": "lasttoken"}
RUN_MODULES = ("Transformer", "Pooling", "Normalize")
FIX = "pass pooling='mean' (CLI: --pooling mean; or cls, max), or use an NLI model with method 'nli'"


def _first(mask: np.ndarray) -> np.ndarray:
    return mask.argmax(1)  # the first real token: left padding puts the pads before it


def _mean_parts(hidden: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = mask.astype(np.float32)[..., None]
    return (hidden * m).sum(1), np.maximum(m.sum(1), 1e-9)


def _weighted_mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    positions = np.arange(1, hidden.shape[1] + 1, dtype=np.float32)[None, :] - _first(mask)[:, None]
    weights = (mask * positions).astype(np.float32)[..., None]  # 1, 2, ... from the first real token
    return (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)


# mode -> f(per-token outputs [batch, tokens, hidden] float32, attention mask [batch, tokens]) -> [batch, hidden],
# each as sentence-transformers' Pooling computes it
POOLERS = {
    "cls": lambda h, mask: h[np.arange(len(h)), _first(mask)],
    "max": lambda h, mask: np.where(mask[..., None] > 0, h, -np.inf).max(1),
    "mean": lambda h, mask: np.divide(*_mean_parts(h, mask)),
    "mean_sqrt_len_tokens": lambda h, mask: (lambda total, n: total / np.sqrt(n))(*_mean_parts(h, mask)),
    "weightedmean": _weighted_mean,
    "lasttoken": lambda h, mask: h[np.arange(len(h)), h.shape[1] - 1 - mask[:, ::-1].argmax(1)],
}
MODES = tuple(POOLERS)


@dataclass(frozen=True)
class Pooling:
    """How one text's per-token outputs become its embedding."""

    modes: tuple[str, ...]
    """Pooling modes, concatenated in this order (one of ``MODES`` each)."""
    normalize: bool
    """Scale each embedding to unit length (sentence-transformers' Normalize module)."""
    source: str
    """Where the modes were read from: 'pooling=', 'distilkit.json' or the sentence-transformers file."""


def parse_modes(value, where: str = "pooling") -> tuple[str, ...]:
    """('mean',) from 'mean', ['cls', 'mean'] or 'cls+mean'; an unknown mode is one line naming the known ones."""
    items = value.split("+") if isinstance(value, str) else list(value or [])
    modes = tuple(str(m).strip() for m in items)
    if not modes or any(m not in MODES for m in modes):
        raise DistilkitError(f"{where}: '{value}' is not a pooling mode: choose {', '.join(MODES)} (join several with "
                             "'+', e.g. cls+mean)")
    return modes


def read_sentence_transformers(folder: Path) -> tuple[tuple[str, ...] | None, bool] | None:
    """(pooling modes or None, normalize) from ``folder``'s sentence-transformers files; None without modules.json."""
    path = Path(folder) / "modules.json"
    if not path.is_file():
        return None
    try:
        modules = json.loads(path.read_text(encoding="utf-8"))
        kinds = [(str(m["type"]).rsplit(".", 1)[-1], str(m.get("path", ""))) for m in modules]
    except (ValueError, TypeError, KeyError) as exc:
        raise DistilkitError(f"{path} is not a sentence-transformers module list ({exc}): fix or delete it, and "
                             f"{FIX}") from None
    other = [f"{kind} ({where or 'root'})" for kind, where in kinds if kind not in RUN_MODULES]
    if other:
        raise DistilkitError(f"{path}: module(s) {', '.join(other)} that distilkit does not run: embeddings without "
                             "them would not be the model's; use a model whose modules are Transformer, Pooling and "
                             "Normalize")
    nested = [where for kind, where in kinds if kind == "Transformer" and where not in ("", ".")]
    if nested or sum(kind == "Transformer" for kind, _ in kinds) > 1:
        raise DistilkitError(f"{path}: the Transformer module is not at the folder's root ({', '.join(nested)}): point "
                             f"at that subfolder instead, and {FIX}")
    normalize = any(kind == "Normalize" for kind, _ in kinds)
    pooling = [where for kind, where in kinds if kind == "Pooling"]
    if not pooling:
        return None, normalize
    config_path = Path(folder) / pooling[0] / "config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DistilkitError(f"{config_path} cannot be read ({exc}): restore it, or {FIX}") from None
    if "pooling_mode" in config:
        return parse_modes(config["pooling_mode"], str(config_path)), normalize
    legacy = tuple(mode for key, mode in LEGACY_KEYS.items() if config.get(key))
    return legacy or ("mean",), normalize  # no mode switched on: sentence-transformers' loader takes mean


def is_sentence_transformer(folder: Path) -> bool:
    """True for a sentence-transformers embedding folder: modules.json names a Pooling module, and the folder is
    not one of its other model types (a CrossEncoder, a SparseEncoder)."""
    folder = Path(folder)
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        types = [str(m.get("type", "")) for m in modules]
        info = folder / "config_sentence_transformers.json"
        kind = json.loads(info.read_text(encoding="utf-8")).get("model_type") if info.is_file() else None
    except (OSError, ValueError, TypeError, AttributeError):
        return False
    return kind in (None, "SentenceTransformer") and any(t.rsplit(".", 1)[-1] == "Pooling" for t in types)


def resolve(folder: Path, settings, pooling=None, normalize: bool | None = None) -> Pooling:
    """The pooling to run ``folder`` with: ``pooling``, else distilkit.json's, else the sentence-transformers
    files'; a folder with none of them is refused with one line naming the fix."""
    folder = Path(folder)
    found = read_sentence_transformers(folder)  # read even when overridden: a module we cannot run is refused
    st_modes, st_normalize = found if found else (None, None)
    if pooling:
        modes, source = parse_modes(pooling), "pooling="
    elif settings is not None and settings.pooling:
        modes, source = parse_modes(settings.pooling, "distilkit.json pooling"), "distilkit.json"
    elif st_modes:
        modes, source = st_modes, "1_Pooling/config.json"
    else:
        what = "modules.json names no Pooling module" if found else "no sentence-transformers modules.json"
        raise DistilkitError(f"{folder} has no pooling information ({what}, no pooling in distilkit.json): {FIX}")
    for value in (normalize, getattr(settings, "normalize", None), st_normalize):
        if value is not None:
            return Pooling(modes, bool(value), source)
    return Pooling(modes, True, source)  # told nothing: unit vectors, as text-embeddings-inference returns


def pool(hidden: np.ndarray, mask: np.ndarray, modes: tuple[str, ...]) -> np.ndarray:
    """[batch, hidden * len(modes)] float32 from per-token outputs [batch, tokens, hidden] and the attention
    mask [batch, tokens], the modes concatenated in order."""
    hidden = hidden.astype(np.float32, copy=False)
    out = [POOLERS[mode](hidden, mask) for mode in modes]
    return np.concatenate(out, axis=1) if len(out) > 1 else out[0]


def unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero), as torch.nn.functional.normalize."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)
