"""Model cards: YAML front matter (model-index via huggingface_hub) and a body that states what
was actually done: data sizes, every hyperparameter used, per-epoch results, final evaluation,
training time, framework versions, and the learning-curve and confusion-matrix images."""
from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from . import sections
from .record import RECORD, Benchmark, Deployment, RunRecord

# Hub ids of the offline aliases, so a card's base_model points at the real upstream model.
ALIAS_HUB_IDS = {"minilm-l6": "sentence-transformers/all-MiniLM-L6-v2",
                 "all-minilm-l6-v2": "sentence-transformers/all-MiniLM-L6-v2",
                 "mpnet-base": "sentence-transformers/all-mpnet-base-v2",
                 "all-mpnet-base-v2": "sentence-transformers/all-mpnet-base-v2"}
METRIC_TYPES = {"accuracy": ("accuracy", None), "f1_macro": ("f1", "macro"), "f1_weighted": ("f1", "weighted"),
                "in_scope_accuracy": ("accuracy", "in_scope"), "oos_recall": ("recall", "out_of_scope"),
                # question answering (SQuAD, in percent); HasAns/NoAns for data with unanswerable questions
                "exact_match": ("exact_match", None), "f1": ("f1", None),
                "has_ans_exact_match": ("exact_match", "has_answer"), "has_ans_f1": ("f1", "has_answer"),
                "no_ans_exact_match": ("exact_match", "no_answer"), "no_ans_f1": ("f1", "no_answer")}
FRAMEWORKS = ("distilkit", "transformers", "torch", "datasets", "tokenizers", "accelerate")


def base_model_id(name: str) -> str | None:
    """The hub id to cite as base_model; None for a local folder (the body names its path)."""
    if name in ALIAS_HUB_IDS:
        return ALIAS_HUB_IDS[name]
    return None if Path(name).exists() or name.startswith((".", "/", "~")) else name


def _versions() -> dict:
    out = {}
    for name in FRAMEWORKS:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def _eval_results(summary: RunRecord, meta: dict) -> list[EvalResult]:
    results, extra = [], sections.extra_splits(summary)
    for split, metrics in summary.results.items():
        for key, value in metrics.items():
            if key not in METRIC_TYPES:
                continue
            metric_type, metric_config = METRIC_TYPES[key]
            own = split not in extra
            source = None if own else summary.data[split]["source"]
            results.append(EvalResult(
                task_type=summary.pipeline_tag, task_name=summary.pipeline_tag.replace("-", " ").title(),
                dataset_type=meta["dataset_id"] or meta["dataset_name"] if own else source,
                dataset_name=meta["dataset_name"] if own else source,
                dataset_config=meta.get("dataset_config") if own else None, dataset_split=split,
                metric_type=metric_type, metric_name=key.replace("_", " ").title(), metric_value=round(value, 4),
                metric_config=metric_config))
    return results


def _meta(summary: RunRecord) -> dict:
    cfg = summary.config
    extra = dict(cfg.get("card") or {})
    train_source = summary.data["train"]["source"].split("::")[0]
    extra.setdefault("dataset_name", Path(train_source).parent.name or "custom")
    extra.setdefault("dataset_id", extra["dataset_name"])  # None: the user's own files, no hub dataset
    extra.setdefault("model_name", Path(cfg["training"]["output_dir"]).name)
    extra.setdefault("license", "apache-2.0")
    return extra


def card_data(summary: RunRecord) -> ModelCardData:
    meta = _meta(summary)
    return ModelCardData(
        model_name=meta["model_name"], license=meta["license"], language=meta.get("language", "en"),
        base_model=base_model_id(summary.config["model"]["name"]), library_name="transformers",
        pipeline_tag=summary.pipeline_tag, datasets=[meta["dataset_id"]] if meta["dataset_id"] else None,
        metrics=sorted({METRIC_TYPES[k][0] for r in summary.results.values() for k in r if k in METRIC_TYPES}),
        tags=["distilkit", summary.pipeline_tag, "generated_from_trainer"] + (["onnx"] if summary.deployment else []),
        eval_results=_eval_results(summary, meta) or None)


