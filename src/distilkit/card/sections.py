"""The card's sections, each a pure function of the run record (or of one part of it) returning markdown.

Split from card.py so that the page's assembly (front matter, order of sections) reads on one screen."""
from __future__ import annotations

from .record import Benchmark, Deployment, RunRecord

BENCHMARK_HEADING = "## Benchmark (distilkit bench)"
QUANTISATION = {None: "fp32", "dynamic": "int8, dynamic quantisation (weights int8, activations quantised per call)",
                "static": "int8, static quantisation (activation ranges fixed on calibration data)"}


def extra_splits(summary: RunRecord) -> list[str]:
    """The scored splits that are extra test sets (data.extra_tests), each its own data set, named by its source."""
    return [s for s in summary.results if s not in ("train", "validation", "test") and s in summary.data]


def table(rows: list[dict]) -> str:
    if not rows:
        return "_No evaluations were run._\n"
    keys = list(dict.fromkeys(k for r in rows for k in r))
    fmt = lambda v: "No log" if v is None else (f"{v:.4f}" if isinstance(v, float) else str(v))  # noqa: E731
    head = "| " + " | ".join(k.replace("_", " ").capitalize() for k in keys) + " |"
    return "\n".join([head, "|" + "---|" * len(keys)] +
                     ["| " + " | ".join(fmt(r.get(k)) for k in keys) + " |" for r in rows]) + "\n"


def kv_table(pairs: dict, header=("Name", "Value")) -> str:
    lines = [f"| {header[0]} | {header[1]} |", "|---|---|"]
    lines += [f"| {k} | {'—' if v is None else v} |" for k, v in pairs.items()]
    return "\n".join(lines) + "\n"


def confusions(by_split: dict) -> str:
    split = "test" if by_split.get("test") else "validation"
    pairs = by_split.get(split) or []
    if not pairs:
        return ""
    items = ", ".join(f"`{p['true']}` → `{p['predicted']}` ({p['count']})" for p in pairs)
    return f"Most frequent mistakes on the {split} split (true → predicted, count): {items}.\n"


def distillation_section(report: dict | None) -> str:
    if not report:
        return ""
    teachers = ", ".join(f"`{t}`" for t in report["teachers"])
    accuracy = "; ".join(f"{split} accuracy {m['accuracy']:.4f}" for split, m in report["teacher_results"].items())
    lines = [
        "### Knowledge distillation\n",
        f"Distilled from {teachers}" + (f" ({accuracy})" if accuracy else "") + f", teacher run {report['teacher_mode']}"
        + (" (logits computed once and cached)." if report["teacher_mode"] == "cached"
           else " (teacher run on every batch)."),
        f"Loss: `{report['alpha']}` × hard loss (`loss.*` above) + `{1 - report['alpha']:.2f}` × T² × "
        f"KL(teacher‖student) at temperature T = `{report['temperature']}`"
        + (f" + `{report['hidden_weight']}` × hidden-state cosine loss" if report["hidden_weight"] else "") + ".",
        f"Student layers kept from the initialising model / teacher layer map: `{report['layer_map']}`.\n",
        *filter(None, [transfer_part(report)]),
        "Teacher and student side by side (latency: median of 50 single-text calls on this machine, tokenization "
        "included):\n",
        table(report["comparison"]),
    ]
    return "\n".join(lines)


def transfer_part(report: dict) -> str:
    """What the student saw besides the training rows: each transfer source (distill.transfer) and its texts."""
    sources = report.get("transfer") or []  # records written before transfer sets have no such key
    if not sources:
        return ""
    shown = {"kind", "size", "seed", "path", "texts", "dropped", "cache_hit"}
    rows = [{"kind": t["kind"], "texts": t["texts"], "seed": t["seed"],
             "from": f"`{t['path']}`" if t.get("path") else "training texts",
             "settings": ", ".join(f"{k} `{v}`" for k, v in t.items() if k not in shown) or "—",
             "dropped (equal to data / repeated / empty)":
                 f"{t['dropped']['in_data']} / {t['dropped']['repeated']} / {t['dropped']['empty']}",
             "teacher logits": {True: "from the cache", False: "computed"}.get(t.get("cache_hit"),
                                                                               "online (every batch)")}
            for t in sources]
    counts = report["training_rows"]
    return "\n".join([
        f"The student saw {counts['labelled']:,} labelled training rows and {counts['transfer']:,} transfer texts: "
        "inputs without a gold label that the teacher labelled, which teach through the KL term only (the hard "
        "loss skips them). None of them equals a training, validation or test text.\n",
        table(rows)])


