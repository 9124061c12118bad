"""Model cards: YAML front matter (model-index via huggingface_hub) and a body that states what
was actually done: data sizes, every hyperparameter used, per-epoch results, final evaluation,
training time, framework versions, and the learning-curve and confusion-matrix images."""
from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

from huggingface_hub import EvalResult, ModelCard, ModelCardData

from .record import RunRecord

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


def _extra_splits(summary: RunRecord) -> list[str]:
    """The scored splits that are extra test sets (data.extra_tests), each its own data set, named by its source."""
    return [s for s in summary.results if s not in ("train", "validation", "test") and s in summary.data]


def _eval_results(summary: RunRecord, meta: dict) -> list[EvalResult]:
    results, extra = [], _extra_splits(summary)
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
        tags=["distilkit", summary.pipeline_tag, "generated_from_trainer"],
        eval_results=_eval_results(summary, meta) or None)


def _table(rows: list[dict]) -> str:
    if not rows:
        return "_No evaluations were run._\n"
    keys = list(dict.fromkeys(k for r in rows for k in r))
    fmt = lambda v: "No log" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v))  # noqa: E731
    head = "| " + " | ".join(k.replace("_", " ").capitalize() for k in keys) + " |"
    return "\n".join([head, "|" + "---|" * len(keys)] +
                     ["| " + " | ".join(fmt(r.get(k)) for k in keys) + " |" for r in rows]) + "\n"


def _kv_table(pairs: dict, header=("Name", "Value")) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {'—' if v is None else v} |" for k, v in pairs.items()]
    return "\n".join(lines) + "\n"


def _hyperparameters(summary: RunRecord) -> dict:
    cfg = summary.config
    flat = {}
    sections = tuple(summary.config_sections)
    sections += ("distill",) if summary.distillation else ()
    for section in sections:
        for key, value in cfg[section].items():
            flat[f"{section}.{key}"] = value
    for key in ("max_train_samples", "max_eval_samples", "validation_fraction", "on_empty", "text_pair_column"):
        flat[f"data.{key}"] = cfg["data"].get(key)
    flat.update({f"derived.{k}": v for k, v in summary.derived.items()})
    return flat


def _confusions(by_split: dict) -> str:
    split = "test" if by_split.get("test") else "validation"
    pairs = by_split.get(split) or []
    if not pairs:
        return ""
    items = ", ".join(f"`{p['true']}` → `{p['predicted']}` ({p['count']})" for p in pairs)
    return f"Most frequent mistakes on the {split} split (true → predicted, count): {items}.\n"


def _distillation_section(report: dict | None) -> str:
    if not report:
        return ""
    teachers = ", ".join(f"`{t}`" for t in report["teachers"])
    accuracy = "; ".join(f"{split} accuracy {m['accuracy']:.4f}" for split, m in report["teacher_results"].items())
    lines = [
        "### Knowledge distillation\n",
        f"Distilled from {teachers}" + (f" ({accuracy})" if accuracy else "") + f", teacher run {report['teacher_mode']}"
        " (logits computed once and cached)." if report["teacher_mode"] == "cached" else " (teacher run on every batch).",
        f"Loss: `{report['alpha']}` × hard loss (`loss.*` above) + `{1 - report['alpha']:.2f}` × T² × "
        f"KL(teacher‖student) at temperature T = `{report['temperature']}`"
        + (f" + `{report['hidden_weight']}` × hidden-state cosine loss" if report["hidden_weight"] else "") + ".",
        f"Student layers kept from the initialising model / teacher layer map: `{report['layer_map']}`.\n",
        "Teacher and student side by side (latency: median of 50 single-text calls on this machine, tokenization "
        "included):\n",
        _table(report["comparison"]),
    ]
    return "\n".join(lines)


def _threshold_section(summary: RunRecord) -> str:
    t = summary.thresholds
    if not t or t.get("oos_threshold") is None:
        return ""
    rows = []
    for split, metrics in summary.results.items():
        plain = summary.results_without_threshold.get(split, {})
        for key in ("accuracy", "in_scope_accuracy", "oos_recall"):
            if key in metrics:
                rows.append({"split": split, "metric": key, "with threshold": metrics[key],
                             "without (argmax)": plain.get(key)})
    return "\n".join([
        "### Out-of-scope threshold\n",
        f"When the highest class probability is below **{t['oos_threshold']:.4f}**, this model answers "
        f"`{t['oos_label']}` (out of scope), as in Larson et al. (2019). The threshold was chosen on the validation "
        f"split only (objective: {t.get('objective', 'balanced')}), is stored in `distilkit.json`, and is applied by "
        "distilkit's predictors (`distilkit predict`, `eval`, batch files, every backend). **Plain "
        "`transformers.pipeline(\"text-classification\")` does not apply it**: it returns the argmax label, with the "
        "results in the right-hand column.\n",
        _table(rows)])


