"""``auto``: the fastest safe backend for this folder on this machine, chosen when the predictor loads.

1. A folder ``distilkit export`` wrote (its default backend is a graph it verified against PyTorch): that graph.
   For a one-off call (the CLI with a few texts on its command line), a trained folder's fp32 ONNX graph that was
   scored against PyTorch after training (``training.onnx_graph``; ``distilkit.json``'s ``onnx_check``): it answers
   as fp32 PyTorch does and starts in a fraction of a second, where importing PyTorch and transformers takes seconds.
2. A folder whose bf16 answers were checked on validation after a bf16 run (``distilkit.json``'s ``bf16_check``)
   and stayed within ``hardware.BF16_MAX_DROP`` points of fp32: ``torch-bf16`` where ``hardware.choose`` finds
   bf16 native and measured faster here (a forward pass with bf16 weights), else ``torch``.
3. Any other folder: ``torch`` (fp32). bf16 changes answers a little and nothing has checked how much for it;
   ``--backend torch-bf16`` runs it anyway.

The backend built carries ``why``: one line the predictor, ``bench`` and ``eval`` report beside 'auto -> NAME'.
"""
from __future__ import annotations

from ...hardware import BF16_MAX_DROP, choose
from ..settings import ModelSettings
from .base import Backend, ModelSource


def verified_export(settings: ModelSettings) -> str | None:
    """The backend of the folder's verified export (rule 1), None when it has none."""
    verified = settings.deployment.get("verification") if settings.deployment else None
    return settings.default_backend if settings.default_backend in settings.backends and verified else None


def checked_graph(settings: ModelSettings) -> str | None:
    """'onnx' when the folder's fp32 ONNX graph was scored against PyTorch after training and held, else None."""
    check = settings.onnx_check
    return "onnx" if check and check.get("ok") and "onnx" in settings.backends else None


def resolves_to(settings: ModelSettings, one_off: bool = False) -> str | None:
    """What ``resolve`` picks when that is known without measuring (rule 1), else None."""
    return verified_export(settings) or (checked_graph(settings) if one_off else None)


def resolve(settings: ModelSettings, measure: bool = True, one_off: bool = False) -> tuple[str, str]:
    """(backend name, why) for a folder with ``settings``, on this machine; ``one_off``: see rule 1."""
    from . import BY_PRECISION

    if verified_export(settings):
        verified = settings.deployment["verification"]
        drop = verified.get("drop_points")
        return settings.default_backend, (f"the folder's verified export ({verified.get('metric')} "
                                          f"{'-' if drop is None else f'{drop:.2f}'} points from PyTorch)")
    if one_off and checked_graph(settings):
        check = settings.onnx_check
        return "onnx", (f"one-off call: the folder's fp32 ONNX graph, which starts without PyTorch ({check['metric']} "
                        f"{check['drop_points']:.2f} points from PyTorch on {check['examples']} validation examples)")
    check = settings.bf16_check
    if not check:
        return BY_PRECISION["fp32"], "fp32: bf16 was never checked on this folder's validation data"
    if not check.get("ok"):
        return BY_PRECISION["fp32"], (f"fp32: bf16 loses {check['drop_points']:.2f} points of {check['metric']} "
                                      f"on validation (more than {check.get('max_drop', BF16_MAX_DROP)})")
    choice = choose("auto", work="infer", measure=measure)
    scores = f"; validation {check['metric']} {check['bf16']:.2f} in bf16, {check['fp32']:.2f} in fp32"
    return BY_PRECISION[choice.precision.value], choice.why + (scores if choice.precision.value == "bf16" else "")


def auto_backend(source: ModelSource) -> Backend:
    """The backend ``resolve`` picks, built, with ``requested`` ('auto') and ``why`` set on it."""
    from . import load_backend

    if source.threads:  # the measurement runs at the thread count the backend will use
        import torch

        torch.set_num_threads(source.threads)
    name, why = resolve(source.settings, one_off=source.one_off)
    backend = load_backend(name, source)
    backend.requested, backend.why = "auto", why
    return backend


auto_backend.resolves_to = resolves_to  # known without measuring only for rule 1 (backends.torch_free)
