"""Commands that run trained models on inputs: eval, predict, zero-shot, qa (check, export and bench, which act
on a model folder as a whole, are in shipping.py)."""
from __future__ import annotations

import json
import sys

from ..errors import DistilkitError
from ..options import EvalOptions, PredictOptions, QaOptions, RunOptions
from .ranges import feeds


@feeds(EvalOptions)
def eval(model: str, *, data: str, output: str | None = None, oos_label: str = "auto", text_column: str = "text",
         text_pair_column: str | None = None, label_column: str = "label", label_names: list[str] | None = None,
         batch_size: int = 64, max_eval_samples: int | None = None, backend: str | None = None,
         threads: int | None = None, tune_threshold: bool = False, zero_shot: bool = False,
         labels: list[str] | None = None, hypothesis_template: str | None = None, method: str = "auto",
         oos_detector: str | None = None, fit_data: str | None = None):
    """Evaluate a trained model on labelled data: a classifier (metrics JSON and confusion-matrix PNG), an
    extractive QA model (SQuAD exact match and F1, and a file of wrong answers), or an NLI model as a
    zero-shot classifier (--zero-shot --labels ...).

    Args:
        model: Model folder (or hub id) of a text classifier or an extractive QA model.
        data: Labelled data: a file, FILE::split, or hub:NAME::split.
        output: JSON file for the results (default: MODEL/eval_<data name>.json); the PNG goes beside it.
        oos_label: Out-of-scope label for in-scope accuracy and OOS recall ('auto': 'oos' if the model has it).
        text_column: Column holding the text.
        text_pair_column: Column holding the second text of a pair.
        label_column: Column holding the gold label.
        label_names: Names for integer labels 0..k-1 in the data, e.g. negative,positive.
        batch_size: Examples per batch.
        max_eval_samples: Evaluate on a seeded random sample of N rows.
        backend: torch, torch-bf16, onnx, onnx-int8 or auto (auto: the fastest safe one for the folder here;
            default: the folder's own; torch for trained folders).
        threads: CPU threads for the backend.
        tune_threshold: Pick the out-of-scope threshold on DATA (validation data, never test) and store it in the
            folder's distilkit.json.
        oos_detector: With --tune-threshold: the out-of-scope score to threshold: max_softmax, energy, mahalanobis,
            knn, or auto (each tried, the best on DATA kept); stored in the folder for every predictor and backend.
        fit_data: With --oos-detector mahalanobis, knn or auto: the labelled training data they learn from.
        zero_shot: Run MODEL (an NLI or a sentence-embedding model) as a zero-shot classifier over --labels.
        labels: With --zero-shot: the data's label names, e.g. joy,sadness; NAME=WORDS puts WORDS in the hypothesis.
        hypothesis_template: With --zero-shot: the hypothesis, '{}' marks the label (default 'This example is {}.').
        method: With --zero-shot: 'nli', 'embedding' or 'auto' (nli for a model with entailment/contradiction labels,
            else embedding for a folder with pooling information); as `distilkit zero-shot --method`.
    """
    from ..evaluation import evaluate

    report = evaluate(model, data, output, None if oos_label == "none" else oos_label, text_column,
                      text_pair_column, label_column, label_names, batch_size, max_eval_samples=max_eval_samples,
                      backend=backend, threads=threads, tune_threshold=tune_threshold, zero_shot=zero_shot,
                      labels=labels, hypothesis_template=hypothesis_template, method=method,
                      oos_detector=oos_detector, fit_data=fit_data)
    shown = {k: report[k] for k in ("oos_threshold", "oos_detector", "validation_by_detector",
                                    "metrics_without_threshold", "settings_written") if k in report}
    print(json.dumps({"data": data, "backend": report["backend"], "examples": report["examples"],
                      "metrics": report["metrics"], **shown}, indent=2))


