"""ONNX graphs of a model folder: export, int8 quantisation, and the check that a graph on disk is the
one recorded in ``distilkit.json`` for the weights in the folder.

Export uses the ``torch.onnx`` dynamo exporter with dynamic batch and sequence axes (the older
TorchScript exporter bakes sequence-dependent constants into BERT graphs and gets QA logits wrong).
``optimum``'s ONNX Runtime part does not support transformers 5, so quantisation calls
``onnxruntime.quantization`` directly.

int8 and BERT-family models (onnxruntime issues #9599, #11286): what to keep fp32 was measured on
our models' validation splits (bench/int8_variants.py). The two MatMuls per attention block that
multiply activations by activations (Q·Kᵀ, softmax·V) stay fp32: ONNX Runtime 1.31's dynamic
quantiser already skips them, and ``int8_exclusions`` pins that for versions that do not. Keeping
the classifier head or the embedding tables fp32 bought nothing; per-channel weight scales bought
0.2 points on CLINC150 for 0.1 MB, so they are the default.
"""
from __future__ import annotations

import contextlib
import logging
import sys
import warnings
from pathlib import Path

from ..errors import DistilkitError, first_line
from ..io import PathLock
from .features import FEATURES
from .settings import BackendFile, ModelSettings, file_sha256, weights_sha256

FILES = {"onnx": "onnx/model.onnx", "onnx-int8": "onnx/model-int8.onnx"}
# MatMul/Gemm: the encoder's linear layers. Gather: the embedding tables, stored int8 (half of MiniLM's weights).
OP_TYPES = ["MatMul", "Gemm", "Gather"]
EXCLUSION_REASON = ("activation-by-activation MatMuls (attention scores Q·Kᵀ and attention·V) stay fp32: "
                    "int8 there costs BERT-family models accuracy (onnxruntime #9599, #11286)")


def import_ort():
    try:
        import onnxruntime
    except ImportError:
        raise DistilkitError("the ONNX backends need ONNX Runtime: pip install \"distilkit[onnx]\"") from None
    return onnxruntime


@contextlib.contextmanager
def _quiet(*loggers: str):
    saved = [(logging.getLogger(n), logging.getLogger(n).level) for n in loggers]
    for log, _ in saved:
        log.setLevel(logging.ERROR)
    try:  # the exporter reports progress on stdout, which belongs to our JSON output
        with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for log, level in saved:
            log.setLevel(level)


def _outputs_module(model, output_names: tuple[str, ...]):
    import torch

    class Outputs(torch.nn.Module):
        """The model with positional inputs and a tuple of named outputs, as the exporter wants."""

        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            extra = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
            out = self.model(input_ids=input_ids, attention_mask=attention_mask, **extra)
            return tuple(getattr(out, name) for name in output_names)

    return Outputs().eval()


def export_onnx(model, input_names: list[str], output_names: tuple[str, ...], path: Path) -> Path:
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    sample = tuple(torch.ones((2, 16), dtype=torch.long) for _ in input_names)
    longest = getattr(model.config, "max_position_embeddings", 512)
    batch, length = torch.export.Dim("batch", max=4096), torch.export.Dim("length", max=longest)
    print(f"exporting the model to ONNX: {path}", file=sys.stderr)
    model = model.float() if next(model.parameters()).dtype != torch.float32 else model
    try:
        with _quiet("torch.onnx", "onnxscript"):
            torch.onnx.export(_outputs_module(model, output_names), sample, str(path), input_names=input_names,
                              output_names=list(output_names), dynamo=True, verbose=False, external_data=False,
                              dynamic_shapes=tuple({0: batch, 1: length} for _ in input_names))
    except Exception as exc:  # the exporter raises many types; the user needs one line
        first = first_line(exc)
        raise DistilkitError(f"cannot export the model to ONNX ({first}): use backend 'torch'") from None
    return path


def int8_exclusions(path: Path) -> list[str]:
    """MatMul nodes with no weight operand (attention's Q·Kᵀ and softmax·V): kept fp32 by default."""
    import onnx

    graph = onnx.load(str(path), load_external_data=False).graph
    weights = {i.name for i in graph.initializer}
    # A weight may reach a MatMul through a Transpose/Cast of an initializer (the dynamo exporter's Linear).
    derived = {o for n in graph.node if n.op_type in ("Transpose", "Cast", "Identity") and n.input
               and n.input[0] in weights for o in n.output}
    weights |= derived | {o for n in graph.node if n.op_type == "Constant" for o in n.output}
    return [n.name for n in graph.node if n.op_type == "MatMul" and not any(i in weights for i in n.input)]


def quantize_int8(fp32: Path, out: Path, exclude: list[str], calibration=None, op_types: list[str] | None = None,
                  per_channel: bool = True) -> Path:
    """Dynamic int8 (weights int8 ahead of time, activations per call); static with ``calibration``
    (an iterable of input dicts), where activation ranges are fixed from that data."""
    import_ort()
    import onnx

    out.parent.mkdir(parents=True, exist_ok=True)
    # The dynamo exporter records intermediate shapes of its sample batch; the quantiser's shape inference
    # then disagrees with them. Without them, shapes are inferred afresh from the dynamic inputs.
    model = onnx.load(str(fp32))
    del model.graph.value_info[:]
    plain = out.with_name(out.stem + ".plain.onnx")
    onnx.save(model, str(plain))
    try:
        _quantize(plain, out, exclude, calibration, op_types or OP_TYPES, per_channel)
    finally:
        plain.unlink(missing_ok=True)
    return out


