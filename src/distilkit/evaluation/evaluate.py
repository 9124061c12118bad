"""Evaluate a model on labelled data, for any task and any backend.

Models run only through predictors (``distilkit.inference``); the task turns their outputs into a
report (metrics, per-class scores or per-question errors) and writes it. Nothing here knows which
task it evaluates: the task registry and the predictor registry do.
"""
from __future__ import annotations

import contextlib
from pathlib import Path

from ..config import DataConfig
from ..errors import DistilkitError
from ..io import PathLock
from ..inference import ModelSettings, load_predictor
from ..tasks import get_task


def report_lock(path: str | Path, folder: str | Path) -> PathLock:
    """The lock to hold while writing a report (and the files beside it) to ``path``: the model folder's when
    the report goes into it (others read and write that folder), else the report file's own."""
    if Path(path).resolve().parent == Path(folder).resolve():
        return PathLock(folder, "MODEL")
    return PathLock(path, "--output")


def evaluate_split(predictor, task, split, tune: bool = False) -> dict | None:
    """The task's report on one split; None if the split has no labels. With ``tune`` the task picks its
    decision thresholds on this split first (validation only)."""
    if not task.labelled(split):
        return None
    return task.report(predictor.outputs(split), split, tune)


def fit_detectors(predictor, task, train) -> None:
    """Fit the out-of-scope detectors that read features (Mahalanobis, kNN) on the training split's outputs, when
    the task's config asks for one; their state is written with the folder (``save_detector``)."""
    if train is not None and getattr(task, "wants_features", lambda: False)():
        task.fit_detectors(predictor.outputs(train), train)


def save_detector(task, folder: Path) -> None:
    """The chosen out-of-scope detector's learned state into ``folder`` (ood.safetensors; removed if it has none)."""
    detector = getattr(task, "detector", None)
    if detector is not None:
        from ..ood import save_state

        save_state(folder, detector)


def evaluate_splits(predictor, task, splits: dict, out: Path, tune_on: tuple[str, ...] | list[str] = ("validation",)
                    ) -> dict:
    """After training: evaluate the (best) model on each labelled split, thresholds first: they are tuned on the
    splits ``tune_on`` (validation, and data.extra_validation joined with it) and applied to every split. Runs on
    the main process only."""
    tuning = [splits[n] for n in tune_on if splits.get(n) is not None and task.labelled(splits[n])]
    joined = len(tuning) > 1
    if joined:  # one threshold for every validation set together: scored once on all of them, its report unused
        together = type(tuning[0]).concat(tuning)
        task.report(predictor.outputs(together), together, True)
    results = {}
    for name, split in splits.items():
        report = evaluate_split(predictor, task, split, tune=name == "validation" and not joined)
        if report is not None:
            report["images"] = task.write_report(report, out / f"eval_{name}.json",
                                                 out / f"confusion_matrix_{name}.png")
            results[name] = report
    save_detector(task, out)
    return results


