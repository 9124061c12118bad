"""``distilkit export``: a deployable folder (ONNX graph, tokenizer, config, distilkit.json, card with a
Deployment section) verified against the PyTorch model before it is kept.

The folder is built under a temporary name beside the output and renamed into place only when the
verification passes, so a refused or failed export leaves nothing half-written.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..config import DataConfig
from ..errors import DistilkitError
from ..tasks import get_task
from .batching import pad
from .onnx_graphs import FILES, int8_graph
from .predictors import PREDICTORS, load_predictor
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


def _verify(reference, exported, task, split) -> dict:
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


def _card(source: Path, backend: str, record: BackendFile, verification: dict, size_mb: float) -> str:
    original = (source / "README.md").read_text(encoding="utf-8") if (source / "README.md").is_file() else \
        f"# {source.name} ({backend})\n"
    kept = f"`{len(record.excluded_nodes)}` nodes kept fp32: {record.excluded_reason}." if record.excluded_nodes \
        else "No nodes were excluded from quantisation."
    quant = {None: "fp32", "dynamic": "int8, dynamic quantisation (weights int8, activations quantised per call)",
             "static": "int8, static quantisation (activation ranges fixed on calibration data)"}[record.quantization]
    lines = [
        "\n## Deployment\n",
        f"This folder was written by `distilkit export` for the **{backend}** backend (ONNX Runtime, {quant}): "
        f"`{record.file}`, {size_mb:.1f} MB.",
        kept if record.quantization else "",
        f"\nVerified against the PyTorch model on {verification['examples']} examples: decisions agree on "
        f"{100 * verification['agreement']:.2f}%"
        + (f", largest logit difference {verification['max_abs_logit_diff']:.4f}"
           if "max_abs_logit_diff" in verification else "")
        + (f", {verification['metric']} {verification['torch']:.2f} (torch) → {verification['exported']:.2f} "
           f"({backend}), a drop of {verification['drop_points']:.2f} points" if "torch" in verification else "")
        + ".",
        f"\nRun it with `distilkit predict {source.name}-{backend} \"text\"` (or `qa`, `eval`): the backend and "
        "every setting come from `distilkit.json`. ONNX Runtime alone runs it too (inputs: "
        "`input_ids`, `attention_mask`, and `token_type_ids` for BERT); thresholds stored in `distilkit.json` are "
        "then yours to apply.\n",
    ]
    return original.rstrip() + "\n" + "\n".join(line for line in lines if line) + "\n"


def export_model(model: str, backend: str = "onnx-int8", output: str | None = None, data: str | None = None,
                 calibration_data: str | None = None, max_drop: float = 1.0, force: bool = False,
                 threads: int | None = None, samples: int = 1000) -> dict:
    """Export ``model`` for ``backend`` into ``output`` (default MODEL-BACKEND), verified on ``data``
    (labelled: metric change) or on ``calibration_data`` (agreement only); refuses a drop over ``max_drop``
    points unless ``force``."""
    if backend not in EXPORTABLE:
        raise DistilkitError(f"--backend: '{backend}' cannot be exported; choose one of {', '.join(EXPORTABLE)} "
                             "(torch and torch-bf16 run the folder as it is)")
    if not data and not calibration_data:
        raise DistilkitError("export: give --data FILE (labelled, e.g. the validation split) or --calibration-data "
                             "FILE, so the export can be checked against the PyTorch model")
    reference = load_predictor(model, "torch", threads=threads)
    source = reference.folder
    out = Path(output) if output else source.parent / f"{source.name}-{backend}"
    if out.exists() and any(out.iterdir()):
        raise DistilkitError(f"--output: {out} already exists and is not empty: choose another folder or delete it")
    task, split = _load_sample(reference, data or calibration_data, samples, "--data" if data else "--calibration-data")
    calibration = None
    if calibration_data and backend == "onnx-int8":
        _, calib_split = _load_sample(reference, calibration_data, samples, "--calibration-data")
        calibration = _calibration_batches(reference, calib_split)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir(parents=True)
        reference.tokenizer.save_pretrained(tmp)
        reference.config.save_pretrained(tmp)
        # The fp32 graph of MODEL/onnx/ is reused when its hashes match the weights (made there if not).
        cached = PREDICTORS[reference.task](str(source), backend="onnx", threads=threads).backend.path
        fp32 = tmp / FILES["onnx"]
        fp32.parent.mkdir(parents=True)
        shutil.copyfile(cached, fp32)
        record = BackendFile(FILES["onnx"], file_sha256(fp32), weights_sha256(source))
        if backend == "onnx-int8":
            record = int8_graph(tmp, fp32, record.weights_sha256, calibration)
            fp32.unlink()
        settings = reference.settings.update(backends={backend: record}, default_backend=backend,
                                             weights_sha256=None)
        settings.write(tmp)
        exported = PREDICTORS[reference.task](str(tmp), backend=backend, threads=threads)
        verification = _verify(reference, exported, task, split)
        if verification["drop_points"] > max_drop and not force:
            raise DistilkitError(f"export: {backend} loses {verification['drop_points']:.2f} points of "
                                 f"{verification['metric']} on {data or calibration_data} (> --max-drop {max_drop}): "
                                 "nothing was written; try --backend onnx, static int8 with --calibration-data, "
                                 "or --force to keep it anyway")
        size = exported.backend.info()["size_mb"]
        settings.update(deployment={"source": str(source), "verification": verification}).write(tmp)
        (tmp / "README.md").write_text(_card(source, backend, record, verification, size), encoding="utf-8")
        os.replace(tmp, out) if not out.exists() else (out.rmdir(), os.replace(tmp, out))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"exported {source} -> {out} ({backend}, {size:.1f} MB)", file=sys.stderr)
    return {"output": str(out), "backend": backend, "size_mb": size, "file": record.file,
            "excluded_nodes": len(record.excluded_nodes), "verification": verification}