def _extra_tests(summary: RunRecord) -> str:
    """Where each extra test set (data.extra_tests) comes from: a row named 'handwritten' means nothing alone."""
    extra = _extra_splits(summary)
    if not extra:
        return ""
    return ("Beside the recipe's own test split, extra test sets (`data.extra_tests`, never used to choose "
            "anything): " + "; ".join(f"**{s}**: `{summary.data[s]['source']}` ({summary.data[s]['rows']} rows)"
                                      for s in extra) + ".\n")


def _behaviour_section(reports: list[dict]) -> str:
    if not reports:
        return ""
    parts = ["### Behaviour tests\n", "Minimum-functionality (mft), invariance (inv) and directional (dir) tests run "
             "with `distilkit check` (after CheckList); an example passes only when every question or text of it "
             "does.\n"]
    for report in reports:
        parts += [f"`{report['tests_file']}` on the {report['backend']} backend: {report['passed']} of "
                  f"{report['examples']} examples passed.\n",
                  _table([{"test": r["name"], "type": r["type"] + (f" ({r['perturbation']})" if r["perturbation"] else ""),
                           "examples": r["examples"], "pass rate": f"{r['pass_rate']:.2%}",
                           "needed": f"{r['threshold']:.0%}", "result": "pass" if r["ok"] else "FAIL"}
                          for r in report["tests"]])]
    return "\n".join(parts)


def add_behaviour(folder: Path, report: dict) -> Path | None:
    """Record a behaviour-test report in a trained folder's run record and card (the same tests file again
    replaces its earlier report). Folders distilkit did not train have no card to extend: None."""
    import json

    summary = RunRecord.read(folder)
    if summary is None:
        return None
    keep = {k: report[k] for k in ("tests_file", "backend", "examples", "passed", "ok")}
    keep["tests"] = [{k: r[k] for k in ("name", "type", "perturbation", "examples", "passed", "pass_rate",
                                        "threshold", "ok")} for r in report["tests"]]
    summary.behaviour = [b for b in summary.behaviour if b["tests_file"] != keep["tests_file"]] + [keep]
    (Path(folder) / "training_summary.json").write_text(json.dumps(summary.to_dict(), indent=2), encoding="utf-8")
    return write_card(folder, summary)


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
        "## Model description\n",
        f"{d['parameters']:,} parameters ({d['trainable_parameters']:,} trained)."
        + (" Labels: " + ", ".join(f"`{n}`" for n in labels[:40]) + (" ..." if len(labels) > 40 else "") + "."
           if labels else "") + "\n",
        "## Intended uses & limitations\n",
        meta.get("notes", "Trained and evaluated on the data below only; check it on your own data before relying "
                          "on it. " + text.get("limits", "Texts longer than `model.max_length` tokens are truncated."))
        + "\n",
        "## Training and evaluation data\n",
        _table([{"split": k, "source": f"`{v['source']}`", "examples": v["rows"]} for k, v in summary.data.items()]),
        "".join(f"- {n}\n" for n in summary.notes),
        "## Training procedure\n",
        "### Training hyperparameters\n",
        "Every setting used by this run (the recipe is saved next to the weights as `distilkit_recipe.yaml`):\n",
        _kv_table(_hyperparameters(summary)),
        f"Training took {summary.train_runtime_s:.0f} s ({summary.train_samples_per_second:.1f} training "
        f"examples/s) on {d['device']} with {d['torch_threads']} threads and {d['num_processes']} process(es)."
        + (f" Resumed from `{summary.resumed_from}`." if summary.resumed_from else "") + "\n",
        _distillation_section(summary.distillation),
        "### Training results\n",
        _table(summary.history),
        "![Learning curve](learning_curve.png)\n",
        "### Evaluation\n",
        _table([{"split": split, **metrics} for split, metrics in summary.results.items()]),
        _extra_tests(summary),
        "".join(f"![{Path(img).stem.replace('_', ' ').capitalize()}]({img})\n" for img in summary.images),
        _confusions(summary.top_confusions),
        _threshold_section(summary),
        _behaviour_section(summary.behaviour),
        text["extra"] + "\n",
        "## How to use\n",
        text["usage"] + "\n",
        "### Framework versions\n",
        "".join(f"- {k}: {v}\n" for k, v in _versions().items()),
    ]
    return "\n".join(parts)


def write_card(folder: Path, summary: RunRecord) -> Path:
    card = ModelCard(f"---\n{card_data(summary).to_yaml()}\n---\n\n{render_body(summary)}")
    path = Path(folder) / "README.md"
    card.save(path)
    return path
