"""ONNX export of a model folder, int8 quantisation and verification against the PyTorch model: the files
of a deployable folder (graph, tokenizer, config, distilkit.json).

``distilkit export`` itself (the output's lock, the temporary folder, the card, the rename) is
``distilkit.deploy``: a card is card/'s to write, a floor above this one.
"""
from __future__ import annotations

import shutil
from pathlib import Path

from ..config import DataConfig
from ..errors import DistilkitError
from ..ood import STATE_FILE
from ..tasks import get_task
from .batching import pad
from .onnx_graphs import FILES, int8_graph
from .predictors import PREDICTORS
from .settings import BackendFile, file_sha256, weights_sha256

EXPORTABLE = tuple(FILES)


def _calibration_batches(predictor, split, batch_size: int = 16) -> list[dict]:
    encoding = predictor.split_encoding(split)
    order = sorted(range(len(encoding["input_ids"])), key=lambda i: len(encoding["input_ids"][i]))
    pad_id = predictor.tokenizer.pad_token_id or 0
    return [pad(encoding, order[i:i + batch_size], pad_id) for i in range(0, len(order), batch_size)]


def _load_sample(predictor, source: str, limit: int, what: str):
    task = get_task(predictor.task).for_predictor(predictor, DataConfig(max_eval_samples=limit))
    try:
        split = task.load_eval(source)
    except DistilkitError as exc:
        raise DistilkitError(f"{what} {source}: {exc}") from None
    return task, split


def verify(reference, exported, task, split) -> dict:
    """Outputs of both on the sample: agreement, logit difference, metric change (when labelled)."""
    expected, got = reference.outputs(split, progress=False), exported.outputs(split, progress=False)
    result = {"examples": len(split), **reference.compare(expected, got)}
    if task.labelled(split):
        metric = task.default_metric
        before = task.report(expected, split)["metrics"][metric] * task.metric_scale
        after = task.report(got, split)["metrics"][metric] * task.metric_scale
        result.update(metric=metric, torch=round(before, 4), exported=round(after, 4), drop_points=round(before - after, 4))
    else:  # without labels, a changed decision is the most a changed answer can cost
        result.update(metric="agreement", drop_points=round(100 * (1 - result["agreement"]), 4))
    return result


def check_request(backend: str, data: str | None, calibration_data: str | None) -> None:
    """The refusals that need nothing loaded."""
    if backend not in EXPORTABLE:
        raise DistilkitError(f"--backend: '{backend}' cannot be exported; choose one of {', '.join(EXPORTABLE)} "
                             "(torch and torch-bf16 run the folder as it is)")
    if not data and not calibration_data:
        raise DistilkitError("export: give --data FILE (labelled, e.g. the validation split) or --calibration-data "
                             "FILE, so the export can be checked against the PyTorch model")


def export_into(reference, backend: str, folder: Path, data: str | None = None, calibration_data: str | None = None,
                max_drop: float = 1.0, force: bool = False, threads: int | None = None, samples: int = 1000) -> dict:
    """Write ``reference`` (a torch predictor) for ``backend`` into ``folder`` (created here, after the data is
    read; the caller owns it and removes it on failure): graph, tokenizer, config, distilkit.json. Verified on
    ``data`` (labelled: metric change) or ``calibration_data`` (agreement only); a drop over ``max_drop`` points
    is refused unless ``force``. Returns what was written and verified, for the caller's card."""
    source = reference.folder
    task, split = _load_sample(reference, data or calibration_data, samples, "--data" if data else "--calibration-data")
    calibration = None
    if calibration_data and backend == "onnx-int8":
        _, calib_split = _load_sample(reference, calibration_data, samples, "--calibration-data")
        calibration = _calibration_batches(reference, calib_split)
    folder.mkdir(parents=True)
    reference.tokenizer.save_pretrained(folder)
    reference.config.save_pretrained(folder)
    # The fp32 graph of MODEL/onnx/ is reused when its hashes match the weights (made there if not).
    cached = PREDICTORS[reference.task](str(source), backend="onnx", threads=threads).backend
    fp32 = folder / FILES["onnx"]
    fp32.parent.mkdir(parents=True)
    shutil.copyfile(cached.path, fp32)
    outputs = list(cached.outputs)
    record = BackendFile(FILES["onnx"], file_sha256(fp32), weights_sha256(source), outputs=outputs)
    if backend == "onnx-int8":
        record = int8_graph(folder, fp32, record.weights_sha256, calibration, outputs)
        fp32.unlink()
    if (source / STATE_FILE).is_file():  # what the out-of-scope detector learned from the training set
        shutil.copyfile(source / STATE_FILE, folder / STATE_FILE)
    settings = reference.settings.update(backends={backend: record}, default_backend=backend, weights_sha256=None)
    settings.write(folder)
    exported = PREDICTORS[reference.task](str(folder), backend=backend, threads=threads)
    verification = verify(reference, exported, task, split)
    if verification["drop_points"] > max_drop and not force:
        raise DistilkitError(f"export: {backend} loses {verification['drop_points']:.2f} points of "
                             f"{verification['metric']} on {data or calibration_data} (> --max-drop {max_drop}): "
                             "nothing was written; try --backend onnx, static int8 with --calibration-data, "
                             "or --force to keep it anyway")
    settings.update(deployment={"source": str(source), "verification": verification}).write(folder)
    return {"backend": backend, "file": record.file, "size_mb": exported.backend.info()["size_mb"],
            "quantization": record.quantization, "excluded_nodes": len(record.excluded_nodes),
            "excluded_reason": record.excluded_reason, "verification": verification}
