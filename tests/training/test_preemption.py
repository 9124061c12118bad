"""Preemption with real processes and real signals: SIGTERM / SIGUSR1 during training or evaluation ends a
run with a checkpoint for the step reached and exit code 128 + signal; --resume then ends with the same
weights as a run never interrupted. The signal is sent by the process itself at a chosen point (a test
callback from tests/faults.py, added from outside the package), so the step it lands on is known. Runs are
forked children (a real process with real signal handlers, without a fresh interpreter's start-up), or, under
accelerate launch, `python -m tests.signals`."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

import pytest
import yaml

from distilkit.training.checkpoints import check_checkpoint
from tests.conftest import ROOT, tiny_config
from tests.children import in_child
from tests.faults import Tracer
from tests.signals import add_callbacks, first_signal_received, signal_callback


def recipe(tmp_path, model, data, name, **training):
    """No validation: the final weights are the last step's (not a best checkpoint), so they can be compared."""
    data = {"train": data["train"], "test": data["test"]}
    settings = {"epochs": 4, "checkpoints": "keep", "save_total_limit": 5, **training}
    cfg = tiny_config(model, data, tmp_path / name, **settings)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(cfg.to_dict()))
    return path


def run_forked(tmp_path, argv, step: tuple[int, str] | None = None, evaluation: str | None = None,
               again_in_save: str | None = None):
    """The CLI in a forked child that signals itself at ``step`` (N, 'TERM') or the first evaluation; with
    ``again_in_save`` a second signal arrives while the first one's checkpoint is renamed into place.
    Returns (exit code, stderr)."""
    from distilkit.cli import main

    err = tmp_path / "stderr.txt"
    spec = {**({"step": step} if step else {}), **({"eval": evaluation} if evaluation else {})}

    def child():
        add_callbacks(None, signal_callback(spec))
        if not again_in_save:
            return main(argv)

        def again(index, op, name, path):
            if op == "rename" and "tmp-checkpoint" in name and first_signal_received():
                os.kill(os.getpid(), getattr(signal, "SIG" + again_in_save))

        with Tracer(tmp_path, again):
            return main(argv)

    code = in_child(child, stderr=err)
    return code, err.read_text()


def run_launched(argv, launcher: list[str], hooks: list[str]):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = launcher + ["-m", "tests.signals", *hooks, "--", *argv]
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def weights(folder):
    from safetensors.torch import load_file

    return load_file(str(folder / "model.safetensors"))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_bert, toy_data):
    """The reference: the same recipe, never signalled (in-process: cheaper than a subprocess)."""
    from distilkit import load_recipe, train

    tmp = tmp_path_factory.mktemp("reference")
    path = recipe(tmp, tiny_bert, toy_data, "ref")
    train(load_recipe(path))
    return weights(tmp / "ref")


def assert_same_weights(a, b):
    assert a.keys() == b.keys()
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-5


def test_sigterm_mid_epoch_saves_that_step_and_resume_is_exact(tmp_path, tiny_bert, toy_data, uninterrupted):
    path = recipe(tmp_path, tiny_bert, toy_data, "run")
    # step 13 is in the middle of epoch 2 (10 steps per epoch); a second SIGTERM arrives while saving
    code, stderr = run_forked(tmp_path, ["train", str(path)], step=(13, "TERM"), again_in_save="TERM")
    assert code == 128 + signal.SIGTERM == 143, stderr[-2000:]
    checkpoint = tmp_path / "run" / "checkpoints" / "checkpoint-13"
    last_line = stderr.strip().splitlines()[-1]
    assert last_line == (f"stopped by SIGTERM: checkpoint saved to {checkpoint}; continue with the same command "
                         "and --resume (or --resume auto)")
    assert "SIGTERM received again: still saving" in stderr
    assert check_checkpoint(checkpoint) is None  # complete: weights, optimizer, scheduler, RNG, trainer state
    assert not (tmp_path / "run" / "model.safetensors").exists()  # not mistaken for a finished model
    from distilkit import load_recipe, train

    summary = train(load_recipe(path), resume="auto")  # in-process: what `--resume auto` runs
    assert summary["resumed_from"] == str(checkpoint) and summary["derived"]["steps_completed"] == 40
    assert_same_weights(weights(tmp_path / "run"), uninterrupted)


