"""The one way to write a file or folder that other runs or readers may look at: atomic writes, a journal for
files that must change together, and a lock taken before anything is touched.

Why these three:
- ``write_atomic``: a file is written beside its final name and renamed over it, so a kill (or a full disk)
  at any moment leaves the old file or the new one, never half of one.
- ``update_together``: some files belong together (a run record and the card rendered from it; the splits of
  a data set). Each new file is written beside its final name, then one journal listing them (itself written
  atomically), then each is renamed into place, then the journal goes. Whoever takes the folder's lock next
  replays a journal it finds, so after a kill the folder holds all of the old files or all of the new ones.
- ``PathLock``: ``.NAME.lock`` beside a folder or file, held with ``flock`` for as long as the run writes.
  The kernel drops a flock when its process dies, so a lock left by a killed run is free again at once (no
  heartbeat, no guessing from pids); the lock file holds who took it (pid, host, time), written before the
  file appears under its name (a reader never sees it empty). The lock lives beside its target, not inside
  it, so a run can swap the whole folder while holding it, and a refused run never writes inside it.
"""
from __future__ import annotations

import contextlib
import glob
import json
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

from .errors import DistilkitError

JOURNAL = ".distilkit-journal.json"
_UMASK = os.umask(0o022)  # read once, at import (reading it means setting it), and put back at once
os.umask(_UMASK)
PENDING = ".distilkit-pending"  # suffix of a new file update_together has not renamed into place yet
TMP = ".distilkit-tmp"  # suffix of write_atomic's file before its rename


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it (flushed to disk before the rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
    return path


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """``with atomic_path(final) as tmp: <write tmp>``: ``tmp`` is renamed to ``final`` when the block ends
    without an error, and removed when it fails; for writers that want a path (savefig, np.save, pyarrow)."""
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TMP)
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes it owner-only; the file is for readers, as open() would make it
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def update_together(folder: str | Path, files: dict[str, str | bytes]) -> None:
    """Replace several files of ``folder`` as one change (see the module docstring): each new file is written
    beside its final name, then a journal naming them all, then each is renamed into place, then the journal
    goes. The caller holds the folder's lock, or owns the folder alone (a staging folder)."""
    folder = Path(folder)
    pending = {}
    for name, data in files.items():
        tmp = folder / f".{Path(name).name}{PENDING}"
        with open(tmp, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
        pending[tmp.name] = name
    write_atomic(folder / JOURNAL, json.dumps(pending))
    _apply(folder, pending)


def replay_journal(folder: str | Path) -> bool:
    """Finish a change ``update_together`` began and a kill cut short (True when there was one); without a
    journal, new files written before the kill are removed (the change never began), and so are the temporary
    files of ``write_atomic`` calls a kill cut short. Call it holding the folder's lock (PathLock does)."""
    folder = Path(folder)
    for tmp in folder.glob(f".*{TMP}"):
        tmp.unlink()
    try:
        pending = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        for tmp in folder.glob(f".*{PENDING}"):
            tmp.unlink()
        return False
    _apply(folder, pending)
    print(f"{folder}: finished an update of {', '.join(sorted(pending.values()))} that a stopped run began",
          file=sys.stderr)
    return True


def _apply(folder: Path, pending: dict[str, str]) -> None:
    for tmp, name in pending.items():
        if (folder / tmp).exists():  # already renamed when a replay follows a kill in the middle of this loop
            os.replace(folder / tmp, folder / name)
    (folder / JOURNAL).unlink()


def lock_path(target: str | Path) -> Path:
    """Where the lock of ``target`` (a folder or file) lives: ``.NAME.lock`` beside it."""
    target = Path(target)
    return target.parent / f".{target.name}.lock"


_HELD: dict[str, int] = {}  # lock files this process holds -> how many ``with`` blocks hold each


class PathLock:
    """``with PathLock(target, flag):`` holds ``target``'s lock, or raises a one-line DistilkitError naming the
    run that holds it (``flag`` names the option that chose the target, for the fix: '--output-dir').

    On entering, a journal an earlier run left in ``target`` (a folder) is replayed. Re-entrant within a
    process: a command holding a model folder's lock may run code that locks it again (a predictor caching
    an ONNX graph in it); other processes are refused."""

    def __init__(self, target: str | Path, flag: str = "--output-dir"):
        self.target = Path(target)
        self.path = lock_path(self.target)
        self.flag = flag
        self.fd: int | None = None
        self.key = os.path.abspath(self.path)

    def __enter__(self) -> "PathLock":
        if _HELD.get(self.key):
            _HELD[self.key] += 1
            return self
        try:
            return self._take()
        except OSError as exc:  # a full disk or a read-only folder: say so in one line
            raise DistilkitError(f"{self.target}: could not take its lock {self.path} ({exc.strerror or exc}): "
                                 f"make room or choose another {self.flag}") from None

    def _take(self) -> "PathLock":
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(20):  # each retry follows a lock file replaced or removed under us: rare
            fd = self._open_or_create()
            if fd is None:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _read_holder(fd)
                os.close(fd)
                raise DistilkitError(f"{self.target} is being written by another run (pid {holder.get('pid', '?')} "
                                     f"on {holder.get('host', '?')}, since {holder.get('started', '?')}): wait for "
                                     f"it to finish, or choose another {self.flag}") from None
            if not _same_file(fd, self.path):  # its holder removed it between our open and our flock
                os.close(fd)
                continue
            self.fd, _HELD[self.key] = fd, 1
            try:
                self._write_holder()
                self._remove_litter()
                if self.target.is_dir():
                    replay_journal(self.target)
            except BaseException:
                self.__exit__()
                raise
            return self
        raise DistilkitError(f"{self.path}: could not take this lock (it keeps changing): retry, or remove it if "
                             "no run is writing to that folder")

    def _open_or_create(self) -> int | None:
        """An fd on the current lock file, creating it (with its holder written) if there is none."""
        try:
            return os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            pass
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f"{self.path.name}.{os.getpid()}.", suffix=".tmp")
        try:
            os.write(fd, _holder().encode())
            try:
                os.link(tmp, self.path)  # appears complete, or not at all (fails if another run made one first)
            except FileExistsError:
                os.close(fd)
                return None
            except OSError:  # a filesystem without hard links: take the name if it is still free
                try:
                    os.rename(tmp, self.path) if not self.path.exists() else None
                except OSError:
                    pass
                os.close(fd)
                return None
            return fd
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _remove_litter(self) -> None:
        """The temporary files of lock takers killed before they cleaned up (named after their pid; ours too:
        this process is not creating one now)."""
        for tmp in self.path.parent.glob(f"{glob.escape(self.path.name)}.*.tmp"):
            pid = tmp.name[len(self.path.name) + 1:].split(".")[0]
            if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
                tmp.unlink(missing_ok=True)

    def _write_holder(self) -> None:
        """Record this run as the holder (a lock taken over from a finished run still names that run)."""
        text = _holder().encode()
        os.pwrite(self.fd, text, 0)  # then cut what is left of a longer old record: never empty in between
        os.ftruncate(self.fd, len(text))

    def __exit__(self, *exc) -> None:
        _HELD[self.key] = _HELD.get(self.key, 1) - 1
        if self.fd is None or _HELD[self.key]:
            return
        del _HELD[self.key]
        if _same_file(self.fd, self.path):
            self.path.unlink(missing_ok=True)  # before the unlock: the next run creates a fresh file
        os.close(self.fd)  # releases the flock
        self.fd = None


def _holder() -> str:
    return json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "started": time.strftime("%Y-%m-%d %H:%M:%S")})


def _read_holder(fd: int) -> dict:
    try:
        return json.loads(os.pread(fd, 4096, 0).decode() or "{}")
    except (OSError, ValueError):
        return {}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False
