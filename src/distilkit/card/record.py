"""The run record: everything a finished training run hands to the model card, typed.

Training fills it in; `distilkit check` adds behaviour tests, `bench --card` a benchmark and `export`
a deployment; the card renders all of it; ``training_summary.json`` is its JSON form (for people and
benchmark scripts: no predictor reads it, they read distilkit.json)."""
from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field

from ..config import Choice
from ..errors import DistilkitError

RECORD = "training_summary.json"  # the run record's JSON form, in every folder distilkit trained or exported


@dataclass
class Benchmark:
    """What `distilkit bench` measured, as recorded on a model's card (the last run replaces the one before)."""
    data: str
    """The labelled data every row was scored on."""
    hardware: str
    """CPU, cores, memory, torch version and threads of the measurement."""
    date: str
    """When it was measured (YYYY-MM-DD)."""
    rows: list[dict]
    """One per model × backend: metric, score, size_mb, parameters, latency_p50/p95_ms, throughput_batchN..."""
    threads: int | None = None
    """Threads given with --threads (None: torch's default, named in ``hardware``)."""


@dataclass
class Deployment:
    """What `distilkit export` wrote and verified, recorded in the exported folder's run record."""
    backend: str
    """The backend the folder is for (onnx, onnx-int8)."""
    file: str
    """The graph, relative to the folder."""
    size_mb: float
    """Size of the graph on disk in MB (10^6 bytes)."""
    quantization: str | None
    """None for fp32, 'dynamic' or 'static' for int8."""
    verification: dict
    """Against the PyTorch model: examples, agreement, max_abs_logit_diff, metric, torch, exported, drop_points."""
    source: str
    """The folder it was exported from."""
    date: str
    """When it was exported (YYYY-MM-DD)."""
    max_drop: float = 1.0
    """The largest metric drop (points) the export accepted; a larger one was kept only with --force."""
    excluded_nodes: int = 0
    """Nodes left in fp32 by int8 quantisation."""
    excluded_reason: str | None = None
    """Why those nodes stay fp32 (None when none were excluded)."""


class CardMode(Choice):
    """What a command that measures a trained folder does with its model card."""
    UPDATE = "update"  # add the new section (folders distilkit trained: they have a run record)
    KEEP = "keep"  # leave the card as it is