def test_sigusr1_during_evaluation_saves_the_step_being_evaluated(tmp_path, tiny_bert, toy_data):
    cfg = tiny_config(tiny_bert, toy_data, tmp_path / "run", epochs=3, checkpoints="keep")
    path = tmp_path / "run.yaml"
    path.write_text(yaml.safe_dump(cfg.to_dict()))
    # the first evaluation: end of epoch 1, step 10
    code, stderr = run_forked(tmp_path, ["train", str(path)], evaluation="USR1")
    assert code == 128 + signal.SIGUSR1, stderr[-2000:]
    checkpoint = tmp_path / "run" / "checkpoints" / "checkpoint-10"
    assert f"stopped by SIGUSR1: checkpoint saved to {checkpoint}" in stderr
    assert check_checkpoint(checkpoint) is None
    state = json.loads((checkpoint / "trainer_state.json").read_text())
    assert state["global_step"] == 10 and not any("eval_loss" in e for e in state["log_history"])


@pytest.mark.slow
def test_two_processes_agree_on_the_step(tmp_path, tiny_bert, toy_data):
    """Under accelerate launch only rank 1 is signalled: both ranks stop after the same step and one
    checkpoint is written; the launcher reports the run as failed (non-zero)."""
    path = recipe(tmp_path, tiny_bert, toy_data, "run", batch_size=8, num_threads=1)
    launcher = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
                "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no"]
    stopped = run_launched(["train", str(path)], launcher, ["--step", "7:TERM", "--rank", "1"])
    assert stopped.returncode != 0
    checkpoints = sorted(p.name for p in (tmp_path / "run" / "checkpoints").glob("checkpoint-*"))
    assert checkpoints == ["checkpoint-7"], (checkpoints, stopped.stderr[-3000:])
    assert check_checkpoint(tmp_path / "run" / "checkpoints" / "checkpoint-7") is None
    assert stopped.stderr.count("stopped by SIGTERM: checkpoint saved to") == 1  # rank 0 says it, once


def test_signal_while_caching_teacher_logits_stops_at_once(tmp_path, toy_runs, tiny_distilbert, toy_data,
                                                           monkeypatch):
    from distilkit import DistilkitError, train
    from distilkit.config import DistillConfig
    import distilkit.distill as distill_package

    real = distill_package.cached_logits

    def signalled(cache_dir, fingerprint, compute):
        os.kill(os.getpid(), signal.SIGTERM)  # arrives while the teacher runs
        return real(cache_dir, fingerprint, compute)

    monkeypatch.setattr(distill_package, "cached_logits", signalled)
    before = signal.getsignal(signal.SIGTERM)
    cfg = tiny_config(tiny_distilbert, toy_data, tmp_path / "student")
    cfg.distill = DistillConfig(teacher=str(toy_runs["bert"][0]), cache_dir=str(tmp_path / "cache"))
    with pytest.raises(DistilkitError) as info:
        train(cfg)
    assert info.value.exit_code == 143 and "stopped by SIGTERM" in str(info.value)
    assert signal.getsignal(signal.SIGTERM) is before  # the run's handler is gone with the run


def test_disk_full_during_a_checkpoint_keeps_the_previous_one(tmp_path, tiny_bert, toy_data, monkeypatch):
    """After the first checkpoint no file may grow past 1 MB (a real OS write limit, as a full disk): the
    next save fails with one line naming the folder and the space, and the first checkpoint stays usable."""
    import resource

    from transformers import TrainerCallback

    from distilkit import DistilkitError, train

    class LimitAfterFirstSave(TrainerCallback):
        def on_save(self, args, state, control, **kwargs):  # Python ignores SIGXFSZ: a bigger write is an OSError
            resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, limits[1]))

    add_callbacks(monkeypatch, LimitAfterFirstSave())
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    cfg = tiny_config(tiny_bert, {"train": toy_data["train"]}, tmp_path / "run", epochs=3)
    try:
        with pytest.raises(DistilkitError) as info:
            train(cfg)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
    message = str(info.value)
    folder = tmp_path / "run" / "checkpoints"
    assert "\n" not in message and f"could not write checkpoint {folder / 'checkpoint-20'}" in message
    assert "MB free there" in message and "checkpoint-10 is intact" in message and "--resume" in message
    assert check_checkpoint(folder / "checkpoint-10") is None
    assert sorted(p.name for p in folder.iterdir()) == ["checkpoint-10"]  # no half-written folder
