"""Console output during training: progress bars and log lines on stderr, so stdout carries only
results (the CLI prints its summary JSON there for scripts to read)."""
from __future__ import annotations

import sys

from tqdm.auto import tqdm
from transformers.trainer_callback import PrinterCallback, ProgressCallback

SKIP = {"total_flos", "train_steps_per_second", "eval_steps_per_second"}


def _compact(logs: dict) -> str:
    return "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in logs.items() if k not in SKIP)


class StderrProgressCallback(ProgressCallback):
    def on_log(self, args, state, control, logs=None, **kwargs):
        if state.is_world_process_zero and logs:
            tqdm.write(_compact(logs), file=sys.stderr)


def use_stderr_progress(trainer) -> None:
    """Swap Trainer's default progress/printer callbacks (which write logs to stdout) for ours."""
    trainer.remove_callback(ProgressCallback)
    trainer.remove_callback(PrinterCallback)
    trainer.add_callback(StderrProgressCallback())
