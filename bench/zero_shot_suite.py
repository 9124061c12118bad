"""Zero-shot classification scored only on data each model never saw: nine data sets, every method.

    python bench/zero_shot_suite.py --nli bench/work/nli-lingnli_cad \
        --universal bench/work/universal-A bench/work/universal-B [--threads 2] [--default METHOD]
    python bench/zero_shot_suite.py --resummarise     # the summary of the committed cells again (no scoring)
    python bench/zero_shot_suite.py --extra-nli mpnet=bench/work/nli-mpnet_lingnli_cad --methods nli_mpnet \
        --backend torch-bf16 --merge    # score one more method; the committed cells of the others are kept

Data sets (bench/zero_shot_data.py): emotion test, SST-2 dev, TweetEval emotion, hate, irony and offensive test,
SNIPS test, HWU64 fold-1 test (a seeded 500) and CLINC150 in-scope test (a seeded 600; one NLI pass per text
and label makes 150 intents costly). Labels are described in words written before any scoring.
Methods:
  floor              the untrained MiniLM-L6's own sentence embeddings, one plain sentence per label name
  embedding_minilm   embedding zero-shot, MiniLM-L6, the label descriptions
  embedding_mpnet    the same with mpnet-base (110M)
  nli                a 3-way NLI model (--nli) through entailment
  nli_NAME           another NLI model the same way (--extra-nli NAME=FOLDER, e.g. mpnet=bench/work/nli-mpnet...)
  universal          Laurer-style universal classifiers (--universal): each scores only the data sets its
                     training left out (bench/universal.py writes heldout.json beside each; checked here against
                     the run's own record of its training sources)
Published: bart-large-mnli (407M) on emotion, marked as published, not measured here.
Scored with the onnx backend (fp32; --backend). Speed: texts/s per method on emotion test while scoring, and
on torch: transformers' zero-shot pipeline on the NLI model (the same MiniLM base) at its best batch size vs
distilkit's NLI and embedding methods on the first 1,000 emotion test texts (6 labels), with top-label agreement.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, command, commit, hardware, write_result  # noqa: E402
from zero_shot_data import first_words, floor_labels, materialize, suite  # noqa: E402

WORK = ROOT / "bench" / "work" / "zero_shot_suite"
RESULT = ROOT / "bench" / "results" / "zero_shot_suite.json"
TARGETS = {"default_beats_floor_everywhere": 1, "emotion_default_f1_macro_over_bart": 0.455,
           "sst2_default_accuracy": 0.85, "mean_default_f1_macro": 0.60, "embedding_speedup_vs_pipeline": 20.0}


def labels_for(method: str, spec) -> dict[str, str]:
    if method == "floor":
        return floor_labels(spec)
    if method.startswith("embedding"):
        return dict(spec.descriptions)
    return first_words(spec)  # NLI: one hypothesis per label


def template_for(method: str, spec) -> str:
    return spec.floor_template if method == "floor" else spec.template


def load(method: str, model: str, threads: int, spec, backend: str):
    from distilkit import load_predictor

    kind = "nli" if method.startswith("nli") or method == "universal" else "embedding"
    return load_predictor(model, backend, task="zero-shot-classification", method=kind, threads=threads,
                          batch_size=64, labels=[f"{n}={w}" for n, w in labels_for(method, spec).items()],
                          hypothesis_template=template_for(method, spec))


def score(predictor, rows: list[dict]) -> tuple[dict, float]:
    from sklearn.metrics import accuracy_score, f1_score

    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    started = time.perf_counter()
    predicted = [p["labels"][0] for p in predictor.predict(texts)]
    seconds = time.perf_counter() - started
    return {"accuracy": round(accuracy_score(gold, predicted), 4),
            "f1_macro": round(f1_score(gold, predicted, average="macro", zero_division=0), 4)}, seconds


def trained_on(folder: Path) -> list[str]:
    """Every source the model's run record says it trained on (a pairs file's manifest counts its sources)."""
    record = json.loads((folder / "training_summary.json").read_text())
    sources = [record["data"]["train"]["source"]] + [record["data"].get("validation", {}).get("source", "")]
    return sources + [n for n in record.get("notes", [])]


def held_out(folder: Path, specs: dict) -> list[str]:
    """The data sets a universal model may be scored on: listed in its heldout.json and, checked here, none of
    their files (any split) named among its training sources or the notes its pairs file put on its card."""
    names = json.loads((folder / "heldout.json").read_text())["held_out"]
    seen = " ".join(trained_on(folder))
    for name in names:
        root = dataset_root(specs[name].test) if name in specs else None
        assert root is None or root + "/" not in seen and root + "::" not in seen, \
            f"{folder} lists {name} as held out but its training names {root}"
    return names


def dataset_root(source: str) -> str:
    """The folder that is one data set in ../shared/data, whatever split or file: 'sst2', 'tweeteval/hate'."""
    parts = source.split("::")[0].split("shared/data/", 1)[1].split("/")
    return "shared/data/" + "/".join(parts[:2] if parts[0] == "tweeteval" else parts[:1])


def speed(nli_model: str, threads: int, texts: list[str], labels: list[str], sizes=(8, 32, 64)) -> dict:
    """transformers' zero-shot pipeline on the NLI model at its best batch size vs our NLI and embedding methods."""
    import torch
    from transformers import pipeline

    from distilkit import load_predictor

    torch.set_num_threads(threads)
    pipe = pipeline("zero-shot-classification", model=nli_model, device=-1)
    template = "I feel {}."
    rates, tops = {}, {}
    for size in sizes:
        pipe(texts[:8], candidate_labels=labels, batch_size=size, hypothesis_template=template)
        started = time.perf_counter()
        out = pipe(texts, candidate_labels=labels, batch_size=size, hypothesis_template=template)
        rates[size] = len(texts) / (time.perf_counter() - started)
        tops[size] = [o["labels"][0] for o in out]
    best = max(rates, key=rates.get)
    metrics = {"pipeline_best_batch_size": best, "pipeline_texts_per_s": round(rates[best], 2)}
    for method, model in (("nli", nli_model), ("embedding_minilm", "minilm-l6")):
        kind = "nli" if method == "nli" else "embedding"
        zsc = load_predictor(model, "torch", task="zero-shot-classification", method=kind, threads=threads,
                             batch_size=64, labels=labels, hypothesis_template=template)
        zsc.predict(texts[:8])
        started = time.perf_counter()
        ours = [p["labels"][0] for p in zsc.predict(texts)]
        metrics[f"{method}_same_labels_texts_per_s"] = round(len(texts) / (time.perf_counter() - started), 2)
        if method == "nli":
            metrics["nli_top_label_agreement_with_pipeline"] = round(
                sum(a == b for a, b in zip(ours, tops[best])) / len(texts), 4)
    metrics["embedding_speedup_vs_pipeline"] = round(
        metrics["embedding_minilm_same_labels_texts_per_s"] / metrics["pipeline_texts_per_s"], 1)
    return metrics


