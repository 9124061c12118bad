"""Checkpoint hygiene: never overwrite an earlier run's work, never resume from a broken file."""
from __future__ import annotations

import json
from pathlib import Path

from ..errors import DistilkitError


INCOMPLETE = "trainer_state.json is missing or unreadable"  # Trainer writes it last: a save cut short


def list_checkpoints(folder: Path) -> list[Path]:
    found = [p for p in folder.glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()]
    return sorted(found, key=lambda p: int(p.name.split("-")[-1]))


def check_checkpoint(path: Path) -> str | None:
    """Return what is wrong with a checkpoint folder, or None if it looks complete."""
    from safetensors import safe_open

    state = path / "trainer_state.json"
    weights = path / "model.safetensors"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return INCOMPLETE
    if not weights.is_file():
        return "model.safetensors is missing"
    try:
        with safe_open(str(weights), framework="pt") as f:
            for key in f.keys():
                f.get_slice(key)
    except Exception:  # safetensors raises several types for a truncated or garbled file
        return "model.safetensors is truncated or corrupt"
    for needed in ("optimizer.pt", "scheduler.pt"):
        if not (path / needed).is_file():
            return f"{needed} is missing"
    return None


def resume_point(folder: Path, resume: bool | str | None) -> str | None:
    """The checkpoint to resume from, or None for a fresh start; refuses to clobber earlier work. Changes nothing
    on disk (``clean_torn`` does, once the run is sure to go ahead).
    ``resume``: False (fresh), True or 'last' (a checkpoint must exist), 'auto' (resume if one exists, else
    start afresh: a requeue script can always pass the same command)."""
    if resume not in (None, False, True, "last", "auto"):
        raise DistilkitError(f"--resume {resume}: give --resume (the last checkpoint) or --resume auto")
    checkpoints = list_checkpoints(folder)
    if resume == "auto" and not checkpoints:
        return None
    if not resume:
        if checkpoints:
            raise DistilkitError(f"{folder} holds {checkpoints[-1].name} from an earlier run: pass --resume to continue "
                                 "it, or choose another --output-dir (or delete that folder) to start afresh")
        return None
    if not checkpoints:
        raise DistilkitError(f"--resume: no checkpoint in {folder} to resume from: run without --resume")
    last = checkpoints[-1]
    problem = check_checkpoint(last)
    if problem == INCOMPLETE and len(checkpoints) > 1 and check_checkpoint(checkpoints[-2]) is None:
        # Killed while saving: the newest folder never got its state, so it holds no work. Resume from the one
        # before it (the run redoes those steps) instead of asking the user to clean up after the kill.
        return str(checkpoints[-2])
    if problem:
        earlier = f"resume from {checkpoints[-2].name}" if len(checkpoints) > 1 else "start afresh"
        raise DistilkitError(f"checkpoint {last} is corrupt ({problem}): delete that folder and run again to "
                             f"{earlier}")
    return str(last)


def clean_torn(folder: Path, resume_from: str | None) -> None:
    """Remove what saves cut short left behind: ``tmp-checkpoint-*`` folders (a save killed before its rename)
    and checkpoints newer than the one the run resumes from (never finished: ``resume_point`` skipped them)."""
    import shutil
    import sys

    for torn in folder.glob("tmp-checkpoint-*"):
        shutil.rmtree(torn, ignore_errors=True)
    if resume_from is None:
        return
    step = int(Path(resume_from).name.split("-")[-1])
    for later in list_checkpoints(folder):
        if int(later.name.split("-")[-1]) > step:
            print(f"{later.name} was never finished (the run stopped while saving it): removing it and resuming from "
                  f"{Path(resume_from).name}", file=sys.stderr)
            shutil.rmtree(later)
