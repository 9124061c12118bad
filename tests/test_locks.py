"""Every command that writes a file or folder others may be writing takes its lock first: a second writer is
refused in one line and changes nothing; a kill in the middle of a multi-file write leaves the old set or the
new one (io.update_together), never a mix."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from distilkit.io import PathLock, lock_path, replay_journal, update_together
from tests.conftest import make_rows, write_jsonl
from tests.children import held_by_another_process
from tests.faults import Tracer, at, disk_full, snapshot_into, tree


def refused(main, argv: list[str], target: Path, capsys) -> str:
    """Run the command while another writer holds ``target``: exit 2, one line, nothing under target's folder
    changed."""
    with held_by_another_process(target):
        before = tree(target.parent)
        code = main(argv)
        after = tree(target.parent)
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and f"{target} is being written by another run" in err, err
    assert after == before
    return err


def test_predict_output_is_locked(tmp_path, toy_runs, capsys):
    from distilkit.cli import main

    model = toy_runs["bert"][0]
    source = write_jsonl(tmp_path / "in.jsonl", make_rows(5))
    output = tmp_path / "out" / "predictions.jsonl"
    output.parent.mkdir()
    output.write_text("an earlier run's rows\n")
    err = refused(main, ["predict", str(model), "--file", str(source), "--output", str(output)], output, capsys)
    assert "--output" in err
    assert main(["predict", str(model), "--file", str(source), "--output", str(output)]) == 0  # free again
    assert len(output.read_text().splitlines()) == 5 and not lock_path(output).exists()


def test_make_clinic_data_is_locked_and_all_or_nothing(tmp_path, capsys):
    from distilkit.cli import main

    out = tmp_path / "clinic"
    args = ["--train", "20", "--validation", "5", "--test", "5", "--test-unseen", "5", "--validation-unseen", "5"]
    assert main(["make-clinic-data", str(out), *args, "--seed", "1"]) == 0
    (out / "handwritten.jsonl").write_text("kept\n")  # a file of the user's in the same folder
    refused(main, ["make-clinic-data", str(out), *args, "--seed", "2"], out, capsys)

    old = tree(out)
    snaps = tmp_path / "snaps"
    with Tracer(out, snapshot_into(snaps, out)) as tracer:  # every file operation of a second run, as a kill
        assert main(["make-clinic-data", str(out), *args, "--seed", "2"]) == 0
    new = tree(out)
    assert new != old and new["handwritten.jsonl"] == b"kept\n"
    assert len(tracer.events) >= 10
    for index in range(len(tracer.events)):
        snap = snaps / str(index)
        replay_journal(snap)  # what the next writer does first, under the lock
        assert tree(snap) in (old, new), f"killed at {tracer.events[index]}: a mix of two runs"
    shutil.rmtree(snaps)

    # a full disk while writing the new set: the old set stays, nothing is left behind
    capsys.readouterr()
    with Tracer(out, at(3, disk_full)):
        assert main(["make-clinic-data", str(out), *args, "--seed", "3"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    replay_journal(out)
    assert tree(out) == new


def test_update_together_replays_after_a_kill_between_renames(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    update_together(folder, {"a": "old a", "b": "old b"})

    def die(op, name, path):
        raise KeyboardInterrupt  # stands for the kill: nothing after this point runs

    with Tracer(folder) as dry:  # where the renames into place are, in a change like the one to cut short
        update_together(folder, {"a": "old a", "b": "old b"})
    renames = [i for i, (op, name) in enumerate(dry.events) if op == "rename" and name.endswith((" -> a", " -> b"))]
    assert len(renames) == 2
    with Tracer(folder, at(renames[1], die)), pytest.raises(KeyboardInterrupt):  # after a's rename, before b's
        update_together(folder, {"a": "new a", "b": "new b"})
    assert (folder / "a").read_text() == "new a"
    assert (folder / "b").read_text() == "old b"  # a mix, until the next writer replays the journal
    with PathLock(folder):
        pass
    assert (folder / "b").read_text() == "new b" and sorted(p.name for p in folder.iterdir()) == ["a", "b"]


def test_create_new_never_replaces_a_file(tmp_path):
    from distilkit.io import create_new

    path = tmp_path / "recipe.yaml"
    assert create_new(path, "first") and path.read_text() == "first"
    assert not create_new(path, "second") and path.read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["recipe.yaml"]  # no temporary file left behind
