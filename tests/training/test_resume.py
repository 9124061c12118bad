"""A killed run resumes from its last checkpoint; earlier work is never overwritten; a corrupt
checkpoint is refused with a one-line message naming it."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
import yaml

from distilkit import DistilkitError, train
from distilkit.training.checkpoints import clean_torn, resume_point
from tests.conftest import tiny_config
from tests.children import in_child
from tests.faults import Tracer


def _recipe(tmp_path, model, data, epochs: int = 8, **training) -> Path:
    cfg = tiny_config(model, data, tmp_path / "run", epochs=epochs, **training).to_dict()
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


def test_killed_run_resumes_from_last_checkpoint(tmp_path, small_bert, toy_data, capsys):
    """SIGKILL right after the epoch-2 checkpoint is in place (a real kill of a forked run, at a known point)."""
    from distilkit.cli import main

    recipe = _recipe(tmp_path, small_bert, toy_data, epochs=4)
    checkpoint_2 = str(tmp_path / "run" / "checkpoints" / "checkpoint-20")

    def kill_after_the_second_checkpoint(op, name, path):
        if op == "rename" and str(path).endswith("tmp-checkpoint-20"):
            os.replace(path, checkpoint_2)  # let the rename happen, then die before anything else
            os.kill(os.getpid(), signal.SIGKILL)

    def run():
        with Tracer(tmp_path, lambda i, op, name, path: kill_after_the_second_checkpoint(op, name, path)):
            return main(["train", str(recipe)])

    assert in_child(run) == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (tmp_path / "run" / "README.md").exists()
    capsys.readouterr()

    # Without --resume the earlier run's checkpoints are protected, in one line.
    assert main(["train", str(recipe)]) == 2
    err = capsys.readouterr().err.strip()
    assert "checkpoint-20 from an earlier run" in err and "--resume" in err and "\n" not in err

    assert main(["train", str(recipe), "--resume"]) == 0
    summary = json.loads((tmp_path / "run" / "training_summary.json").read_text())
    assert summary["resumed_from"] == checkpoint_2
    assert summary["derived"]["steps_completed"] == summary["derived"]["total_steps"] == 40
    assert len(summary["history"]) == 4  # the epochs before the kill are kept in the history


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
    assert resume_point(folder, resume=True) == str(first) and last.exists()  # deciding changes nothing
    clean_torn(folder, str(first))  # what the run then does, under the folder's lock
    assert not last.exists() and "never finished" in capsys.readouterr().err
