"""The output folder of a run: a finished model is never silently replaced, and two runs never write the
same folder at once.

run_glue.py refuses a non-empty output folder unless --overwrite_output_dir; we do the same for a folder
holding a finished model or files distilkit did not write, and add a lock file for runs started into
the same folder at the same time. A crashed run's lock does not block forever: on this host a lock whose
process is gone is stale at once; from another host (a shared filesystem) when its heartbeat, refreshed
while training, is older than STALE_S.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
from pathlib import Path

from ..errors import DistilkitError

LOCK = ".distilkit.lock"
CHECKPOINTS = "checkpoints"
FINISHED = ("training_summary.json", "model.safetensors", "config.json")  # what a finished run leaves
STALE_S = 600.0


def staging_folder(out: Path) -> Path:
    """A fresh sibling of OUT where the final model folder is written before it is renamed into place."""
    staging = out.parent / f".{out.name}.final-tmp"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def publish(staging: Path, out: Path, keep_checkpoints: bool) -> None:
    """Put the finished folder in OUT's place. Two renames: OUT (checkpoints, lock) goes aside, the staging
    folder becomes OUT. A kill at any point leaves what ``recover`` completes: the staging folder is only
    published once its last file (training_summary.json) is written."""
    from .preemption import during_final_save

    during_final_save()
    _swap(staging, out, keep_checkpoints)


def _swap(staging: Path, out: Path, keep_checkpoints: bool) -> None:
    old = out.parent / f".{out.name}.old-tmp"
    if out.exists():
        if keep_checkpoints and (out / CHECKPOINTS).is_dir() and not (staging / CHECKPOINTS).exists():
            os.replace(out / CHECKPOINTS, staging / CHECKPOINTS)
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def recover(out: Path) -> None:
    """Finish what a run killed while publishing its folder left behind (or clear an unfinished one)."""
    staging, old = out.parent / f".{out.name}.final-tmp", out.parent / f".{out.name}.old-tmp"
    if staging.is_dir() and (staging / "training_summary.json").is_file():  # complete: publish it
        if not out.exists() and old.is_dir():
            os.replace(old, out)  # killed between the renames: put OUT back first, then swap properly
        _swap(staging, out, keep_checkpoints=True)
        print(f"{out}: published the finished model of a run killed while saving it", file=sys.stderr)
    elif not out.exists() and old.is_dir():
        os.replace(old, out)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)  # an unfinished final folder: the checkpoints hold the work


def prepare_output(out: Path, overwrite: bool, resume: bool | str | None) -> str | None:
    """Check the output folder before any work and return the checkpoint to resume from (None: a fresh
    start). A folder holding a finished model or files distilkit did not write is refused unless
    ``overwrite``; ``resume`` is False, True/'last' (a checkpoint must exist) or 'auto' (resume if one does)."""
    from .checkpoints import resume_point

    recover(out)
    if out.exists() and not out.is_dir():
        raise DistilkitError(f"--output-dir {out} is a file: choose a folder")
    if overwrite and resume:
        raise DistilkitError("--overwrite starts afresh and --resume continues: pass one of them")
    finished = [name for name in FINISHED if (out / name).exists()] if out.exists() else []
    foreign = sorted(p.name for p in out.iterdir() if p.name not in (CHECKPOINTS, LOCK, *FINISHED)) \
        if out.exists() else []
    if overwrite:
        if finished or foreign:
            print(f"--overwrite: replacing what {out} holds", file=sys.stderr)
        shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)  # an earlier run's checkpoints are not this run's
        return None
    resume_from = resume_point(out / CHECKPOINTS, resume)
    if resume_from is None and finished:
        raise DistilkitError(f"{out} holds a finished model ({finished[0]}): choose another --output-dir, or pass "
                             "--overwrite to replace it")
    if resume_from is None and foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise DistilkitError(f"{out} holds files distilkit did not write ({shown}): choose another --output-dir, or "
                             "pass --overwrite to train there anyway")
    return resume_from


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


class RunLock:
    """``with RunLock(out):`` holds OUT/.distilkit.lock for the run; ``beat()`` refreshes its heartbeat."""

    def __init__(self, out: Path):
        self.path = Path(out) / LOCK
        self.held = False
        self.last_beat = 0.0

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        me = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
        for _ in range(2):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                self._take_over_if_stale()
                continue
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            self.held = True
            return self
        raise DistilkitError(f"{self.path.parent}: could not take the run lock {self.path}: remove it if no run "
                             "is writing to that folder")

    def _take_over_if_stale(self) -> None:
        try:
            other = json.loads(self.path.read_text())
            age = time.time() - self.path.stat().st_mtime
        except (OSError, ValueError):
            other, age = {}, STALE_S + 1  # unreadable: a run killed while writing it
        here = other.get("host") == socket.gethostname()
        running = _alive(int(other.get("pid", -1))) if here and other.get("pid") else age < STALE_S
        if running and other.get("pid") != os.getpid():
            raise DistilkitError(f"{self.path.parent} is being written by another run (pid {other.get('pid')} on "
                                 f"{other.get('host')}, since {other.get('started')}): wait for it, or choose "
                                 "another --output-dir")
        print(f"{self.path.parent}: removing a stale lock left by a run that stopped (pid {other.get('pid')})",
              file=sys.stderr)
        self.path.unlink(missing_ok=True)

    def beat(self) -> None:
        """Refresh the heartbeat (at most once a minute): other hosts see the run is alive."""
        now = time.time()
        if self.held and now - self.last_beat > 60:
            self.last_beat = now
            try:
                os.utime(self.path)
            except OSError:
                pass

    def __exit__(self, *exc) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False


def is_main_process() -> bool:
    """Rank 0 of a multi-process launch (or a single process): the one that owns the folder's lock."""
    return int(os.environ.get("RANK", "0")) == 0
