"""A killed run resumes from its last checkpoint; earlier work is never overwritten; a corrupt
checkpoint is refused with a one-line message naming it."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from distilkit import DistilkitError, train
from distilkit.training.checkpoints import resume_point
from tests.conftest import ROOT, tiny_config


def _recipe(tmp_path, model, data, **training) -> Path:
    cfg = tiny_config(model, data, tmp_path / "run", epochs=8, **training).to_dict()
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_killed_run_resumes_from_last_checkpoint(tmp_path, tiny_bert, toy_data):
    recipe = _recipe(tmp_path, tiny_bert, toy_data)
    cmd = [sys.executable, "-m", "distilkit.cli", "train", str(recipe)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = tmp_path / "run" / "checkpoints"
    deadline = time.time() + 120
    while time.time() < deadline and not list(checkpoints.glob("checkpoint-*/trainer_state.json")):
        time.sleep(0.2)
    time.sleep(1.0)  # let the checkpoint finish writing, then kill mid-run
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    assert not (tmp_path / "run" / "README.md").exists()

    # Without --resume the earlier run's checkpoints are protected.
    again = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode == 2 and "--resume" in again.stderr and len(again.stderr.strip().splitlines()) == 1

    done = subprocess.run(cmd + ["--resume"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads((tmp_path / "run" / "training_summary.json").read_text())
    assert summary["resumed_from"] and "checkpoint-" in summary["resumed_from"]
    assert summary["derived"]["steps_completed"] == summary["derived"]["total_steps"] == 80
    assert len(summary["history"]) == 8  # the epochs before the kill are kept in the history


def test_corrupt_checkpoint_is_refused_with_one_line(tmp_path, tiny_bert, toy_data):
    cfg = tiny_config(tiny_bert, toy_data, tmp_path, epochs=2, checkpoints="keep", save_total_limit=5)
    train(cfg)
    folder = tmp_path / "checkpoints"
    last = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[-1]
    weights = last / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 3])
    with pytest.raises(DistilkitError) as err:
        resume_point(folder, resume=True)
    message = str(err.value)
    assert last.name in message and "corrupt" in message and "\n" not in message
    assert "resume from checkpoint-" in message  # the fix: fall back to the earlier checkpoint


def test_resume_without_checkpoint_is_an_error(tmp_path):
    with pytest.raises(DistilkitError, match="no checkpoint"):
        resume_point(tmp_path / "checkpoints", resume=True)


def test_a_checkpoint_cut_short_by_a_kill_is_skipped(tmp_path, tiny_bert, toy_data, capsys):
    cfg = tiny_config(tiny_bert, toy_data, tmp_path, epochs=2, checkpoints="keep", save_total_limit=5)
    train(cfg)
    folder = tmp_path / "checkpoints"
    first, last = sorted(folder.glob("checkpoint-*"), key=lambda p: int(p.name.split("-")[1]))[-2:]
    (last / "trainer_state.json").unlink()  # what a kill during the save leaves
    assert resume_point(folder, resume=True) == str(first)
    assert not last.exists() and "never finished" in capsys.readouterr().err