def threshold_section(summary: RunRecord) -> str:
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
    from ..ood import DEFAULT, DETECTORS

    detector = t.get("detector", DEFAULT)
    rule = (f"When the highest class probability is below **{t['oos_threshold']:.4f}**"
            if DETECTORS[detector].probability else
            f"When its in-scope score ({t.get('detector_summary', detector)}) is below **{t['oos_threshold']:.4g}**")
    tried = t.get("validation_by_detector") or {}
    choice = ("" if len(tried) < 2 else " Out-of-scope detectors tried, with the validation objective each reached at "
              "its own best threshold (the best kept: `" + detector + "`): " +
              ", ".join(f"{name} {value:.4f}" for name, value in tried.items()) + ".")
    return "\n".join([
        "### Out-of-scope threshold\n",
        f"{rule}, this model answers `{t['oos_label']}` (out of scope), as in Larson et al. (2019); detector: "
        f"`{detector}`. The threshold was chosen on the validation split only (objective: "
        f"{t.get('objective', 'balanced')}), is stored in `distilkit.json` (a fitted detector's state in "
        "`ood.safetensors`), and is applied by distilkit's predictors (`distilkit predict`, `eval`, `serve`, batch "
        f"files, every backend).{choice} **Plain `transformers.pipeline(\"text-classification\")` does not apply it**: "
        "it returns the argmax label, with the results in the right-hand column.\n",
        table(rows)])


def no_answer_section(summary: RunRecord) -> str:
    """Question answering with unanswerable questions: the no-answer rule, its threshold, and HasAns / NoAns
    side by side for every split (SQuAD v2's official split of the scores)."""
    qa = summary.qa or {}
    if not qa.get("unanswerable") or qa.get("null_threshold") is None:
        return ""
    chosen = ["validation", *((summary.config.get("data") or {}).get("extra_validation") or {})]
    chosen = [s for s in chosen if s in summary.results]
    rows = []
    for split, m in summary.results.items():
        row = {"split": split, "exact match": m.get("exact_match"), "f1": m.get("f1")}
        for part, name in (("has_ans", "answerable"), ("no_ans", "unanswerable")):
            if f"{part}_exact_match" in m:
                row[f"{name}: exact match"] = m[f"{part}_exact_match"]
                row[f"{name}: f1"] = m[f"{part}_f1"]
        rows.append(row)
    return "\n".join([
        "### Questions the text does not answer\n",
        "This model was trained with questions whose context holds no answer (SQuAD v2 rows: empty answers). It "
        "answers that the text records none (`distilkit qa`, batch files and the server: `\"answer\": null, "
        "\"no_answer\": true`, and with `--best-span` / `best_span` the best span it found) when the no-answer "
        f"probability beats the best span's by more than **{qa['null_threshold']:.4f}**, a threshold chosen on "
        + " and ".join(f"`{s}`" for s in chosen) + (" together" if len(chosen) > 1 else "")
        + " (exact match), stored in `distilkit.json` and applied by every backend. Scores as SQuAD v2's "
        "official evaluation computes them: answerable (HasAns) and unanswerable (NoAns) questions apart; on an "
        "unanswerable question only no answer is right.\n",
        table(rows)])


def calibration_images(summary: RunRecord) -> set[str]:
    """The reliability diagrams the calibration section shows (so the card shows them once)."""
    return {c["image"] for c in summary.calibration.values() if c.get("image")}


