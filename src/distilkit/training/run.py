"""``train(config)``: data -> model -> Trainer -> best model folder -> evaluation -> model card."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from ..compat import checkpointing_kwargs, sampling_kwargs, warmup_kwargs
from ..config import Checkpoints, Freeze, Precision, RunConfig
from ..errors import DistilkitError
from ..hardware import PrecisionChoice, choose, refuse_or_warn
from ..distill import Distiller, check_layers, keep_layers
from ..losses import build_loss
from ..models import load_model, load_tokenizer
from ..tasks import get_task
from . import checkpointing, memory
from .behaviour import load_suites
from .callbacks import use_stderr_progress
from .checkpoints import resume_point
from .output import (cannot_publish, cannot_write_final, clear_checkpoints, is_main_process, is_write_failure,
                     prepare_output, publish, staging_folder, staging_path)
from .finish import Trained, write_finished
from .preemption import Preempted, Preemption, StopEvaluation, stop_message


def training_arguments(cfg: RunConfig, checkpoint_dir: Path, has_validation: bool, metric: str,
                       precision: Precision = Precision.FP32, native_checkpointing: bool = True):
    """``precision``: what runs (fp32 or bf16), as ``training_precision`` resolved the recipe's.
    ``native_checkpointing``: False where the model's layers are checkpointed by ``training.checkpointing``, not
    by transformers (which would refuse the model)."""
    from transformers import TrainingArguments

    t = cfg.training
    strategy = t.eval_strategy.value if has_validation else "no"
    return TrainingArguments(
        output_dir=str(checkpoint_dir),
        num_train_epochs=t.epochs,
        max_steps=t.max_steps or -1,
        learning_rate=t.learning_rate,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.eval_batch_size,
        gradient_accumulation_steps=t.gradient_accumulation_steps,
        weight_decay=t.weight_decay,
        **warmup_kwargs(t.warmup_ratio),
        lr_scheduler_type=t.scheduler,
        optim=t.optimizer,
        seed=t.seed,
        bf16=precision is Precision.BF16,
        **checkpointing_kwargs(t.gradient_checkpointing and native_checkpointing),
        use_cpu=not _has_accelerator(),
        **sampling_kwargs(t.sampling.value),
        length_column_name="length",
        remove_unused_columns=False,  # the collator drops 'length' itself; the sampler needs it
        eval_strategy=strategy,
        eval_steps=t.eval_steps,
        save_strategy=strategy if has_validation else "epoch",
        save_steps=t.eval_steps,
        save_total_limit=t.save_total_limit,
        load_best_model_at_end=has_validation,
        metric_for_best_model=metric if has_validation else None,
        greater_is_better=None if not has_validation else not metric.endswith("loss"),
        logging_strategy="steps",
        logging_steps=t.logging_steps,
        report_to="none",
        save_only_model=False,
        dataloader_num_workers=0,
    )


def _has_accelerator() -> bool:
    import torch

    return torch.cuda.is_available()


def training_precision(cfg: RunConfig, strict: bool = False) -> PrecisionChoice:
    """What ``training.precision`` runs as on this machine, and why (``distilkit.hardware``): auto measures bf16
    at the thread count training uses, once per process (flags alone with several processes, which must agree).
    bf16 asked where it will be slow is said once on stderr, or refused in one line with ``strict``."""
    import torch

    if cfg.training.num_threads:
        torch.set_num_threads(cfg.training.num_threads)
    several = int(os.environ.get("WORLD_SIZE", "1")) > 1
    gpu_bf16 = torch.cuda.is_bf16_supported() if _has_accelerator() else None
    choice = choose(cfg.training.precision, "train", measure=not several, gpu_bf16=gpu_bf16)
    if strict or is_main_process():
        refuse_or_warn(choice, strict)
    return choice


def _callbacks(cfg: RunConfig, has_validation: bool) -> list:
    from transformers import EarlyStoppingCallback

    patience = cfg.training.early_stopping_patience
    return [EarlyStoppingCallback(early_stopping_patience=patience)] if patience and has_validation else []


def _check_metric(cfg: RunConfig, task) -> str:
    """The best-model metric; fails before training if evaluation does not produce it."""
    name = cfg.training.metric_for_best_model or task.default_metric
    known = set(task.metric_names()) | {"loss"}
    if name not in known:
        raise DistilkitError(f"training.metric_for_best_model: '{name}' is not produced by {task.name} evaluation; "
                             f"choose one of {', '.join(sorted(known))}")
    return name


def build_model(cfg: RunConfig, task):
    """The model to train: pretrained weights with a fresh head, optionally cut to ``keep_layers``."""
    model = load_model(task.auto_model, cfg.model.name, cfg.model.trust_remote_code,
                       ignore_mismatched_sizes=True, **task.model_kwargs())
    if cfg.model.keep_layers:
        model = keep_layers(model, cfg.model.keep_layers)
    if cfg.model.freeze is Freeze.EMBEDDINGS:
        model.get_input_embeddings().weight.requires_grad_(False)
    if cfg.training.gradient_checkpointing and not checkpointing.native(model):
        checkpointing.wrap_layers(model)  # MPNet: transformers has no checkpointing for it
    return model


def _check_layers_early(cfg: RunConfig) -> None:
    """A bad layer list is refused from the config alone, before data or weights are loaded."""
    if cfg.model.keep_layers:
        from transformers import AutoConfig

        from ..models import resolve_model

        config = AutoConfig.from_pretrained(resolve_model(cfg.model.name), trust_remote_code=cfg.model.trust_remote_code)
        check_layers(config, cfg.model.keep_layers, cfg.model.name)


def train(cfg: RunConfig, resume: bool | str = False, overwrite: bool = False, strict: bool = False) -> dict:
    """Train, evaluate and document a model. Returns the run summary (also saved as JSON).

    ``resume``: True / 'last' continues from the last checkpoint, 'auto' does so when one exists.
    ``overwrite``: replace a finished model in ``training.output_dir`` (refused otherwise).
    ``strict``: refuse ``precision: bf16`` where it would be slow (no native bf16), rather than warn once.
    The recipe's behaviour tests (data.behaviour_tests) then run on the model, onto its card: the summary's
    ``behaviour_tests`` says how many passed per file."""
    from ..io import PathLock

    out = Path(cfg.training.output_dir)
    precision = training_precision(cfg, strict)  # refused (--strict) before anything is read or locked
    suites = load_suites(cfg)  # read first: a bad tests file stops the run before any training
    with Preemption() as preemption:  # SIGTERM / SIGUSR1: a checkpoint, then exit 128 + signal
        if not is_main_process():  # rank 0 checks and locks the folder; the others follow its checkpoints
            return _train(cfg, None if overwrite else resume_point(out / "checkpoints", resume), preemption,
                          precision=precision)
        # The lock comes first: a run refused because another one writes OUT must not have touched OUT
        with PathLock(out, "--output-dir"):
            resume_from = prepare_output(out, overwrite, resume)
            return _train(cfg, resume_from, preemption, suites, fresh=overwrite, precision=precision)


def _train(cfg: RunConfig, resume_from: str | None, preemption: Preemption, suites: list | None = None,
           fresh: bool = False, precision: PrecisionChoice | None = None) -> dict:
    """The run itself, under OUT's lock (rank 0). ``fresh``: --overwrite, whose earlier checkpoints are removed
    only once everything that could refuse the run (data, model, settings) has loaded. ``precision``: what
    ``training.precision`` resolved to (``training_precision``)."""
    import torch
    import transformers

    if cfg.training.num_threads:
        torch.set_num_threads(cfg.training.num_threads)
    memory.apply(cfg.training.release_memory)  # before the data and model are read: their blocks too
    precision = precision or training_precision(cfg)
    transformers.set_seed(cfg.training.seed)
    out = Path(cfg.training.output_dir)
    checkpoint_dir = out / "checkpoints"
    _check_layers_early(cfg)

    task = get_task(cfg.task).from_config(cfg)
    data = task.load(cfg.training.seed)
    extras = _extra_tests(cfg, task)
    metric = _check_metric(cfg, task)
    distiller = Distiller.create(cfg, task)
    tokenizer = load_tokenizer(cfg.model.name, cfg.model.trust_remote_code)
    notes = list(data.notes)
    train_ds = task.preprocess(data.train, tokenizer, notes, training=True)
    val_ds = task.preprocess(data.validation, tokenizer, notes) if data.validation else None
    counts = task.class_counts(train_ds)  # before attach: class weights count labelled rows, not transfer texts
    started = time.time()
    train_ds = distiller.attach(train_ds, data.train, tokenizer, [data.validation, data.test, *extras.values()])
    teacher_s = time.time() - started

    model = build_model(cfg, task)
    loss_fn = distiller.wrap(build_loss(cfg.loss, counts), model, tokenizer)

    from .trainer import DistilkitTrainer

    args = training_arguments(cfg, checkpoint_dir, val_ds is not None, metric, precision.precision,
                              checkpointing.native(model))
    trainer = DistilkitTrainer(model=model, args=args, train_dataset=train_ds, eval_dataset=val_ds,
                               processing_class=tokenizer, data_collator=task.collator(tokenizer),
                               compute_metrics=task.trainer_metrics(data.validation, val_ds) if val_ds else None,
                               callbacks=_callbacks(cfg, val_ds is not None) + [preemption],
                               task=task, loss_fn=loss_fn)
    use_stderr_progress(trainer)
    if fresh and trainer.is_world_process_zero():
        clear_checkpoints(out)
    started = time.time()
    result = _train_until_done_or_signalled(trainer, resume_from, preemption)
    wall = time.time() - started
    if not trainer.is_world_process_zero():
        return {}
    tokenizer.model_max_length = cfg.model.max_length  # saved: pipelines then truncate as training did
    final = staging_path(out)  # everything final is written beside OUT, then renamed into place
    try:
        staging_folder(out)
        trained = Trained(trainer=trainer, args=args, model=model, tokenizer=tokenizer, task=task, data=data,
                          extras=extras, notes=notes, distiller=distiller, n_train=len(train_ds), result=result,
                          wall=wall, teacher_s=teacher_s, resume_from=resume_from, suites=suites or [],
                          precision=precision)
        summary = write_finished(final, cfg, trained)
    except Exception as exc:
        if not is_write_failure(exc):
            raise
        import shutil  # a full disk, a quota: the checkpoints hold the run, OUT is as it was

        shutil.rmtree(final, ignore_errors=True)
        raise DistilkitError(cannot_write_final(final, out, exc)) from None
    try:  # the folder is complete: a failure now leaves it for the next run's recovery to publish
        publish(final, out, keep_checkpoints=cfg.training.checkpoints is not Checkpoints.DELETE)
    except OSError as exc:
        raise DistilkitError(cannot_publish(final, out, exc)) from None
    os.environ.get("DISTILKIT_QUIET") or print(f"model, card and evaluation written to {out}", file=sys.stderr)
    return summary


def _train_until_done_or_signalled(trainer, resume_from: str | None, preemption: Preemption):
    """``trainer.train()``; on a signal, the checkpoint of the step reached, then ``Preempted``."""
    try:
        result = trainer.train(resume_from_checkpoint=resume_from)
    except StopEvaluation:  # signalled during an evaluation: save the step it was evaluating
        trainer._save_checkpoint(trainer.model, trial=None)
        result = None
    finally:
        preemption.deferred = False
    if preemption.signum is None:
        return result
    checkpoint = Path(trainer.args.output_dir) / f"checkpoint-{trainer.state.global_step}"
    raise Preempted(stop_message(preemption.signum, str(checkpoint) if checkpoint.is_dir() else None),
                    preemption.signum)


def _extra_tests(cfg: RunConfig, task) -> dict:
    """data.extra_validation, then data.extra_tests, read before training so that a bad file stops the run before
    any work is done. They are scored as the model stands: reading them must not change the task's settings
    (extra=True); the extra validation sets join validation where thresholds are chosen (finish.py)."""
    extras = {}
    for setting in ("extra_validation", "extra_tests"):
        for name, source in (getattr(cfg.data, setting) or {}).items():
            extras[name] = task.load_eval(source, extra=True)
            if not task.labelled(extras[name]):
                raise DistilkitError(f"data.{setting}.{name}: {source} has no answers or labels to score against: "
                                     "give labelled data, or remove it")
    return extras