@feeds(PredictOptions)
def predict(model: str, texts: list[str] | None = None, file: str | None = None, output: str | None = None,
            text_column: str = "text", text_pair_column: str | None = None, top_k: int = 1, batch_size: int = 64,
            on_empty: str = "error", backend: str | None = None, threads: int | None = None, engine: str = "local",
            actors: int = 2, ray_address: str | None = None, chunk_size: int = 1024, server: str | None = None,
            api_key: str | None = None, server_timeout_s: float = 30.0):
    """Classify texts given on the command line, or every row of a file (JSON Lines or Parquet out; a killed run
    started again resumes after its last finished chunk).

    Args:
        model: Model folder (or hub id) of a text classifier.
        texts: Texts to classify.
        file: Input file (jsonl, csv, tsv, txt, json, parquet) for batch mode.
        output: Output file for batch mode, .jsonl or .parquet (default: predictions.jsonl); with --engine ray a folder.
        text_column: Column holding the text in batch mode.
        text_pair_column: Column holding the second text of a pair in batch mode.
        top_k: Labels returned per text, best first.
        batch_size: Examples per batch.
        on_empty: What an empty text in a file does: 'error' or 'skip' (counted).
        backend: torch, torch-bf16, onnx, onnx-int8 or auto (auto: the fastest safe one for the folder here;
            default: the folder's own; torch for trained folders).
        threads: CPU threads for the backend.
        engine: Batch mode engine: 'local' (this process) or 'ray' (Ray Data, one model per actor; pip install ray).
        actors: With --engine ray: model actors (each loads the model once).
        ray_address: With --engine ray: a Ray cluster to join (default: RAY_ADDRESS, else a local Ray).
        chunk_size: Rows per chunk in batch mode: the unit written at once, that a killed run resumes from, and that
            a Ray actor takes at a time.
        server: A running `distilkit serve` (e.g. http://127.0.0.1:8000) to ask instead of loading the model here
            (a fraction of a second instead of seconds); MODEL is then a name it serves, or a folder it serves.
        api_key: With --server: the server's API key (default: the DISTILKIT_API_KEY environment variable).
        server_timeout_s: With --server: how long to wait for the server's answer.
    """
    if not texts and not file:
        raise DistilkitError("predict: give texts to classify or --file FILE")
    if server:
        return predict_via_server(model, texts, file, backend, threads, top_k, server, api_key, server_timeout_s)
    from ..inference import load_predictor

    if engine not in ("local", "ray"):
        raise DistilkitError(f"--engine: '{engine}' is not one of: local, ray")
    if engine == "ray":
        if not file or texts:
            raise DistilkitError("--engine ray runs batch mode: give --file FILE (and no texts)")
        from ..inference.ray_engine import predict_with_ray

        print(json.dumps(predict_with_ray(model, file, output or "predictions.parquet", text_column,
                                          text_pair_column, backend, threads or 1, actors, batch_size,
                                          ray_address, chunk_size)))
        return
    if on_empty not in ("error", "skip"):
        raise DistilkitError(f"--on-empty: '{on_empty}' is not one of: error, skip")
    clf = load_predictor(model, backend, task="text-classification", batch_size=batch_size, threads=threads,
                         one_off=bool(texts) and not file)
    if texts:
        for text, preds in zip(texts, clf.predict(texts, top_k=top_k)):
            print(json.dumps({"text": text, "predictions": preds}, ensure_ascii=False))
    if file:
        if chunk_size < 1:
            raise DistilkitError(f"--chunk-size {chunk_size}: give at least 1")
        counts = clf.predict_file(file, output or "predictions.jsonl", text_column, text_pair_column, top_k,
                                  chunk_size=chunk_size, on_empty=on_empty)
        print(json.dumps({"output": output or "predictions.jsonl", **counts}))