def _hyperparameters(summary: RunRecord) -> dict:
    cfg = summary.config
    flat = {}
    listed = tuple(summary.config_sections) + (("distill",) if summary.distillation else ())
    for section in listed:
        for key, value in cfg[section].items():
            # A list of entries (distill.transfer) would fill a cell with every field of every entry: its
            # sections show what matters, the saved recipe the rest.
            entries = isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            flat[f"{section}.{key}"] = f"{len(value)} entries (in distilkit_recipe.yaml)" if entries else value
    for key in ("max_train_samples", "max_eval_samples", "validation_fraction", "on_empty", "text_pair_column"):
        flat[f"data.{key}"] = cfg["data"].get(key)
    flat.update({f"derived.{k}": v for k, v in summary.derived.items()})
    return flat


def render_body(summary: RunRecord) -> str:
    meta, cfg = _meta(summary), summary.config
    base = base_model_id(cfg["model"]["name"])
    base_text = f"[{base}](https://huggingface.co/{base})" if base else f"the local model `{cfg['model']['name']}`"
    final = summary.results.get("test") or summary.results.get("validation") or {}
    final_split = "test" if "test" in summary.results else "validation"
    d = summary.derived
    text = summary.card_text
    labels = summary.labels
    parts = [
        f"# {meta['model_name']}\n",
        f"This model is a fine-tuned version of {base_text} on the {meta['dataset_name']} dataset, trained with "
        f"[distilkit](https://github.com/) for {text['what']}.",
        f"It achieves the following results on the {final_split} set:\n",
        "\n".join(f"- {k.replace('_', ' ').title()}: {v:.4f}" for k, v in final.items()) + "\n",
        sections.deployment_section(summary.deployment),  # first: in an exported folder it is what matters
        "## Model description\n",
        f"{d['parameters']:,} parameters ({d['trainable_parameters']:,} trained)."
        + (" Labels: " + ", ".join(f"`{n}`" for n in labels[:40]) + (" ..." if len(labels) > 40 else "") + "."
           if labels else "") + "\n",
        "## Intended uses & limitations\n",
        meta.get("notes", "Trained and evaluated on the data below only; check it on your own data before relying "
                          "on it. " + text.get("limits", "Texts longer than `model.max_length` tokens are truncated."))
        + "\n",
        "## Training and evaluation data\n",
        sections.table([{"split": k, "source": f"`{v['source']}`", "examples": v["rows"]}
                        for k, v in summary.data.items()]),
        "".join(f"- {n}\n" for n in summary.notes),
        "## Training procedure\n",
        "### Training hyperparameters\n",
        "Every setting used by this run (the recipe is saved next to the weights as `distilkit_recipe.yaml`):\n",
        sections.kv_table(_hyperparameters(summary)),
        f"Training took {summary.train_runtime_s:.0f} s ({summary.train_samples_per_second:.1f} training "
        f"examples/s) on {d['device']} with {d['torch_threads']} threads and {d['num_processes']} process(es)."
        + (f" Resumed from `{summary.resumed_from}`." if summary.resumed_from else "") + "\n",
        sections.precision_section(summary.precision),
        sections.distillation_section(summary.distillation),
        "### Training results\n",
        sections.table(summary.history),
        "![Learning curve](learning_curve.png)\n",
        "### Evaluation\n",
        sections.table([{"split": split, **metrics} for split, metrics in summary.results.items()]),
        sections.extra_tests(summary),
        "".join(f"![{Path(img).stem.replace('_', ' ').capitalize()}]({img})\n" for img in summary.images
                if img not in sections.calibration_images(summary)),
        sections.confusions(summary.top_confusions),
        sections.threshold_section(summary),
        sections.no_answer_section(summary),
        sections.calibration_section(summary),
        sections.behaviour_section(summary.behaviour),
        text["extra"] + "\n",
        sections.benchmark_section(summary.benchmark),
        "## How to use\n",
        text["usage"] + "\n",
        "### Framework versions\n",
        "".join(f"- {k}: {v}\n" for k, v in _versions().items()),
    ]
    return "\n".join(parts)


