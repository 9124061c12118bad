"""Real signals at chosen points of a training run, sent by the process itself so the step they land on is
known: a TrainerCallback added from outside the package (``add_callbacks``), in-process or in a child started
as ``python -m tests.signals [--step N:SIG] [--eval SIG] [--rank R] [--signal-in-save SIG --root DIR] --
distilkit ARGS`` (for accelerate launch and real exit codes)."""
from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

from tests.faults import Tracer


def signal_callback(spec: dict):
    """A TrainerCallback sending this process a real signal: {'step': (N, 'TERM')}, {'eval': 'USR1'}; only on
    rank ``spec['rank']`` when given."""
    from transformers import TrainerCallback

    class SignalAt(TrainerCallback):
        def __init__(self):
            self.fired: set[str] = set()

        def _fire(self, which: str, sig: str) -> None:
            rank = spec.get("rank")
            if which not in self.fired and (rank is None or str(rank) == os.environ.get("RANK", "0")):
                self.fired.add(which)
                os.kill(os.getpid(), getattr(signal, "SIG" + sig))

        def on_step_end(self, args, state, control, **kwargs):
            if "step" in spec and state.global_step == spec["step"][0]:
                self._fire("step", spec["step"][1])

        def on_prediction_step(self, args, state, control, **kwargs):
            if "eval" in spec:
                self._fire("eval", spec["eval"])

    return SignalAt()


def first_signal_received() -> bool:
    """Whether the run's preemption handler (the SIGTERM handler now installed) has already had a signal."""
    handler = signal.getsignal(signal.SIGTERM)
    return getattr(getattr(handler, "__self__", None), "signum", None) is not None


def add_callbacks(monkeypatch_or_none, *callbacks) -> None:
    """Make every training run of this process also use ``callbacks``."""
    import distilkit.training.run as run

    original = run._callbacks

    def extended(cfg, has_validation):
        return original(cfg, has_validation) + list(callbacks)

    if monkeypatch_or_none is None:
        run._callbacks = extended
    else:
        monkeypatch_or_none.setattr(run, "_callbacks", extended)


def main(argv: list[str]) -> int:
    """The CLI with real signals at chosen points (see the module docstring)."""
    import argparse

    parser = argparse.ArgumentParser(prog="tests.signals")
    parser.add_argument("--step")
    parser.add_argument("--eval")
    parser.add_argument("--rank")
    parser.add_argument("--signal-in-save", help="send this signal again while a checkpoint is being renamed")
    parser.add_argument("--root", help="with --signal-in-save: the folder holding the run's output")
    split = argv.index("--")
    opts, cli_args = parser.parse_args(argv[:split]), argv[split + 1:]
    spec = {"rank": opts.rank}
    if opts.step:
        step, sig = opts.step.split(":")
        spec["step"] = (int(step), sig)
    if opts.eval:
        spec["eval"] = opts.eval
    add_callbacks(None, signal_callback(spec))
    from distilkit.cli import main as cli

    if opts.signal_in_save:  # a second signal while the first one's checkpoint is renamed into place
        def again(index, op, name, path):
            if op == "rename" and "tmp-checkpoint" in name and first_signal_received():
                os.kill(os.getpid(), getattr(signal, "SIG" + opts.signal_in_save))

        with Tracer(Path(opts.root), again):
            return cli(cli_args)
    return cli(cli_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