def predict_via_server(model, texts, file, backend, threads, top_k, server, api_key, timeout_s) -> None:
    """``predict``'s texts answered by a running server, printed as a local run prints them."""
    given = [flag for flag, value in (("--file", file), ("--backend", backend), ("--threads", threads)) if value]
    if given:
        raise DistilkitError(f"{given[0]}: runs the model here; with --server the server runs it (its own backend "
                             f"and threads): drop {given[0]} or --server")
    from ..serve.client import Server

    for text, preds in zip(texts, Server(server, api_key, timeout_s).classify(model, texts, top_k)):
        print(json.dumps({"text": text, "predictions": preds}, ensure_ascii=False))


@feeds(RunOptions)
def zero_shot(model: str, texts: list[str] | None = None, labels: list[str] | None = None, file: str | None = None,
              output: str | None = None, text_column: str = "text", labels_column: str | None = None,
              hypothesis_template: str = "This example is {}.", multi_label: bool = False, logits: bool = False,
              batch_size: int = 64, on_empty: str = "error", backend: str | None = None, threads: int | None = None,
              method: str = "auto", pooling: str | None = None, calibrate: str | None = None,
              label_column: str = "label"):
    """Classify texts into any labels without training (zero-shot), by entailment with an NLI model or by sentence
    embeddings; or every row of a file.

    Args:
        model: An NLI model folder (ours, or any transformers one with entailment/contradiction labels), or a
            sentence-embedding folder (minilm-l6, mpnet-base, any sentence-transformers folder).
        texts: Texts to classify.
        labels: Candidate labels, e.g. sports,politics,tech; NAME=WORDS puts WORDS in the hypothesis; with
            --method embedding, NAME=WORDS|WORDS|... gives several descriptions, averaged.
        file: Input file (jsonl, csv, tsv, txt, json, parquet) for batch mode.
        output: Output file for batch mode, .jsonl or .parquet (default: zero_shot.jsonl); how it was made goes
            beside it in OUTPUT.meta.json.
        text_column: Column holding the text in batch mode (and in the --calibrate file).
        labels_column: Column holding each row's own label set (a list, or one string of labels joined by commas)
            in batch mode.
        hypothesis_template: The hypothesis; '{}' marks where the label goes.
        multi_label: Score each label on its own (NLI: entailment against contradiction; embedding: against the
            label's threshold, applies at 0.5) instead of one softmax over all.
        logits: Batch mode: also write each row's logits in label order (their softmax is the single-label score;
            a distill.teacher_logits file).
        batch_size: Texts (NLI: text-label pairs) per batch.
        on_empty: What an empty text in a file does: 'error' or 'skip' (counted).
        backend: torch, torch-bf16, onnx, onnx-int8 or auto (auto: the fastest safe one for the folder here;
            default: the folder's own).
        threads: CPU threads for the backend.
        method: How labels are scored: 'nli' (entailment), 'embedding' (cosine of sentence embeddings, one pass
            per text), or 'auto': nli for a model with entailment/contradiction labels, else embedding for a
            folder with pooling information.
        pooling: With --method embedding: how token outputs become one vector (mean, cls, max,
            mean_sqrt_len_tokens, weightedmean, lasttoken), for a folder without sentence-transformers pooling
            files, or to override them.
        calibrate: With --method embedding: a labelled file whose rows fit the temperature (single-label) or each
            label's threshold (multi-label) before predicting; its labels must be among --labels.
        label_column: With --calibrate: column holding each row's label (multi-label: a list, or labels joined by
            commas).
    """
    from ..tasks.entailment import check_template, parse_labels

    if not texts and not file:
        raise DistilkitError("zero-shot: give texts to classify or --file FILE")
    if on_empty not in ("error", "skip"):
        raise DistilkitError(f"--on-empty: '{on_empty}' is not one of: error, skip")
    if not labels and not (file and labels_column):
        raise DistilkitError("zero-shot: no labels: pass --labels a,b,c (or, with --file, --labels-column)")
    if calibrate and not labels:
        raise DistilkitError("--calibrate fits the scores of --labels: give --labels a,b,c with it")
    check_template(hypothesis_template)
    if labels:
        parse_labels(labels)
    from ..inference import load_predictor
    from ..inference.files import labelled_rows

    rows = labelled_rows(calibrate, text_column, label_column) if calibrate else None  # a bad file fails first
    options = {"pooling": pooling} if pooling else {}
    zsc = load_predictor(model, backend, task="zero-shot-classification", method=method, labels=labels,
                         hypothesis_template=hypothesis_template, multi_label=multi_label, batch_size=batch_size,
                         threads=threads, one_off=bool(texts) and not file and rows is None, **options)
    if rows is not None:
        fitted = zsc.calibrate(rows, source=calibrate)
        print(json.dumps({"calibration": fitted.as_dict()}), file=sys.stderr)
    if texts:
        for result in zsc.predict(texts):
            print(json.dumps(result, ensure_ascii=False))
    if file:
        counts = zsc.predict_file(file, output or "zero_shot.jsonl", text_column, labels_column, on_empty=on_empty,
                                  logits=logits)
        print(json.dumps({"output": output or "zero_shot.jsonl", **counts}))


