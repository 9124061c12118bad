"""The training loop: ``transformers.Trainer`` with our loss registry plugged into its hook.

Why subclass Trainer rather than write an accelerate loop: Trainer already gives us, tested by
thousands of users, checkpointing with optimizer/scheduler/RNG state and exact resume,
gradient accumulation, DDP through ``accelerate launch`` (gloo on CPU), bf16 autocast,
length-grouped sampling, early stopping and best-checkpoint selection. What it lacks is a
loss chosen by name, so we override ``compute_loss`` only and delegate to the task, which
knows how to call the model and which outputs the loss takes.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from transformers import Trainer

from ..errors import DistilkitError


class DistilkitTrainer(Trainer):
    def __init__(self, *args, task, loss_fn, **kwargs):
        super().__init__(*args, **kwargs)
        self.task = task
        self.loss_fn = loss_fn
        # Our losses are batch means, not sums over num_items_in_batch: Trainer must divide
        # them by the accumulation steps itself, whatever the model's forward() accepts.
        self.loss_is_scaled_for_ga = False

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        loss, outputs = self.task.compute_loss(model, inputs, self.loss_fn)
        return (loss, outputs) if return_outputs else loss

    def _save_checkpoint(self, model, trial):
        # Atomic checkpoints: transformers writes checkpoint-N in place, so a kill during the save leaves a
        # folder that looks like a checkpoint. Let it write tmp-checkpoint-N, then rename it into place: a
        # kill at any moment leaves the previous checkpoints and either no checkpoint-N or a complete one.
        import transformers.trainer as hf_trainer
        from transformers.trainer_utils import PREFIX_CHECKPOINT_DIR, rotate_checkpoints

        run_dir = Path(self._get_output_dir(trial=trial))
        final = run_dir / f"{PREFIX_CHECKPOINT_DIR}-{self.state.global_step}"
        staging = run_dir / f"tmp-{final.name}"
        if self.args.should_save:
            shutil.rmtree(staging, ignore_errors=True)
        hf_trainer.PREFIX_CHECKPOINT_DIR = f"tmp-{PREFIX_CHECKPOINT_DIR}"
        from .output import is_write_failure

        try:
            super()._save_checkpoint(model, trial)
        except Exception as exc:  # disk full, quota, file-size limit, however the writer reports it
            if not is_write_failure(exc):
                raise
            shutil.rmtree(staging, ignore_errors=True)
            raise DistilkitError(_no_room(final, exc)) from None
        finally:
            hf_trainer.PREFIX_CHECKPOINT_DIR = PREFIX_CHECKPOINT_DIR
        self.accelerator.wait_for_everyone()  # every rank has written its RNG state into the staging folder
        if not self.args.should_save:
            return
        shutil.rmtree(final, ignore_errors=True)  # the same step saved again (preempted during evaluation)
        os.replace(staging, final)
        # transformers recorded the best checkpoint under the staging name when it was this one
        best = run_dir / f"{PREFIX_CHECKPOINT_DIR}-{self.state.best_global_step}"
        if self.state.best_global_step and best.is_dir():
            self.state.best_model_checkpoint = str(best)
            tmp = final / "trainer_state.json.tmp"
            self.state.save_to_json(str(tmp))
            os.replace(tmp, final / "trainer_state.json")
        rotate_checkpoints(output_dir=str(run_dir), save_total_limit=self.args.save_total_limit,
                           best_model_checkpoint=self.state.best_model_checkpoint, use_mtime=False)

    def _get_train_sampler(self, train_dataset=None):
        # Length grouping draws its order from the global RNG when the epoch starts, so a run resumed in the
        # middle of an epoch would get another order for the rest of it. Seed it with (seed, epoch) instead,
        # as accelerate's seedable sampler does for random sampling: a resumed run sees the same batches.
        sampler = super()._get_train_sampler(train_dataset)
        from transformers.trainer_pt_utils import LengthGroupedSampler

        if type(sampler) is LengthGroupedSampler:
            sampler.__class__ = SeededLengthGroupedSampler
            sampler.seed, sampler.epoch = self.args.seed, 0
        return sampler

    def _get_eval_sampler(self, eval_dataset):
        # Evaluate in dataset order. Trainer 5.x groups evaluation batches by length too, which
        # scrambles the order; tasks whose examples span several rows (QA windows) map predictions
        # back to examples by position, so the order must be kept.
        from torch.utils.data import SequentialSampler

        if eval_dataset is None:
            return None
        # Several processes: accelerate shards in order and gathers back in order.
        return SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None


def _no_room(folder: Path, exc: OSError) -> str:
    free = shutil.disk_usage(folder.parent).free / 1e6
    earlier = sorted(folder.parent.glob("checkpoint-*"))
    size = sum(f.stat().st_size for f in earlier[-1].rglob("*") if f.is_file()) / 1e6 if earlier else None
    need = f"; a checkpoint takes about {size:,.0f} MB" if size else ""
    kept = f"{earlier[-1].name} is intact" if earlier else "no earlier checkpoint exists"
    reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0][:200]
    return (f"could not write checkpoint {folder} ({reason}): {free:,.0f} MB free there{need}; "
            f"{kept}: free some space (or lower training.save_total_limit), then run the same command with --resume")


def _seeded_length_grouped():
    from transformers.trainer_pt_utils import LengthGroupedSampler, get_length_grouped_indices

    class SeededLengthGroupedSampler(LengthGroupedSampler):
        """LengthGroupedSampler whose order depends on (seed, epoch) only (accelerate calls set_epoch)."""

        seed: int = 0
        epoch: int = 0

        def set_epoch(self, epoch: int) -> None:
            self.epoch = int(epoch)

        def __iter__(self):
            import torch

            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            return iter(get_length_grouped_indices(self.lengths, self.batch_size, generator=generator))

    return SeededLengthGroupedSampler


SeededLengthGroupedSampler = _seeded_length_grouped()