def _quantize(fp32: Path, out: Path, exclude: list[str], calibration, op_types: list[str], per_channel: bool) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic, quantize_static

    with _quiet("root", "onnxruntime"):
        if calibration is None:
            quantize_dynamic(str(fp32), str(out), weight_type=QuantType.QInt8, op_types_to_quantize=op_types,
                             nodes_to_exclude=exclude, per_channel=per_channel, reduce_range=False)
        else:
            from onnxruntime.quantization import CalibrationDataReader, QuantFormat

            class Reader(CalibrationDataReader):
                def __init__(self):
                    self.batches = iter(calibration)

                def get_next(self):
                    return next(self.batches, None)

            quantize_static(str(fp32), str(out), Reader(), quant_format=QuantFormat.QDQ,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            op_types_to_quantize=["MatMul", "Gemm"], nodes_to_exclude=exclude, per_channel=True)


def int8_graph(folder: Path, fp32: Path, weights: str | None, calibration=None,
               outputs: list[str] | None = None) -> BackendFile:
    """Quantise ``fp32`` into ``folder``'s int8 graph (static with ``calibration``); its distilkit.json record."""
    exclude = int8_exclusions(fp32)
    path = quantize_int8(fp32, folder / FILES["onnx-int8"], exclude, calibration)
    return BackendFile(FILES["onnx-int8"], file_sha256(path), weights, "static" if calibration else "dynamic",
                       exclude, EXCLUSION_REASON, outputs)


def build_graph(source, name: str, weights: str | None, backends: dict[str, BackendFile]) -> BackendFile:
    """Export (and for onnx-int8 quantise) the folder's weights; returns the record for distilkit.json. The fp32
    graph int8 starts from is reused when ``backends`` (the folder's records) holds a valid one, else exported
    and recorded there."""
    folder, outputs = source.folder, list(source.output_names)
    if name == "onnx" or _valid(folder, backends.get("onnx"), weights, outputs) is not None:
        fp32 = export_onnx(source.torch_model(), source.input_names, source.output_names, folder / FILES["onnx"])
        backends["onnx"] = BackendFile(FILES["onnx"], file_sha256(fp32), weights, outputs=outputs)
    if name == "onnx":
        return backends["onnx"]
    return int8_graph(folder, folder / FILES["onnx"], weights, outputs=outputs)


def _valid(folder: Path, record: BackendFile | None, weights: str | None, outputs: list[str] | None = None
           ) -> str | None:
    """None if the recorded graph is present and matches its hash and the folder's weights and has ``outputs``,
    else why not."""
    if record is None:
        return "missing"
    # A record from before graphs listed their outputs has the task's usual ones: everything but features.
    have = record.outputs if record.outputs is not None else [o for o in outputs or [] if o != FEATURES]
    lacking = [o for o in outputs or [] if o not in have]
    if lacking:
        return f"{folder / record.file} has no {', '.join(lacking)} output (the folder's out-of-scope detector needs it)"
    path = folder / record.file
    if not path.is_file():
        return f"{path} is missing"
    if file_sha256(path) != record.sha256:
        return f"{path} is corrupt (its hash differs from the one recorded in distilkit.json)"
    if weights is not None and record.weights_sha256 not in (None, weights):
        return f"{path} is stale (exported from other weights than the folder's model.safetensors)"
    return None


def ensure_graph(source, name: str) -> Path:
    """The path of a verified graph for backend ``name``: reused when its hashes match, exported again
    when the folder's weights changed or the file is damaged, refused when there are no weights to
    export from. Never a graph that does not match."""
    folder = source.folder
    weights, outputs = weights_sha256(folder), list(source.output_names)
    record = source.settings.backends.get(name)
    problem = _valid(folder, record, weights, outputs)
    if problem is None:
        return folder / record.file
    if weights is None:
        what = problem if record else f"no {name} graph"
        raise DistilkitError(f"{folder}: {what}, and the folder has no model.safetensors to export it from: "
                             f"run `distilkit export MODEL --backend {name}` again from the trained model")
    if record:
        print(f"{problem}: exporting it again", file=sys.stderr)
    with PathLock(folder, "MODEL"):  # the graph and distilkit.json go into the model folder others read
        # distilkit.json as it is now, not as this process read it: a graph or threshold another run recorded
        # since is kept, and only this graph's record (and the fp32 one int8 starts from) changes.
        current = ModelSettings.read(folder) or source.settings
        backends = dict(current.backends)
        if _valid(folder, backends.get(name), weights, outputs) is not None:  # not exported by another run meanwhile
            backends[name] = build_graph(source, name, weights, backends)
            current.update(backends=backends, weights_sha256=weights).write(folder)
    source.settings.backends.update(backends)
    source.settings.weights_sha256 = weights
    return folder / backends[name].file
