"""Preemption: SIGTERM (Kubernetes, spot instances, SLURM at the time limit) or SIGUSR1 (SLURM's
`--signal=USR1@120` warning) ends a run with a checkpoint, never with lost work.

Inside the training loop the signal only sets a flag: the current optimizer step finishes, the ranks agree
(the flag is max-reduced across processes, so all of them stop after the same step), a complete checkpoint
is written for that step, and the run exits with 128 + the signal number (143 for SIGTERM), which
schedulers read as "interrupted". During evaluation the signal stops at the next batch and the step's
checkpoint is written. Outside the loop (reading data, caching teacher logits, the final evaluation) there
is nothing to save that the last checkpoint or the logits cache does not hold, so the run stops at once.
A second signal while saving is noted and ignored, so the save is never cut short by it.
"""
from __future__ import annotations

import signal
import sys
import threading

from transformers import TrainerCallback

from ..errors import DistilkitError

SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


class Preempted(DistilkitError):
    """The run stopped on a signal; ``exit_code`` is 128 + the signal number."""

    def __init__(self, message: str, signum: int):
        super().__init__(message)
        self.exit_code = 128 + signum


class StopEvaluation(Exception):
    """Raised inside an evaluation loop to abandon it when the run is preempted."""


class Preemption(TrainerCallback):
    """Signal handling for one run: ``with Preemption() as p:`` installs the handlers (main thread only);
    ``p.deferred = True`` while the training loop runs."""

    def __init__(self):
        self.signum: int | None = None
        self.deferred = False
        self._previous = {}

    # --- handlers ----------------------------------------------------------------------------------
    def __enter__(self) -> "Preemption":
        if threading.current_thread() is threading.main_thread():
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, previous in self._previous.items():
            signal.signal(sig, previous)
        self._previous = {}

    def _handle(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if self.signum is not None:
            print(f"{name} received again: still saving the checkpoint, ignoring it", file=sys.stderr, flush=True)
            return
        self.signum = signum
        if not self.deferred:
            raise Preempted(f"stopped by {name} before training started or after it ended; nothing was lost: "
                            "run the same command with --resume auto", signum)
        print(f"{name} received: finishing this step, then saving a checkpoint", file=sys.stderr, flush=True)

    # --- agreement across processes -----------------------------------------------------------------
    def requested(self) -> bool:
        """Whether any process got a signal (every process calls this at the same point)."""
        local = self.signum is not None
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            import torch

            flag = torch.tensor([self.signum or 0], dtype=torch.int64)
            dist.all_reduce(flag, op=dist.ReduceOp.MAX)
            if flag.item() and self.signum is None:
                self.signum = int(flag.item())  # another rank was signalled: stop with it
            return bool(flag.item())
        return local

    # --- Trainer hooks ------------------------------------------------------------------------------
    def on_train_begin(self, args, state, control, **kwargs):
        self.deferred = True

    def on_step_end(self, args, state, control, **kwargs):
        if self.requested():
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False  # a checkpoint now, not an evaluation first

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.signum is not None:  # the step's checkpoint is written: no epoch-end evaluation or save
            control.should_evaluate = False
            control.should_save = False

    def on_prediction_step(self, args, state, control, **kwargs):
        if self.deferred and self.requested():
            raise StopEvaluation

    def on_train_end(self, args, state, control, **kwargs):
        self.deferred = False


def stop_message(signum: int, checkpoint: str | None) -> str:
    name = signal.Signals(signum).name
    where = f"checkpoint saved to {checkpoint}" if checkpoint else "no checkpoint was needed"
    return f"stopped by {name}: {where}; continue with the same command and --resume (or --resume auto)"