def render_card(record: RunRecord) -> str:
    """The whole README.md (front matter and body) of a run record: a pure function, so that the record and its
    card can be written as one change (io.update_together)."""
    return str(ModelCard(f"---\n{card_data(record).to_yaml()}\n---\n\n{render_body(record)}"))


def record_files(record: RunRecord) -> dict[str, str]:
    """training_summary.json and README.md of ``record``, for io.update_together (the record last: its presence
    marks a trained folder complete)."""
    return {"README.md": render_card(record), RECORD: record.to_json()}


def write_card(folder: Path, record: RunRecord) -> Path:
    """README.md alone, into a staging folder the caller owns (training writes the record after it)."""
    from ..io import write_atomic

    return write_atomic(Path(folder) / "README.md", render_card(record))


def update_record(folder: Path, record: RunRecord) -> Path:
    """Replace a trained folder's run record and card as one change. Takes no lock: the caller holds the
    folder's (a training run holds it already; `check` and `bench --card` take PathLock(folder, "MODEL"))."""
    from .. import io

    io.update_together(folder, record_files(record))
    return Path(folder) / "README.md"


def add_behaviour(folder: Path, report: dict) -> Path | None:
    """Record a behaviour-test report in a trained folder's run record and card (the same tests file again
    replaces its earlier report). Folders distilkit did not train have no record to extend: None."""
    record = RunRecord.read(folder)
    if record is None:
        return None
    record.behaviour = with_behaviour(record.behaviour, report)
    return update_record(folder, record)


def with_behaviour(kept: list[dict], report: dict) -> list[dict]:
    """The record's behaviour entries with ``report`` (a `distilkit check` report) in place of any earlier one
    of the same tests file: what the card shows of it, per test its type, pass rate and need."""
    entry = {k: report[k] for k in ("tests_file", "backend", "examples", "passed", "ok")}
    entry["tests"] = [{k: r[k] for k in ("name", "type", "perturbation", "examples", "passed", "pass_rate",
                                         "threshold", "ok")} for r in report["tests"]]
    return [b for b in kept if b["tests_file"] != entry["tests_file"]] + [entry]


def add_benchmark(folder: Path, result: dict) -> Path | None:
    """Record a `distilkit bench` result (benchmark.bench_models) in a trained folder's run record and card,
    replacing the one before; None for folders distilkit did not train."""
    record = RunRecord.read(folder)
    if record is None:
        return None
    record.benchmark = Benchmark(data=result["data"], hardware=result["hardware"], date=result["date"],
                                 rows=result["rows"], threads=result.get("threads"))
    return update_record(folder, record)


def render_deployment_card(name: str, pipeline_tag: str, deployment: Deployment, meta: dict) -> str:
    """The card of a folder exported from a model distilkit did not train (no run record to render): what was
    exported and verified, and where from. ``meta``: front matter to keep from the source (license, language)."""
    base = base_model_id(deployment.source)
    data = ModelCardData(base_model=base, library_name="transformers", pipeline_tag=pipeline_tag,
                         tags=["distilkit", pipeline_tag, "onnx"], **meta)
    origin = f"[{base}](https://huggingface.co/{base})" if base else f"the local model `{deployment.source}`"
    body = "\n".join([f"# {name}\n", f"An ONNX Runtime export of {origin}, made with distilkit; the source model's "
                       "own card describes how it was trained and what it is for.\n",
                       sections.deployment_section(deployment)])
    return str(ModelCard(f"---\n{data.to_yaml()}\n---\n\n{body}"))