def evaluate(model_dir: str, data: str, output: str | None = None, oos_label: str | None = "auto",
             text_column: str = "text", text_pair_column: str | None = None, label_column: str = "label",
             label_names: list[str] | None = None, batch_size: int = 64, max_eval_samples: int | None = None,
             backend: str | None = None, threads: int | None = None, tune_threshold: bool = False,
             zero_shot: bool = False, labels: list[str] | dict | None = None,
             hypothesis_template: str | None = None, method: str = "auto", oos_detector: str | None = None,
             fit_data: str | None = None) -> dict:
    """Evaluate a model folder (ours or any other transformers folder) on a labelled data source.

    ``tune_threshold`` picks the out-of-scope threshold on ``data`` (give validation data, never test)
    and stores it in the folder's distilkit.json, where every predictor and backend applies it.
    ``zero_shot`` runs an NLI or a sentence-embedding model as a zero-shot classifier over ``labels`` (the data's
    label names, each optionally 'name=words put in the hypothesis'), scored like a classifier; ``method`` picks
    how ('nli', 'embedding', or 'auto': the first that fits the model). ``oos_detector`` (with ``tune_threshold``)
    picks the out-of-scope score anew ('auto': each tried on ``data``), fitted on ``fit_data`` (training data) when it
    reads features; it is stored in the folder with its threshold."""
    settings = _detector_settings(model_dir, tune_threshold, oos_detector, fit_data, zero_shot)
    if zero_shot:
        if not labels:
            raise DistilkitError("--zero-shot needs --labels: the data's label names, e.g. --labels joy,sadness=sad")
        extra = {"labels": labels, **({"hypothesis_template": hypothesis_template} if hypothesis_template else {})}
        predictor = load_predictor(model_dir, backend, task="zero-shot-classification", method=method,
                                   batch_size=batch_size, threads=threads, **extra)
    else:
        if labels or hypothesis_template or method != "auto":
            raise DistilkitError("--labels, --hypothesis-template and --method are for --zero-shot: add --zero-shot, or "
                                 "drop them")
        predictor = load_predictor(model_dir, backend, batch_size=batch_size, threads=threads,
                                   **({"settings": settings} if settings else {}))
    labels = getattr(predictor, "labels", [])
    oos = ("oos" if "oos" in labels else None) if oos_label == "auto" else oos_label
    if tune_threshold and not oos:
        raise DistilkitError(f"--tune-threshold: {model_dir} has no out-of-scope label ('oos'): pass --oos-label "
                             "with the label that means out of scope, or drop --tune-threshold")
    cfg = DataConfig(text_column=text_column, text_pair_column=text_pair_column, label_column=label_column,
                     label_names=label_names, oos_label=oos, max_eval_samples=max_eval_samples,
                     oos_threshold="tune" if tune_threshold else "off",
                     **({"oos_detector": oos_detector} if oos_detector else {}))
    task = get_task(predictor.scored_as()).for_predictor(predictor, cfg)
    if fit_data:
        fit_detectors(predictor, task, task.load_eval(fit_data))
    split = task.load_eval(data)
    report = evaluate_split(predictor, task, split, tune=tune_threshold)
    if report is None:
        raise DistilkitError(f"{data} has no labels or answers to score against: use `distilkit predict` / "
                             "`distilkit qa --file` for unlabelled data, or set --label-column")
    if tune_threshold:
        report["settings_written"] = str(Path(predictor.folder) / "distilkit.json")
    report["backend"] = predictor.backend_name
    if predictor.backend_why:  # --backend auto: why this one runs here
        report["backend_why"] = predictor.backend_why
    if zero_shot:
        report["zero_shot"] = predictor.metadata()  # method, labels, template (and calibration) it was scored with
    json_path = Path(output) if output else Path(model_dir) / f"eval_{Path(data.split('::')[0]).stem}.json"
    # Both locks before anything is written (taken now, not for the whole evaluation, so that evaluations of one
    # model on other data run side by side); re-entrant, so the report going into the model folder is one lock.
    with contextlib.ExitStack() as locks:
        if tune_threshold:  # distilkit.json is read by every predictor of the folder
            locks.enter_context(PathLock(predictor.folder, "MODEL"))
        locks.enter_context(report_lock(json_path, model_dir))
        if tune_threshold:
            save_detector(task, predictor.folder)  # first: until distilkit.json names it, the old one still works
            write_tuned_settings(predictor, task.inference_settings())
            report["validation_by_detector"] = task.detector_values
        task.write_report(report, json_path)
    return report


def _detector_settings(model_dir: str, tune: bool, detector: str | None, fit_data: str | None, zero_shot: bool):
    """The folder's settings with ``detector`` in place of its own (so the predictor returns the features it reads,
    and no old threshold applies while choosing), after refusing what cannot work; None when no detector is asked."""
    from ..ood import check_name, needs_features

    if not detector:
        if fit_data:
            raise DistilkitError("--fit-data: the training data of an out-of-scope detector: give --oos-detector "
                                 "mahalanobis, knn or auto with it, or drop it")
        return None
    if not tune or zero_shot:
        raise DistilkitError("--oos-detector: chooses the out-of-scope score with --tune-threshold (not --zero-shot): "
                             "add --tune-threshold and give validation data as --data")
    check_name(detector, "--oos-detector")
    if needs_features(detector) and not fit_data:
        raise DistilkitError(f"--oos-detector {detector}: learns from the training set's features: give the training "
                             "data with --fit-data TRAIN")
    settings = ModelSettings.read(model_dir)
    if settings is None or settings.task != "text-classification" or not settings.oos_label:
        raise DistilkitError(f"--oos-detector: {model_dir} was not trained with an out-of-scope label (data.oos_label): "
                             "out-of-scope detection needs one; retrain with data.oos_label set")
    return settings.update(oos_detector=detector, oos_threshold=None)


def write_tuned_settings(predictor, tuned: dict) -> None:
    """Write the fields the task decides (its tuned threshold) into the folder's distilkit.json as it is now,
    re-read under the folder's lock (held by the caller): a graph another run recorded since ``predictor`` read
    the file is kept."""
    current = ModelSettings.read(predictor.folder) or predictor.settings
    current.update(**tuned).write(predictor.folder)