def calibration_section(summary: RunRecord) -> str:
    """How far the answers' confidence can be trusted, per split: expected calibration error, reliability
    diagrams, and for each confidence level the share of questions answered above it and their accuracy."""
    cal = {split: c for split, c in summary.calibration.items() if c.get("levels")}
    if not cal:
        return ""
    first = next(iter(cal.values()))
    pct = lambda v: "—" if v is None else f"{100 * v:.1f}%"  # noqa: E731
    levels = [{"confidence ≥": f"{lv['threshold']:g}",
               **{split: f"{pct(c['levels'][k]['answered'])} · {pct(c['levels'][k]['accuracy'])}"
                  for split, c in cal.items()}} for k, lv in enumerate(first["levels"])]
    return "\n".join([
        "### Calibration\n",
        f"Confidence is {first.get('confidence', 'the score of the answer given')}. Expected calibration error "
        "(ECE): the answers are put in 10 equal-width bins of confidence, and ECE is the mean over bins, weighted by "
        "their share of answers, of |accuracy - mean confidence| (0 is perfect; Guo et al. 2017).\n",
        table([{"split": split, "answers": c["answers"], "expected calibration error": round(c["ece"], 4)}
               for split, c in cal.items()]),
        " ".join(f"![Reliability {split}]({c['image']})" for split, c in cal.items() if c.get("image")) + "\n",
        "To withhold the answers the model is unsure of, pick a confidence level on a validation split: per level, "
        "the share of questions answered at or above it · the exact match of those answers.\n",
        table(levels)])


def extra_tests(summary: RunRecord) -> str:
    """Where each extra validation set (data.extra_validation) and extra test set (data.extra_tests) comes from: a
    row named 'handwritten' means nothing alone."""
    def named(splits: list[str]) -> str:
        return "; ".join(f"**{s}**: `{summary.data[s]['source']}` ({summary.data[s]['rows']} rows)" for s in splits)
    chosen_on = set((summary.config.get("data") or {}).get("extra_validation") or {})
    validation = [s for s in extra_splits(summary) if s in chosen_on]
    tests = [s for s in extra_splits(summary) if s not in chosen_on]
    parts = []
    if validation:
        parts.append("Beside the validation split, extra validation sets (`data.extra_validation`, joined with it "
                     "where a decision threshold is chosen; the best checkpoint is chosen on validation alone): "
                     + named(validation) + ".\n")
    if tests:
        parts.append("Beside the recipe's own test split, extra test sets (`data.extra_tests`, never used to choose "
                     "anything): " + named(tests) + ".\n")
    return "\n".join(parts)


def behaviour_section(reports: list[dict]) -> str:
    if not reports:
        return ""
    parts = ["### Behaviour tests\n", "Minimum-functionality (mft), invariance (inv) and directional (dir) tests run "
             "with `distilkit check` (after CheckList); an example passes only when every question or text of it "
             "does.\n"]
    for report in reports:
        parts += [f"`{report['tests_file']}` on the {report['backend']} backend: {report['passed']} of "
                  f"{report['examples']} examples passed.\n",
                  table([{"test": r["name"], "type": r["type"] + (f" ({r['perturbation']})" if r["perturbation"] else ""),
                           "examples": r["examples"], "pass rate": f"{r['pass_rate']:.2%}",
                           "needed": f"{r['threshold']:.0%}", "result": "pass" if r["ok"] else "FAIL"}
                          for r in report["tests"]])]
    return "\n".join(parts)


