"""The finished folder of a run: everything written after the training loop, into the staging folder beside
OUT (weights, tokenizer, distilkit.json, evaluations, behaviour tests, plots, card, run record), which
``output.publish`` then renames into place. The run record goes last: its presence marks the folder complete."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..card import with_behaviour
from ..card.record import RECORD, RunRecord
from ..config import Precision, RunConfig
from ..hardware import BF16_MAX_DROP, PrecisionChoice
from ..inference.measure import parameters
from .behaviour import run_suites
from .history import epoch_table, training_losses

ONNX_CHECK_EXAMPLES = 1000
"""Validation rows the fp32 ONNX graph is scored on against PyTorch after a run with ``training.onnx_graph``."""
ONNX_MAX_DROP = 0.1
"""Points of the validation metric the fp32 graph may lose against PyTorch and still run one-off predictions: fp32
graphs agree with PyTorch up to float rounding, so anything more means the export went wrong."""


@dataclass
class Trained:
    """What the training loop hands to the finished folder."""

    trainer: object
    """The DistilkitTrainer, its best model loaded."""
    args: object
    """Its TrainingArguments."""
    model: object
    """The model as built before training (for the parameter counts)."""
    tokenizer: object
    task: object
    data: object
    """The task's loaded splits (train, validation, test, with their sources)."""
    extras: dict
    """data.extra_validation and data.extra_tests, loaded: scored beside the validation and test splits."""
    notes: list
    """Facts about the data for the card (skipped, sampled, truncated rows)."""
    distiller: object
    n_train: int
    """Training examples after preprocessing."""
    result: object
    """Trainer.train()'s output (its metrics: runtime, examples per second)."""
    wall: float
    """Seconds the training loop took."""
    teacher_s: float
    """Seconds spent computing teacher logits."""
    resume_from: str | None
    suites: list
    """The recipe's behaviour tests, parsed."""
    precision: object = None
    """What ``training.precision`` ran as, and why (a ``hardware.PrecisionChoice``; None: fp32 as asked)."""


def write_finished(final: Path, cfg: RunConfig, run: Trained) -> dict:
    """The finished folder, written into ``final`` (the staging folder): weights, tokenizer, distilkit.json,
    evaluations, behaviour tests, plots, card, and the run record last. Returns the run summary: the record as a
    dict, with 'behaviour_tests' (N of M passed per tests file) when the recipe has any."""
    trainer, task, data = run.trainer, run.task, run.data
    trainer.save_model(str(final))
    (final / "training_args.bin").unlink(missing_ok=True)  # a pickle; the recipe YAML records the settings

    tune_on = ["validation", *(cfg.data.extra_validation or {})]  # thresholds are chosen on these together
    scored = {"validation": data.validation, **{n: run.extras[n] for n in tune_on[1:]}, "test": data.test,
              **{n: s for n, s in run.extras.items() if n not in tune_on}}
    precision = run.precision or PrecisionChoice(Precision.FP32, Precision.FP32, "fp32: asked for")
    # After bf16 training, accelerate has wrapped the model's forward in bf16 autocast: unwrapped, the folder is
    # scored as it will run (fp32 weights, fp32 arithmetic), and the ONNX exporter traces fp32 matrix products.
    model = trainer.accelerator.unwrap_model(trainer.model, keep_fp32_wrapper=False)
    evaluation, bf16_check, default_backend = _evaluate(model, run.tokenizer, task, scored, final, tune_on,
                                                        data.train, precision)
    graph = None
    if cfg.training.onnx_graph:
        graph, default_backend = onnx_check(model, run.tokenizer, task, final, data.validation)
    name = cfg.card.get("model_name") or Path(cfg.training.output_dir).name
    result, wall = run.result, run.wall
    record = RunRecord(
        task=task.name, pipeline_tag=task.pipeline_tag, **task.summary_fields(), card_text=task.card_text(name),
        config_sections=list(task.config_sections), images=[img for v in evaluation.values() for img in v["images"]],
        config=cfg.to_dict(),
        derived={**_derived(trainer, run.args, run.model, run.n_train), "teacher_logits_s": round(run.teacher_s, 2),
                 "precision": precision.precision.value},
        precision={**precision.to_dict(), "check": bf16_check, "default_backend": default_backend,
                   "onnx_check": graph},
        data={name: {"source": s.source, "rows": len(s)} for name, s in {"train": data.train, **scored}.items()
              if s is not None},
        notes=run.notes,
        history=epoch_table(trainer.state.log_history),
        loss_curve=training_losses(trainer.state.log_history),
        results={k: v["metrics"] for k, v in evaluation.items()},
        calibration={k: v["calibration"] for k, v in evaluation.items() if v.get("calibration")},
        results_without_threshold={k: v["metrics_without_threshold"] for k, v in evaluation.items()
                                   if "metrics_without_threshold" in v},
        top_confusions={k: v.get("top_confusions", [])[:5] for k, v in evaluation.items()},
        train_runtime_s=round(result.metrics.get("train_runtime", wall), 2),
        train_samples_per_second=round(result.metrics.get("train_samples_per_second", 0.0), 2),
        wall_time_s=round(wall, 2),
        resumed_from=run.resume_from,
        distillation=run.distiller.report(task, data, final),
    )
    reports, passed = run_suites(final, run.suites)
    for report in reports:
        record.behaviour = with_behaviour(record.behaviour, report)
    _write_outputs(final, cfg, record)
    return {**record.to_dict(), **({"behaviour_tests": passed} if passed else {})}


