"""Crash consistency of a training run's folder: a kill (SIGKILL) or a full disk at any file write, rename or
delete of checkpointing and publishing leaves the folder's previous complete state or its new complete one,
and the same command (or --resume) then finishes. Two runs that meet: the refused one changes nothing.

The run under test replaces a finished model (run A, 2 epochs) with a new one (run B, 3 epochs, --overwrite,
checkpoints kept), so "old" and "new" are both real folders: after a kill anywhere, the folder must be
byte-for-byte A or byte-for-byte B once the next run's first step (taking the lock, which recovers) is done.
Every fault point is listed in FAULT_POINTS; tests/faults.py injects the faults from outside the package.
"""
from __future__ import annotations

import errno
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from distilkit import DistilkitError, train
from distilkit.io import PathLock
from distilkit.training.checkpoints import check_checkpoint, list_checkpoints, resume_point
from distilkit.training.output import is_complete, recover
from tests.conftest import make_rows, tiny_config, write_jsonl
from tests.children import in_child, start_child, wait_child, wait_for
from tests.faults import Tracer, at, disk_full, pause_until, sigkill, snapshot_into, tree

# Every file operation of run B under runs/, by what it writes; each event must match exactly one.
FAULT_POINTS = {
    "lock: taken or given back": r"\.run\.lock",
    "overwrite: the earlier run's checkpoints removed": r"^delete run/checkpoints$",
    "recovery: leftovers of a killed publish cleared": r"^delete \.run\.(old|final)-tmp$",
    "checkpoint: folders made": r"^(mkdir|delete) run/checkpoints(/tmp-checkpoint-N)?$",
    "checkpoint: weights": r"tmp-checkpoint-N/model\.safetensors$",
    "checkpoint: config": r"tmp-checkpoint-N/config\.json$",
    "checkpoint: tokenizer": r"tmp-checkpoint-N/tokenizer",
    "checkpoint: optimizer, scheduler, RNG, arguments": r"tmp-checkpoint-N/(optimizer\.pt|scheduler\.pt|rng_state"
                                                        r"\.pth|training_args\.bin)$",
    "checkpoint: trainer state": r"tmp-checkpoint-N/trainer_state\.json$",
    "checkpoint: renamed into place": r"^rename run/checkpoints/tmp-checkpoint-N -> ",
    "checkpoint: best-model state rewritten": r"^(write|rename) run/checkpoints/checkpoint-N/trainer_state",
    "checkpoint: removed (rotation, or the same step saved again)": r"^delete run/checkpoints/checkpoint-N$",
    "final: staging folder made": r"^mkdir \.run\.final-tmp$",
    "final: weights": r"final-tmp/model\.safetensors$",
    "final: config": r"final-tmp/config\.json$",
    "final: tokenizer": r"final-tmp/tokenizer",
    "final: training_args.bin written by Trainer, then removed": r"final-tmp/training_args\.bin$",
    "final: distilkit.json": r"final-tmp/\.?distilkit\.json",
    "final: evaluation reports and confusion matrices": r"final-tmp/\.?(eval_|confusion_matrix_|behaviour_)",
    "final: recipe": r"final-tmp/\.?distilkit_recipe\.yaml",
    "final: learning curve": r"final-tmp/\.?learning_curve\.png",
    "final: card": r"final-tmp/\.?README\.md",
    "final: run record (written last)": r"final-tmp/\.?training_summary\.json",
    "publish: checkpoints moved into the new folder": r"^rename run/checkpoints -> \.run\.final-tmp/checkpoints$",
    "publish: old folder set aside": r"^rename run -> \.run\.old-tmp$",
    "publish: new folder renamed into place": r"^rename \.run\.final-tmp -> run$",
    "publish: old folder removed": r"^delete \.run\.old-tmp$",
}


def categories(events: list[tuple[str, str]]) -> list[str]:
    """The fault point of each event. 'delete .run.old-tmp' is recovery at the start, and publishing once the new
    folder is complete."""
    found, publishing = [], False
    for op, name in events:
        matches = [c for c, pattern in FAULT_POINTS.items() if re.search(pattern, f"{op} {name}")]
        assert matches, f"no fault point covers '{op} {name}': add it to FAULT_POINTS"
        found.append(matches[-1] if publishing else matches[0])
        publishing |= matches[0] == "final: run record (written last)"
    return found