def summarise(metrics: dict, names: list[str], default: str | None = None) -> tuple[dict, str]:
    """Per method that scored every data set: its mean macro-F1 and whether it beats the floor on each set; the
    default method is ``default`` if given, else the one with the best mean (the floor excepted), and its targets:
    every number here is a held-out one, so the choice is made on held-out scores only. Returns the summary's
    metrics and the default's name."""
    out, means = {}, {}
    methods = dict.fromkeys(k[len(n) + 1:-len("_f1_macro")] for k in metrics for n in names
                            if k.startswith(n + "_") and k.endswith("_f1_macro"))
    for method in methods:
        if all(f"{n}_{method}_f1_macro" in metrics for n in names):
            means[method] = round(sum(metrics[f"{n}_{method}_f1_macro"] for n in names) / len(names), 4)
            out[f"{method}_mean_f1_macro"] = means[method]
            out[f"{method}_beats_floor_everywhere"] = int(all(
                metrics[f"{n}_{method}_f1_macro"] > metrics[f"{n}_floor_f1_macro"] for n in names))
    chosen = default or max((m for m in means if m != "floor"), key=means.get)
    out |= {f"default_is_{m}": int(m == chosen) for m in means}
    if chosen in means:
        out["default_mean_f1_macro"] = means[chosen]
        out["default_beats_floor_everywhere"] = out[f"{chosen}_beats_floor_everywhere"]
    for name, key in (("emotion", "f1_macro"), ("sst2", "accuracy")):
        if f"{name}_{chosen}_{key}" in metrics:
            out[f"{name}_default_{key}"] = metrics[f"{name}_{chosen}_{key}"]
    return out, chosen


def is_summary(key: str) -> bool:
    """A metric summarise() derives from the cells (recomputed, never kept, when cells are re-summarised)."""
    return key.startswith("default_") or "_default_" in key or key.endswith(
        ("_mean_f1_macro", "_beats_floor_everywhere"))


