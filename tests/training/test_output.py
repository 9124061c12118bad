"""The output folder: a finished model is never silently replaced, two runs never write one folder, and
`--resume auto` lets a requeue script pass the same command every time."""
from __future__ import annotations

import pytest
import yaml

from distilkit import train
from distilkit.training.checkpoints import resume_point
from distilkit.io import lock_path
from tests.conftest import one_line_error, tiny_config
from tests.children import held_by_another_process


def test_finished_model_is_refused_then_replaced_with_overwrite(tmp_path, tiny_bert, toy_data):
    out = tmp_path / "run"
    cfg = tiny_config(tiny_bert, toy_data, out, epochs=1)
    train(cfg)
    first = (out / "training_summary.json").read_text()
    message = one_line_error(train, cfg)  # the same command again: refused before anything loads
    assert f"{out} holds a finished model" in message and "--overwrite" in message
    assert (out / "training_summary.json").read_text() == first
    train(cfg, overwrite=True)
    assert (out / "training_summary.json").read_text() != first and not lock_path(out).exists()


def test_foreign_files_are_refused(tmp_path, tiny_bert, toy_data):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    message = one_line_error(train, tiny_config(tiny_bert, toy_data, out))
    assert "files distilkit did not write (notes.txt)" in message
    assert one_line_error(train, tiny_config(tiny_bert, toy_data, out), resume="auto", overwrite=True)  # not both


def test_a_live_run_holds_the_folder_and_a_dead_one_does_not(tmp_path, tiny_bert, toy_data):
    out = tmp_path / "run"
    with held_by_another_process(out):  # another run writing OUT
        message = one_line_error(train, tiny_config(tiny_bert, toy_data, out, epochs=1))
        assert f"{out} is being written by another run (pid " in message and "--output-dir" in message
    assert not out.exists()  # the refused run created nothing, not even OUT
    # a lock file left by a run that was killed (no process holds it any more): taken silently, the run goes ahead
    lock_path(out).write_text('{"pid": 999999, "host": "elsewhere", "started": "then"}')
    train(tiny_config(tiny_bert, toy_data, out, epochs=1))
    assert (out / "model.safetensors").is_file() and not lock_path(out).exists()


def test_resume_auto_starts_afresh_or_continues(tmp_path, tiny_bert, toy_data):
    assert resume_point(tmp_path / "none" / "checkpoints", "auto") is None
    cfg = tiny_config(tiny_bert, toy_data, tmp_path / "a", epochs=2, checkpoints="keep")
    train(cfg, resume="auto")  # nothing to resume: a fresh run
    folder = tmp_path / "a" / "checkpoints"
    assert resume_point(folder, "auto") == resume_point(folder, True) is not None
    assert "--resume auto" in one_line_error(resume_point, folder, "sometimes")


def test_cli_resume_auto_and_overwrite_flags(tmp_path, tiny_bert, toy_data, capsys):
    from distilkit.cli import main

    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(tiny_config(tiny_bert, toy_data, tmp_path / "run", epochs=1).to_dict()))
    assert main(["train", str(recipe), "--resume", "auto"]) == 0  # nothing to resume: starts afresh
    capsys.readouterr()
    assert main(["train", str(recipe)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "holds a finished model" in err and "\n" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["train", str(recipe), "--resume", "maybe"])
    assert exit_info.value.code == 2 and "invalid choice: 'maybe'" in capsys.readouterr().err