def _evaluate(model, tokenizer, task, splits: dict, out: Path, tune_on: list[str], train=None,
              precision: PrecisionChoice | None = None) -> tuple[dict, dict | None, str]:
    """Write distilkit.json, evaluate the saved model through its predictor on each split (thresholds are tuned
    first, on the validation splits ``tune_on`` together; an out-of-scope detector that reads features is fitted
    on ``train`` before that), then store the tuned thresholds in distilkit.json and the detector's state.
    After a bf16 run, validation is scored again in bf16 inference (``bf16_check``): stored in distilkit.json, and
    after ``precision: auto`` a check that holds makes ``auto`` the folder's default backend.
    Returns (evaluation, the bf16 check or None, the default backend)."""
    from ..evaluation.evaluate import evaluate_splits, fit_detectors
    from ..inference import PREDICTORS, ModelSettings
    from ..inference.settings import weights_sha256

    settings = ModelSettings(task=task.name, weights_sha256=weights_sha256(out), **task.inference_settings())
    settings.write(out)
    predictor = PREDICTORS[task.name](str(out), settings=settings, loaded=(model.eval(), tokenizer))
    fit_detectors(predictor, task, train)
    evaluation = evaluate_splits(predictor, task, splits, out, tune_on)
    settings = settings.update(**task.inference_settings())
    check = None
    if precision is not None and precision.precision is Precision.BF16:
        check = bf16_check(model, tokenizer, task, out, settings, splits.get("validation"),
                           evaluation.get("validation"))
    if check and check["ok"] and precision.asked is Precision.AUTO:
        settings = settings.update(default_backend="auto")  # bf16 where the machine runs it fast, else fp32
    settings.update(bf16_check=check).write(out)
    return evaluation, check, settings.default_backend


