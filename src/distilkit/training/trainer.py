"""The training loop: ``transformers.Trainer`` with our loss registry plugged into its hook.

Why subclass Trainer rather than write an accelerate loop: Trainer already gives us, tested by
thousands of users, checkpointing with optimizer/scheduler/RNG state and exact resume,
gradient accumulation, DDP through ``accelerate launch`` (gloo on CPU), bf16 autocast,
length-grouped sampling, early stopping and best-checkpoint selection. What it lacks is a
loss chosen by name, so we override ``compute_loss`` only and delegate to the task, which
knows how to call the model and which outputs the loss takes.
"""
from __future__ import annotations

from transformers import Trainer


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

    def _get_eval_sampler(self, eval_dataset):
        # Evaluate in dataset order. Trainer 5.x groups evaluation batches by length too, which
        # scrambles the order; tasks whose examples span several rows (QA windows) map predictions
        # back to examples by position, so the order must be kept.
        from torch.utils.data import SequentialSampler

        if eval_dataset is None:
            return None
        # Several processes: accelerate shards in order and gathers back in order.
        return SequentialSampler(eval_dataset) if self.args.world_size <= 1 else None