@pytest.fixture(scope="module")
def small(small_bert, tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("small-data")
    data = {"train": str(write_jsonl(folder / "train.jsonl", make_rows(48, 1))),
            "validation": str(write_jsonl(folder / "val.jsonl", make_rows(16, 2))),
            "test": str(write_jsonl(folder / "test.jsonl", make_rows(16, 3)))}
    behaviour = folder / "words.yaml"  # run B's recipe has behaviour tests: their report is part of the new folder
    behaviour.write_text("task: text-classification\ntests:\n  - name: one clear word\n    type: mft\n"
                         "    template: {text: 'the day was {w}', label: pos}\n    fill: {w: [great, happy]}\n")
    return {"model": small_bert, "data": data, "behaviour": str(behaviour)}


def config(small: dict, out: Path, epochs: int):
    """Run A: 2 epochs, checkpoints deleted when done. Run B: 3 epochs, checkpoints kept, behaviour tests."""
    data = {**small["data"], "behaviour_tests": [small["behaviour"]]} if epochs == 3 else small["data"]
    return tiny_config(small["model"], data, out, epochs=epochs, batch_size=16, save_total_limit=1,
                       checkpoints="keep" if epochs == 3 else "delete")


def files(folder: Path) -> dict[str, bytes]:
    """Every file of a model folder but its checkpoints (checked on their own: each complete or skipped)."""
    return {name: data for name, data in tree(folder).items() if not name.startswith("checkpoints/")}


@pytest.fixture(scope="module")
def runs(small, tmp_path_factory) -> dict:
    """Run A's finished folder, and a traced run B over it: B's folder and its list of file operations."""
    template = tmp_path_factory.mktemp("template") / "runs"
    train(config(small, template / "run", 2))
    traced = tmp_path_factory.mktemp("traced") / "runs"
    shutil.copytree(template, traced)
    with Tracer(traced) as tracer:
        train(config(small, traced / "run", 3), overwrite=True)
    return {"template": template, "old": files(template / "run"), "events": tracer.events,
            "new_folder": traced / "run"}


def settle(out: Path) -> None:
    """What the next run does first: take the lock (which finishes a journal) and recover a cut-short publish."""
    with PathLock(out):
        recover(out)


def outcome(out: Path, old: dict, new: dict | None) -> str:
    """'old' or 'new', after settling; fails on anything else: a mixed folder, litter, unusable checkpoints."""
    settle(out)
    now = files(out)
    state = "old" if now == old else "new" if (now == new if new is not None else is_complete(out) and now) else None
    assert state, f"neither the old folder nor the new one: {sorted(now)}"
    assert sorted(p.name for p in out.parent.iterdir()) == ["run"], "litter beside the folder"
    resume_point(out / "checkpoints", "auto")  # refuses a corrupt newest checkpoint
    return state


def first_events(events: list) -> dict[str, int]:
    """The first event of each fault point."""
    first = {}
    for index, point in enumerate(categories(events)):
        first.setdefault(point, index)
    return first


def test_every_fault_point_is_listed_and_reached(runs):
    seen = set(categories(runs["events"]))
    assert seen == set(FAULT_POINTS), set(FAULT_POINTS) - seen


def test_a_kill_at_any_file_operation_leaves_the_old_or_the_new_folder(runs, small, tmp_path):
    """Every operation of run B, each as the instant of a SIGKILL: the files on disk then are the snapshot."""
    root, snaps = tmp_path / "runs", tmp_path / "snaps"
    shutil.copytree(runs["template"], root)
    with Tracer(root, snapshot_into(snaps, root)) as tracer:
        train(config(small, root / "run", 3), overwrite=True)
    assert len(tracer.events) == len(runs["events"])
    new = files(root / "run")
    left: dict[str, set] = {}
    for index, ((op, name), point) in enumerate(zip(tracer.events, categories(tracer.events))):
        try:
            state = outcome(snaps / str(index) / "run", runs["old"], new)
        except AssertionError as exc:
            raise AssertionError(f"killed at event {index} ({op} {name}): {exc}") from None
        left.setdefault(point, set()).add(state)
    assert all(left[c] == {"old"} for c in FAULT_POINTS if not c.startswith("publish") and c != "lock: taken "
               "or given back"), left  # until the new folder is renamed into place, a kill leaves the old one
    assert left["publish: old folder removed"] == {"new"}


def rerun(small, out: Path, state: str) -> None:
    """The same command again, as a requeue script runs it (--resume auto), on the folder as the kill left it:
    it finishes run B. Only where B had saved nothing is A's finished model refused, as without any kill;
    --overwrite then replaces it."""
    cfg = config(small, out, 3)
    try:
        train(cfg, resume="auto")
    except DistilkitError as exc:
        assert state == "old" and "holds a finished model" in str(exc), (state, str(exc))
        train(cfg, overwrite=True)
    assert is_complete(out)
    assert json.loads((out / "training_summary.json").read_text())["derived"]["epochs_completed"] == 3
    assert all(check_checkpoint(c) is None for c in list_checkpoints(out / "checkpoints"))


def state_after(out: Path, old: dict) -> str:
    """What the kill left, judged on a copy (settling it is the next run's first step, tested by the rerun)."""
    copy = out.parent.parent / "judged" / "run"
    shutil.copytree(out.parent, copy.parent, symlinks=True)
    return outcome(copy, old, None)


# A kill before the new folder is complete leaves the old one; after it (its record written), recovery publishes it.
KILLED_AT = {"checkpoint: weights": "old", "checkpoint: renamed into place": "old", "final: weights": "old",
             "final: card": "old", "final: run record (written last)": "old",
             "publish: checkpoints moved into the new folder": "new", "publish: old folder set aside": "new",
             "publish: new folder renamed into place": "new", "lock: taken or given back": "new"}


@pytest.mark.parametrize("point", list(KILLED_AT))
def test_sigkill_at_a_fault_point_then_the_same_command_finishes(runs, small, tmp_path, point):
    root = tmp_path / "runs"
    shutil.copytree(runs["template"], root)
    index = first_events(runs["events"])[point]
    if point.startswith("lock"):  # the lock given back at the very end, not its taking
        index = max(i for i, c in enumerate(categories(runs["events"])) if c == point)

    def run_b():
        with Tracer(root, at(index, sigkill)):
            train(config(small, root / "run", 3), overwrite=True)

    assert in_child(run_b) == -9, "the run ended before the fault point"
    state = state_after(root / "run", runs["old"])
    assert state == KILLED_AT[point]
    rerun(small, root / "run", state)


# The fault points that create a file or folder (a rename or a delete does not fill a disk).
DISK_FULL_AT = ["lock: taken or given back", "checkpoint: folders made", "checkpoint: weights", "checkpoint: config",
                "checkpoint: tokenizer", "checkpoint: optimizer, scheduler, RNG, arguments",
                "checkpoint: trainer state",
                "checkpoint: best-model state rewritten", "final: staging folder made", "final: weights",
                "final: config", "final: tokenizer", "final: training_args.bin written by Trainer, then removed",
                "final: distilkit.json", "final: evaluation reports and confusion matrices", "final: recipe",
                "final: learning curve", "final: card", "final: run record (written last)"]


@pytest.mark.parametrize("point", DISK_FULL_AT)
def test_a_full_disk_at_a_fault_point_gives_one_line_and_leaves_the_old_folder(runs, small, tmp_path, point, capsys):
    import yaml

    from distilkit.cli import main

    root = tmp_path / "runs"
    shutil.copytree(runs["template"], root)
    index = next(i for i, ((op, _), c) in enumerate(zip(runs["events"], categories(runs["events"])))
                 if op in ("write", "mkdir") and c == point)
    recipe = tmp_path / "b.yaml"
    recipe.write_text(yaml.safe_dump(config(small, root / "run", 3).to_dict()))
    with Tracer(root, at(index, disk_full)):
        code = main(["train", str(recipe), "--overwrite"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and err and err[-1].startswith("error: ") and "No space left on device" in err[-1], err[-3:]
    assert "Traceback" not in "\n".join(err)
    assert outcome(root / "run", runs["old"], None) == "old"


def test_a_rerun_after_a_full_disk_finishes(runs, small, tmp_path):
    root = tmp_path / "runs"
    shutil.copytree(runs["template"], root)
    index = first_events(runs["events"])["final: card"]
    with Tracer(root, at(index, disk_full)), pytest.raises(DistilkitError) as info:
        train(config(small, root / "run", 3), overwrite=True)
    assert os.strerror(errno.ENOSPC) in str(info.value) and "--resume" in str(info.value)
    rerun(small, root / "run", "old")


# --- two runs meet ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["checkpoint: renamed into place", "publish: new folder renamed into place"])
def test_a_run_refused_by_a_live_one_changes_nothing(runs, small, tmp_path, where):
    """Run B is paused mid-training (its first checkpoint just renamed into place) or mid-publish (its folder
    renamed aside, the new one not yet in place); runs into the same folder, with --overwrite, --resume auto or
    neither, are refused with one line and leave every byte under runs/ as it was; B then finishes."""
    import yaml

    from distilkit.cli import main

    root = tmp_path / "runs"
    shutil.copytree(runs["template"], root)
    index = first_events(runs["events"])[where] + (1 if where.startswith("checkpoint") else 0)
    go, paused = tmp_path / "go", tmp_path / "paused"

    def run_b():
        with Tracer(root, at(index, pause_until(go, paused))):
            train(config(small, root / "run", 3), overwrite=True)

    pid = start_child(run_b)
    try:
        assert wait_for(paused, 60), "run B never reached the fault point"
        before = tree(root)
        recipe = tmp_path / "other.yaml"
        recipe.write_text(yaml.safe_dump(config(small, root / "run", 2).to_dict()))
        for extra in (["--overwrite"], ["--resume", "auto"], []):
            assert main(["train", str(recipe), *extra]) == 2
        with pytest.raises(DistilkitError, match="is being written by another run"):
            train(config(small, root / "run", 2), overwrite=True)
        assert tree(root) == before
    finally:
        go.write_text("go")
        code = wait_child(pid)
    assert code == 0
    assert is_complete(root / "run") and files(root / "run") != runs["old"]