def benchmark_table(rows: list[dict]) -> str:
    """The bench table (bench.md and the card's Benchmark section): one row per model × backend."""
    cols = ["model", "backend", "score", "size_mb", "parameters", "latency_p50_ms", "latency_p95_ms"]
    cols += [k for k in rows[0] if k.startswith("throughput")]
    head = ["model", "backend", rows[0]["metric"], "size MB", "parameters", "p50 ms (batch 1)", "p95 ms (batch 1)"] + \
        [c.replace("throughput_batch", "ex/s at batch ") for c in cols[7:]]

    def fmt(column: str, v) -> str:
        if isinstance(v, int):
            return f"{v:,}"
        if isinstance(v, float):
            return f"{v:.4f}" if column == "score" else f"{v:.2f}" if column.endswith(("_ms", "_mb")) else f"{v:.1f}"
        return str(v)

    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(fmt(c, r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def benchmark_section(bench: Benchmark | None) -> str:
    if bench is None or not bench.rows:
        return ""
    return "\n".join([
        f"{BENCHMARK_HEADING}\n",
        f"Measured on {bench.date} with `distilkit bench`, every model and backend in one process on the same "
        f"data: `{bench.data}`. Hardware: {bench.hardware}. Latency is per single text at batch 1, tokenization "
        "included.\n",
        benchmark_table(bench.rows)])


def deployment_section(dep: Deployment | None) -> str:
    if dep is None:
        return ""
    v = dep.verification
    kept = (f"`{dep.excluded_nodes}` nodes kept fp32: {dep.excluded_reason}." if dep.excluded_nodes
            else "No nodes were excluded from quantisation.") if dep.quantization else ""
    checked = (f"Verified against the PyTorch model on {v['examples']} examples: decisions agree on "
               f"{100 * v['agreement']:.2f}%"
               + (f", largest logit difference {v['max_abs_logit_diff']:.4f}" if "max_abs_logit_diff" in v else "")
               + (f", {v['metric']} {v['torch']:.2f} (torch) → {v['exported']:.2f} ({dep.backend}), a drop of "
                  f"{v['drop_points']:.2f} points" if "torch" in v else "") + ".")
    if v.get("drop_points", 0) > dep.max_drop:  # the refusal was overridden: say so where people look
        checked += f" **That is more than the accepted {dep.max_drop} points: kept with `--force`.**"
    return "\n".join(line for line in [
        "## Deployment\n",
        f"This folder was written by `distilkit export` on {dep.date} from `{dep.source}` for the **{dep.backend}** "
        f"backend (ONNX Runtime, {QUANTISATION[dep.quantization]}): `{dep.file}`, {dep.size_mb:.1f} MB.",
        kept,
        f"\n{checked}",
        "\nRun it with `distilkit predict <this folder> \"text\"` (or `qa`, `eval`): the backend and every setting "
        "come from `distilkit.json`. ONNX Runtime alone runs it too (inputs: `input_ids`, `attention_mask`, and "
        "`token_type_ids` for BERT); thresholds stored in `distilkit.json` are then yours to apply.\n",
    ] if line)


def precision_section(precision: dict | None) -> str:
    """What ``training.precision`` ran as and why, and after a bf16 run how bf16 inference scored on validation
    against fp32 (``RunRecord.precision``; records written before it existed have none: nothing is said)."""
    if not precision:
        return ""
    ran, asked = precision["ran"], precision["asked"]
    why = precision["why"].partition(": ")[2] or precision["why"]  # 'bf16: AMX present, ...' without 'bf16: '
    lines = [f"Precision: **{ran}** (`training.precision: {asked}`): {why}."]
    check, default = precision.get("check"), precision.get("default_backend", "torch")
    if ran == "bf16" and check:
        verdict = (f"within the {check['max_drop']} points allowed" if check["ok"]
                   else f"more than the {check['max_drop']} points allowed: bf16 inference is not used for this "
                        "model by default or by `--backend auto`")
        drop = check["drop_points"]
        lines.append(f"bf16 inference on validation ({check['examples']} examples): {check['metric']} "
                     f"{check['bf16']:.2f} against {check['fp32']:.2f} in fp32, {abs(drop):.2f} points "
                     f"{'lower' if drop >= 0 else 'higher'}, {verdict}.")
    elif ran == "bf16":
        lines.append("bf16 inference was not checked against fp32 (no labelled validation split), so "
                     "`--backend auto` runs this model in fp32.")
    graph = precision.get("onnx_check")
    if graph and graph.get("ok"):
        lines.append(f"An fp32 ONNX graph (`onnx/model.onnx`) was exported after training and scored against PyTorch "
                     f"on {graph['examples']} validation examples: {graph['metric']} {graph['drop_points']:.2f} "
                     f"points apart, top answers agreeing on {100 * graph['agreement']:.1f}%; `--backend auto` runs "
                     "it for one-off predictions (texts on the command line), which then start without PyTorch.")
    elif graph:
        why = graph.get("error") or f"it moved {graph['metric']} by {graph['drop_points']:.2f} points"
        lines.append(f"The fp32 ONNX graph asked for by `training.onnx_graph` is not used by default: {why}.")
    lines.append(f"Default backend of the folder: `{default}`.")
    return " ".join(lines) + "\n"