@feeds(QaOptions)
def qa(model: str, question: str | None = None, context: str | None = None, file: str | None = None,
       output: str | None = None, top_k: int = 1, batch_size: int = 32, max_length: int | None = None,
       doc_stride: int | None = None, max_answer_length: int | None = None, question_column: str = "question",
       context_column: str = "context", backend: str | None = None, threads: int | None = None,
       best_span: bool = False):
    """Answer questions from contexts with any extractive QA model folder (ours or any other). A folder trained
    with questions that have no answer (its distilkit.json has a null_threshold) answers `"answer": null,
    "no_answer": true` where the context records none; its span answers have `"no_answer": false`.

    Args:
        model: Model folder (or hub id) with a question-answering head (BERT, DistilBERT, RoBERTa...).
        question: The question (with --context).
        context: The text holding the answer.
        file: Batch mode: JSON Lines / csv / SQuAD-style rows with question and context columns.
        output: Output JSON Lines file for batch mode (default: answers.jsonl).
        top_k: Answers per question, best first.
        batch_size: Windows per batch.
        max_length: Tokens per window (default: the training setting, else 384 as the transformers pipeline).
        doc_stride: Tokens shared by consecutive windows of a long context (default: training's, else 128).
        max_answer_length: Longest answer in tokens (default: training's, else 15 as the pipeline).
        question_column: Column holding the question in batch mode.
        context_column: Column holding the context in batch mode.
        backend: torch, torch-bf16, onnx, onnx-int8 or auto (auto: the fastest safe one for the folder here;
            default: the folder's own; ONNX graphs go in MODEL/onnx/).
        threads: CPU threads for the backend.
        best_span: With a no-answer: also give the best span the model found, under "best_span" (null if none).
    """
    from ..inference import load_predictor

    if not file and (question is None or context is None):
        raise DistilkitError("qa: give --question and --context, or --file FILE for batch mode")
    for flag, text, what in (("--question", question, "the question to ask"),
                             ("--context", context, "the text to read the answer from")):
        if text is not None and not text.strip():  # before the model loads: an empty note has nothing to read
            raise DistilkitError(f"qa: {flag} is empty: give {what}")
    answerer = load_predictor(model, backend, task="question-answering", batch_size=batch_size, max_length=max_length,
                              doc_stride=doc_stride, max_answer_length=max_answer_length, threads=threads)
    if question is not None and context is not None:
        found = answerer.predict([question], [context], top_k, best_span=best_span)[0]
        print(json.dumps({"question": question, "answers": found}, ensure_ascii=False))
    if file:
        counts = answerer.predict_file(file, output or "answers.jsonl", question_column, context_column, top_k,
                                       best_span=best_span)
        print(json.dumps({"output": output or "answers.jsonl", **counts}))