@dataclass
class RunRecord:
    task: str
    """Task name from the registry."""
    pipeline_tag: str
    """Hugging Face pipeline tag for the card's front matter."""
    card_text: dict
    """Task-specific card prose: 'what', 'usage', 'extra', optional 'limits'."""
    config: dict
    """The run configuration as plain data (RunConfig.to_dict())."""
    derived: dict
    """Values the config implies but does not state (steps, effective batch, parameters, device...)."""
    data: dict
    """Per split: {'source', 'rows'}."""
    results: dict
    """Per evaluated split: flat metrics (decision thresholds applied)."""
    labels: list[str] = field(default_factory=list)
    """Class names (classification); empty for span tasks."""
    qa: dict | None = None
    """Question answering: {'unanswerable', 'null_threshold'}."""
    config_sections: list[str] = field(default_factory=lambda: ["model", "loss", "training"])
    """Config sections whose every field the card lists."""
    images: list[str] = field(default_factory=list)
    """Images written beside the card (confusion matrices)."""
    notes: list[str] = field(default_factory=list)
    """Facts about the data (skipped, sampled, truncated rows)."""
    history: list[dict] = field(default_factory=list)
    """Per-evaluation rows of the training run."""
    loss_curve: list = field(default_factory=list)
    """(step, training loss) pairs."""
    calibration: dict = field(default_factory=dict)
    """Per evaluated split (question answering): how far the answers' confidence can be trusted: 'ece' (expected
    calibration error, 10 equal-width bins), 'bins' (the reliability diagram's points), 'levels' (per confidence
    level: share answered, accuracy of those), 'answers', 'confidence' (what the confidence is), 'image' (the
    reliability diagram beside the card)."""
    results_without_threshold: dict = field(default_factory=dict)
    """Per split: metrics of the plain argmax, where a decision threshold was applied."""
    thresholds: dict = field(default_factory=dict)
    """Decision thresholds stored in distilkit.json (oos_label, oos_threshold, objective)."""
    top_confusions: dict = field(default_factory=dict)
    """Per split: the most frequent (true, predicted) mistakes."""
    train_runtime_s: float = 0.0
    """Seconds of training as the Trainer reports them (its train_runtime: this run's training loop, the
    evaluations during training included; a resumed run counts its own part only)."""
    train_samples_per_second: float = 0.0
    """Training examples per second, as the Trainer reports it (train_samples_per_second)."""
    wall_time_s: float = 0.0
    """Wall-clock seconds of the training loop as this run timed it: from when data, model and teacher logits
    were ready to when training stopped (the final evaluation and the writing of the folder not included)."""
    resumed_from: str | None = None
    """Checkpoint the run continued from, if any."""
    distillation: dict | None = None
    """Teacher, settings and the teacher/student comparison, for distilled models."""
    behaviour: list[dict] = field(default_factory=list)
    """Behaviour-test reports (`distilkit check`), one per tests file: per test its type, pass rate and need."""
    benchmark: Benchmark | None = None
    """The last `distilkit bench --card` of this folder."""
    deployment: Deployment | None = None
    """Set in folders written by `distilkit export`: what was exported and how it was verified."""
    precision: dict | None = None
    """What ``training.precision`` ran as and why: 'asked', 'ran', 'why' (one line), 'speedup' (bf16 against
    fp32, where measured), 'check' (after a bf16 run: validation in fp32 and bf16 inference, points),
    'onnx_check' (with ``training.onnx_graph``: the fp32 ONNX graph against PyTorch on validation) and
    'default_backend' (the folder's)."""

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        """training_summary.json's text."""
        import json

        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def read(cls, folder) -> RunRecord | None:
        """The record of a finished run from its training_summary.json (None for folders distilkit did not
        train); used to render the card again with new sections, never to run the model."""
        import json
        from pathlib import Path

        path = Path(folder) / RECORD
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"a JSON object was expected, not {type(data).__name__}")
            # Records written before a field existed simply lack it (unknown top-level keys are skipped).
            record = _typed(cls, {k: v for k, v in data.items() if k in {f.name for f in dataclasses.fields(cls)}})
            # Nested sections come back typed, and must hold only their own fields.
            if record.benchmark is not None:
                record.benchmark = _typed(Benchmark, record.benchmark, "benchmark.", strict=True)
            if record.deployment is not None:
                record.deployment = _typed(Deployment, record.deployment, "deployment.", strict=True)
        except (ValueError, TypeError) as exc:  # bad JSON (a torn or hand-edited file), wrong types, unknown keys
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise DistilkitError(f"{path} is not a valid run record ({reason}): retrain the model, or restore the "
                                 "file from a copy (the card cannot be updated without it)") from None
        return record


def _fits(value, hint) -> bool:
    """Whether a JSON value has the type a field declares (``float`` takes ints; nested dataclasses take objects)."""
    if hint is typing.Any:
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return any(_fits(value, arg) for arg in typing.get_args(hint))
    if hint is type(None):
        return value is None
    base = typing.get_origin(hint) or hint
    if dataclasses.is_dataclass(base):
        return isinstance(value, (dict, base))
    if base is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if base is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if base is list:  # JSON has no tuples: (step, loss) pairs come back as lists
        return isinstance(value, (list, tuple))
    return isinstance(value, base)


def _typed(cls, data, prefix: str = "", strict: bool = False):
    """``cls(**data)`` once each value has its field's type; ``strict``: unknown keys are refused too."""
    if not isinstance(data, dict):
        raise TypeError(f"{prefix.rstrip('.') or cls.__name__} must be a JSON object, not {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = [k for k in data if k not in fields]
    if strict and unknown:
        raise TypeError(f"unknown field {prefix}{unknown[0]}")
    missing = [name for name, f in fields.items() if name not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise TypeError(f"missing field {prefix}{missing[0]}")
    for name, value in data.items():
        if not _fits(value, hints[name]):
            raise TypeError(f"{prefix}{name} holds {_json_kind(type(value))} where {_expected(hints[name])} belongs")
    return cls(**data)


def _json_kind(kind) -> str:
    """'a list', 'an object', ... : a Python type as JSON names it."""
    if dataclasses.is_dataclass(kind):
        return "an object"
    return {str: "a string", int: "a number", float: "a number", bool: "true or false", list: "a list", tuple: "a list",
            dict: "an object", type(None): "null"}.get(kind, kind.__name__)


def _expected(hint) -> str:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return " or ".join(dict.fromkeys(_expected(arg) for arg in typing.get_args(hint)))
    return _json_kind(typing.get_origin(hint) or hint)