def onnx_check(model, tokenizer, task, out: Path, split) -> tuple[dict, str]:
    """Export the fp32 ONNX graph into ``out`` (recorded in distilkit.json by the onnx backend) and score up to
    ``ONNX_CHECK_EXAMPLES`` rows of ``split`` (validation) with it against PyTorch (``inference.export.verify``):
    stored as distilkit.json's ``onnx_check``, 'ok' while the metric moves at most ``ONNX_MAX_DROP`` points, and
    then the folder's default backend becomes ``auto`` (which runs the graph for one-off calls only). A graph that
    cannot be exported is reported in one line, and the run goes on on PyTorch. Returns (check, default backend)."""
    import shutil
    import sys

    from ..errors import DistilkitError, first_line
    from ..inference import PREDICTORS, ModelSettings
    from ..inference.export import verify

    try:
        graph = PREDICTORS[task.name](str(out), backend="onnx", loaded=(model, tokenizer))
        if split is None:
            check = {"examples": 0, "metric": None, "drop_points": None, "ok": False,
                     "error": "no validation split to check the graph on"}
        else:
            split = split.subset(ONNX_CHECK_EXAMPLES, seed=0)
            reference = PREDICTORS[task.name](str(out), backend="torch", loaded=(model, tokenizer))
            check = verify(reference, graph, task, split)
            check.update(max_drop=ONNX_MAX_DROP, ok=check["drop_points"] <= ONNX_MAX_DROP)
    except Exception as exc:  # noqa: BLE001 - an optional step: whatever the exporter or ONNX Runtime raises, the
        # trained model is already saved and must be published, not lost to a traceback
        first = first_line(exc)
        check = {"ok": False, "error": first if isinstance(exc, DistilkitError) else f"{type(exc).__name__}: {first}"}
        print(f"training.onnx_graph: {check['error']}; the model is saved and runs on PyTorch", file=sys.stderr)
    current = ModelSettings.read(out)  # as the onnx backend left it: with the graph's record
    if "onnx" not in current.backends:  # a graph file the failed export may have left half written
        shutil.rmtree(out / "onnx", ignore_errors=True)
    default = "auto" if check["ok"] and current.default_backend == "torch" else current.default_backend
    current.update(onnx_check=check, default_backend=default).write(out)
    return check, default


def bf16_check(model, tokenizer, task, out: Path, settings, split, fp32_report: dict | None) -> dict | None:
    """The task's main metric on ``split`` (validation) in bf16 inference against fp32's ``fp32_report``, in points:
    'ok' while bf16 loses at most ``hardware.BF16_MAX_DROP``. None without a labelled validation split."""
    from ..evaluation.evaluate import evaluate_split
    from ..inference import PREDICTORS
    from ..inference.backends import BY_PRECISION

    if split is None or fp32_report is None:
        return None
    predictor = PREDICTORS[task.name](str(out), backend=BY_PRECISION["bf16"], settings=settings,
                                      loaded=(model, tokenizer))
    report = evaluate_split(predictor, task, split)
    metric = task.default_metric
    fp32, bf16 = (r["metrics"][metric] * task.metric_scale for r in (fp32_report, report))
    drop = fp32 - bf16
    return {"metric": metric, "fp32": round(fp32, 4), "bf16": round(bf16, 4), "drop_points": round(drop, 4),
            "max_drop": BF16_MAX_DROP, "ok": drop <= BF16_MAX_DROP, "examples": len(split)}


def _derived(trainer, args, model, n_train: int) -> dict:
    """Values the config implies but does not state: the card reports what was actually used."""
    state = trainer.state
    return {
        "num_processes": args.world_size,
        "effective_batch_size": args.per_device_train_batch_size * args.gradient_accumulation_steps * args.world_size,
        "total_steps": state.max_steps,
        "steps_completed": state.global_step,
        "epochs_completed": round(state.epoch or 0.0, 3),
        "warmup_steps": args.get_warmup_steps(state.max_steps),
        "best_checkpoint_metric": state.best_metric,
        "train_examples": n_train,
        "parameters": parameters(model),
        "trainable_parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "device": str(args.device),
        "torch_threads": __import__("torch").get_num_threads(),
    }


def _write_outputs(out: Path, cfg: RunConfig, summary: RunRecord) -> None:
    """The files for people, into the staging folder; the run record last, because its presence is what
    marks the folder complete (output.is_complete) and lets a kill's recovery publish it."""
    from ..card import write_card
    from ..io import write_atomic
    from ..plots import learning_curve

    (out / "distilkit_recipe.yaml").write_text(yaml.safe_dump(cfg.to_dict(), sort_keys=False), encoding="utf-8")
    learning_curve(summary.loss_curve, summary.history, out / "learning_curve.png")
    write_card(out, summary)
    write_atomic(out / RECORD, summary.to_json())