def resummarise(default: str | None) -> None:
    """Recompute the summary of the committed result (bench/results/zero_shot_suite.json) without scoring again:
    the measured cells are kept as they are, with the command and commit that measured them."""
    result = json.loads(RESULT.read_text())
    cells = {k: v for k, v in result["metrics"].items() if not is_summary(k)}
    summary, result["default_method"] = summarise(cells, list(result["dataset"]), default)
    result["metrics"] = cells | summary
    result["summarised_by"] = " ".join(["python", *sys.argv])
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULT}: default {result['default_method']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--nli", help="a 3-way NLI model folder")
    ap.add_argument("--universal", nargs="*", default=[], help="universal model folders (each with heldout.json)")
    ap.add_argument("--mpnet", default="mpnet-base")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--backend", default="onnx", help="for scoring (fp32: the same labels as torch, faster); the "
                                                      "speed comparison with the pipeline runs on torch")
    ap.add_argument("--default", help="the method the targets are checked on (default: the best held-out mean)")
    ap.add_argument("--resummarise", action="store_true", help="only recompute the summary of the committed result")
    ap.add_argument("--sets", nargs="*", help="only these data sets (a partial run; the JSON says so)")
    ap.add_argument("--extra-nli", nargs="*", default=[], metavar="NAME=FOLDER",
                    help="more NLI models, scored as method nli_NAME")
    ap.add_argument("--methods", nargs="*", help="only these methods (default: every one given)")
    ap.add_argument("--merge", action="store_true", help="keep the committed cells of the methods not scored now "
                                                        "(each method's run is recorded under method_runs)")
    args = ap.parse_args()
    if args.resummarise:
        return resummarise(args.default)
    import torch

    torch.set_num_threads(args.threads)
    specs = suite()
    if args.sets:
        specs = {k: v for k, v in specs.items() if k in args.sets}
    rows = {name: [json.loads(line) for line in materialize(name, spec, WORK).read_text().splitlines()]
            for name, spec in specs.items()}
    methods = {"floor": "minilm-l6", "embedding_minilm": "minilm-l6", "embedding_mpnet": args.mpnet}
    if args.nli:
        methods["nli"] = args.nli
    for item in args.extra_nli:
        name, _, folder = item.partition("=")
        methods[f"nli_{name}"] = folder
    if args.methods:
        unknown = set(args.methods) - set(methods) - {"universal"}
        if unknown:
            sys.exit(f"--methods: {sorted(unknown)} not given (known: {sorted(methods)} and universal)")
        methods = {m: f for m, f in methods.items() if m in args.methods}
        args.universal = args.universal if "universal" in args.methods else []
    universal = {name: folder for folder in map(Path, args.universal) for name in held_out(folder, specs)
                 if name in specs}
    metrics, timings, cells = {}, {}, {}
    for method, model in list(methods.items()) + [("universal", None)]:
        seconds_total, texts_total = 0.0, 0
        for name, spec in specs.items():
            folder = universal.get(name) if method == "universal" else model
            if folder is None:
                continue
            found, seconds = score(load(method, str(folder), args.threads, spec, args.backend), rows[name])
            metrics[f"{name}_{method}_accuracy"], metrics[f"{name}_{method}_f1_macro"] = found["accuracy"], \
                found["f1_macro"]
            cells.setdefault(method, {})[name] = str(folder)
            seconds_total, texts_total = seconds_total + seconds, texts_total + len(rows[name])
            timings[f"{name}_{method}_s"] = round(seconds, 2)
            print(f"{method:18s} {name:16s} acc {found['accuracy']:.4f}  F1 {found['f1_macro']:.4f}  "
                  f"({len(rows[name])} texts, {seconds:.1f} s)", flush=True)
        if texts_total and "emotion" in specs:
            metrics[f"{method}_texts_per_s"] = round(len(rows["emotion"]) / timings[f"emotion_{method}_s"], 2) \
                if f"emotion_{method}_s" in timings else None
    if "nli" in methods and "emotion" in specs:
        emotion = [r["text"] for r in rows["emotion"]][:1000]
        metrics.update(speed(args.nli, args.threads, emotion, list(specs["emotion"].descriptions)))
    models = {**methods, "universal": cells.get("universal", {})} if "universal" in cells or not args.methods \
        else dict(methods)
    run = {"command": command(), "commit": commit(), "hardware": hardware(), "backend": args.backend}
    method_runs = {m: run for m in cells}
    if args.merge:
        metrics, timings, models, method_runs = merged(metrics, timings, models, method_runs, set(cells))
    summary, default = summarise(metrics, list(specs), args.default)
    metrics.update(summary)
    write_result("zero_shot_suite", {
        "dataset": {n: s.test for n, s in specs.items()}, "split": "test (SST-2: dev)",
        "default_method": default, "models": models, "method_runs": method_runs,
        "samples": {n: len(r) for n, r in rows.items()}, "targets": TARGETS,
        "published": {n: s.published for n, s in specs.items() if s.published},
        "metrics": {k: v for k, v in metrics.items() if v is not None}, "timings": timings})


def merged(metrics: dict, timings: dict, models: dict, method_runs: dict, scored: set[str]):
    """The committed result's cells of every method not scored now, beside this run's: each method's run (command,
    commit, machine, backend) is kept in method_runs, so a merged table names where each cell came from."""
    old = json.loads(RESULT.read_text())
    known = list(old["models"]) + [m for m in scored if m not in old["models"]]
    mine = lambda key: any(f"_{m}_" in f"_{key}" for m in scored)  # noqa: E731
    cells = {k: v for k, v in old["metrics"].items() if not is_summary(k) and not mine(k)} | metrics
    runs = {m: old.get("method_runs", {}).get(m, {"command": old["command"], "commit": old["commit"],
                                                  "hardware": old["hardware"]}) for m in known} | method_runs
    times = {k: v for k, v in old.get("timings", {}).items() if not mine(k)} | timings
    return cells, times, {m: models.get(m, old["models"].get(m)) for m in known}, runs


if __name__ == "__main__":
    main()
