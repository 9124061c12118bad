"""The output folder of a run: a finished model is never silently replaced, two runs never write the same
folder, and a kill at any moment leaves the old complete folder or the new complete one.

run_glue.py refuses a non-empty output folder unless --overwrite_output_dir; we do the same for a folder
holding a finished model or files distilkit did not write. Everything here runs under the folder's lock
(``distilkit.io.PathLock``, taken by ``train`` before it looks at OUT): a second run is refused before it
reads, recovers or deletes anything, so it cannot touch the first run's checkpoints or staging folder.

The finished folder is written beside OUT (``.OUT.final-tmp``), its run record (training_summary.json) last,
then swapped in by two renames (``publish``). ``recover`` finishes a swap a kill cut short.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..card.record import RECORD  # written last: its presence means the folder is complete
from ..errors import DistilkitError
from ..io import JOURNAL

CHECKPOINTS = "checkpoints"
FINISHED = (RECORD, "model.safetensors", "config.json")  # what a finished run leaves
COMPLETE = (RECORD, "README.md", "model.safetensors", "config.json", "distilkit.json")
OURS = (CHECKPOINTS, JOURNAL, ".distilkit.lock")  # distilkit's own, besides a finished model (and older locks)


def staging_path(out: Path) -> Path:
    return out.parent / f".{out.name}.final-tmp"


def _old_path(out: Path) -> Path:
    return out.parent / f".{out.name}.old-tmp"


def is_complete(folder: Path) -> bool:
    """Every file a finished run leaves is there (the record, written last, among them)."""
    return folder.is_dir() and all((folder / name).is_file() for name in COMPLETE)


def staging_folder(out: Path) -> Path:
    """A fresh sibling of OUT where the final model folder is written before it is renamed into place."""
    staging = staging_path(out)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def publish(staging: Path, out: Path, keep_checkpoints: bool) -> None:
    """Put the finished folder in OUT's place: OUT's checkpoints move into it (when kept), OUT goes aside,
    the staging folder becomes OUT, the old one is removed. A kill between any two steps leaves what
    ``recover`` completes, because the staging folder is complete before the first step."""
    if not is_complete(staging):
        raise DistilkitError(f"{staging}: the finished folder is incomplete, so it was not published (a distilkit bug)")
    old = _old_path(out)
    if out.exists():
        if keep_checkpoints and (out / CHECKPOINTS).is_dir() and not (staging / CHECKPOINTS).exists():
            os.replace(out / CHECKPOINTS, staging / CHECKPOINTS)
        shutil.rmtree(old, ignore_errors=True)
        os.replace(out, old)
    os.replace(staging, out)
    shutil.rmtree(old, ignore_errors=True)


def cannot_write_final(staging: Path, out: Path, exc: BaseException) -> str:
    """One line for a finished folder that could not be written (disk full, quota): what is intact, the fix."""
    free = shutil.disk_usage(out.parent).free / 1e6
    reason = getattr(exc, "strerror", None) or str(exc).strip().splitlines()[0][:200]
    return (f"could not write the finished model ({reason}, at {getattr(exc, 'filename', None) or staging}): "
            f"{free:,.0f} MB free there; {out} is as it was and its checkpoints hold the trained weights: free some "
            "space, then run the same command with --resume")


def cannot_publish(staging: Path, out: Path, exc: OSError) -> str:
    """One line for a complete finished folder that could not be renamed into place."""
    return (f"could not put the finished model in place of {out} ({exc.strerror or exc}): it is complete in "
            f"{staging}; fix that, then run the same command with --resume auto (it publishes it first)")


def recover(out: Path) -> None:
    """Finish what a run killed while publishing left behind, or clear an unfinished final folder (its run's
    checkpoints hold the work). Only ever called under OUT's lock."""
    staging, old = staging_path(out), _old_path(out)
    if is_complete(staging):
        if not out.exists() and old.is_dir():
            os.replace(old, out)  # killed between the renames: put OUT back first, then swap properly
        publish(staging, out, keep_checkpoints=True)
        print(f"{out}: published the finished model of a run killed while saving it", file=sys.stderr)
    elif not out.exists() and old.is_dir():
        os.replace(old, out)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staging, ignore_errors=True)


def prepare_output(out: Path, overwrite: bool, resume: bool | str | None) -> str | None:
    """Check the output folder before any work and return the checkpoint to resume from (None: a fresh
    start). A folder holding a finished model or files distilkit did not write is refused unless
    ``overwrite``; ``resume`` is False, True/'last' (a checkpoint must exist) or 'auto' (resume if one does).
    Runs under OUT's lock: it first finishes what a killed run left (a publish cut short: any run holding the
    lock would), then checks; a refused run changes nothing else. With ``overwrite`` the earlier run's
    checkpoints stay until ``clear_checkpoints``, once this run's data and model have loaded."""
    from .checkpoints import clean_torn, resume_point

    if overwrite and resume:
        raise DistilkitError("--overwrite starts afresh and --resume continues: pass one of them")
    if out.exists() and not out.is_dir():
        raise DistilkitError(f"--output-dir {out} is a file: choose a folder")
    recover(out)
    listing = sorted(p.name for p in out.iterdir()) if out.exists() else []
    finished = [name for name in FINISHED if name in listing]
    foreign = [name for name in listing if name not in (*OURS, *FINISHED)]
    if overwrite:
        if finished or foreign:
            print(f"--overwrite: replacing what {out} holds", file=sys.stderr)
        return None
    resume_from = resume_point(out / CHECKPOINTS, resume)
    if resume_from is None and finished:
        raise DistilkitError(f"{out} holds a finished model ({finished[0]}): choose another --output-dir, or pass "
                             "--overwrite to replace it")
    if resume_from is None and foreign:
        shown = ", ".join(foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise DistilkitError(f"{out} holds files distilkit did not write ({shown}): choose another --output-dir, or "
                             "pass --overwrite to train there anyway (they are removed when the new model is "
                             "published)")
    clean_torn(out / CHECKPOINTS, resume_from)
    return resume_from


def clear_checkpoints(out: Path) -> None:
    """--overwrite: an earlier run's checkpoints are not this run's (removed just before training starts)."""
    shutil.rmtree(out / CHECKPOINTS, ignore_errors=True)


# How native writers word a failed write: safetensors and tokenizers (Rust: 'No space left on device (os error
# 28)', 'File too large (os error 27)'), torch.save ('PytorchStreamWriter failed writing file ...').
WRITE_FAILURES = ("no space left", "quota exceeded", "file too large", "failed writing", "os error 28", "os error 27")


def is_write_failure(exc: BaseException) -> bool:
    """A full disk, a quota or a file-size limit, as each writer reports it: OSError from Python's own writes,
    SafetensorError, RuntimeError or a plain Exception from the native writers (safetensors, torch.save, the
    Rust tokenizer), recognised by their wording."""
    return isinstance(exc, OSError) or any(words in str(exc).lower() for words in WRITE_FAILURES)


def is_main_process() -> bool:
    """Rank 0 of a multi-process launch (or a single process): the one that owns the folder's lock."""
    return int(os.environ.get("RANK", "0")) == 0
