"""``distilkit export``: a deployable folder (ONNX graph, tokenizer, config, distilkit.json, run record and a
card with a Deployment section) verified against the PyTorch model before it is kept.

inference/export.py writes and verifies the model files; this face adds what a floor below card/ may not
write: the card, rendered by card/ from the source's run record plus the deployment. The output is locked
before anything about it is checked, then built under a fixed temporary name beside it (only the lock's
holder writes there) and renamed into place when the verification passes, so a refused or failed export
leaves the output as it was.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from .errors import DistilkitError


def export_model(model: str, backend: str = "onnx-int8", output: str | None = None, data: str | None = None,
                 calibration_data: str | None = None, max_drop: float = 1.0, force: bool = False,
                 threads: int | None = None, samples: int = 1000) -> dict:
    """Export ``model`` for ``backend`` into ``output`` (default MODEL-BACKEND), verified on ``data``
    (labelled: metric change) or on ``calibration_data`` (agreement only); refuses a drop over ``max_drop``
    points unless ``force``."""
    from .inference import export, load_predictor
    from .io import PathLock

    export.check_request(backend, data, calibration_data)
    reference = load_predictor(model, "torch", threads=threads)
    source = reference.folder
    out = Path(output) if output else source.parent / f"{source.name}-{backend}"
    with PathLock(out, "--output"):  # before looking at OUT: two exports to one folder cannot both pass
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise DistilkitError(f"--output: {out} already exists and is not empty" + ("" if out.is_dir() else
                                 " (a file)") + ": choose another folder or delete it")
        tmp = out.parent / f".{out.name}.export-tmp"
        shutil.rmtree(tmp, ignore_errors=True)  # left by a killed export: nobody else writes it under the lock
        try:
            exported = export.export_into(reference, backend, tmp, data, calibration_data, max_drop, force,
                                          threads, samples)
            _write_card(tmp, source, reference.task, exported, max_drop)
            if out.exists():
                out.rmdir()  # empty (checked above, under the lock)
            os.replace(tmp, out)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    print(f"exported {source} -> {out} ({backend}, {exported['size_mb']:.1f} MB)", file=sys.stderr)
    return {"output": str(out), "backend": backend, "size_mb": exported["size_mb"], "file": exported["file"],
            "excluded_nodes": exported["excluded_nodes"], "verification": exported["verification"]}


def _write_card(folder: Path, source: Path, task: str, exported: dict, max_drop: float) -> None:
    """The exported folder's card, by card/: the source's run record with the deployment added (record and card
    together, so that `check` and `bench --card` can extend it later); a source distilkit did not train gets a
    card of the deployment alone."""
    from .card import RunRecord, record_files, render_deployment_card
    from .card.record import Deployment
    from .io import update_together, write_atomic

    deployment = Deployment(source=str(source), date=time.strftime("%Y-%m-%d"), max_drop=max_drop, **exported)
    record = RunRecord.read(source)
    if record is None:
        write_atomic(folder / "README.md", render_deployment_card(source.name, task, deployment, _kept_meta(source)))
        return
    record.deployment = deployment
    for image in ["learning_curve.png", *record.images]:  # the card shows them: they travel with it
        if (source / image).is_file():
            (folder / image).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / image, folder / image)
    update_together(folder, record_files(record))


def _kept_meta(source: Path) -> dict:
    """License and language of a foreign source's card: an export is still bound by them."""
    if not (source / "README.md").is_file():
        return {}
    import yaml
    from huggingface_hub import metadata_load

    try:
        meta = metadata_load(source / "README.md") or {}
    except (yaml.YAMLError, ValueError):  # front matter that does not parse: nothing to carry over
        return {}
    return {k: meta[k] for k in ("license", "language") if k in meta}
