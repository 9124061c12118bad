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
import json
import os
import socket
import sys
import secrets
import threading
import time
from pathlib import Path

from .errors import DistilkitError

JOURNAL = ".distilkit-journal.json"
PENDING = ".distilkit-pending"  # marks a new file update_together has not renamed into place yet
TMP = ".distilkit-tmp"  # marks write_atomic's file before its rename


def _temp_beside(path: Path, kind: str) -> tuple[int, Path]:
    """A new file beside ``path``, open for writing: ``.NAME.PID-RANDOM<kind><suffix>``. The pid lets the next
    lock holder tell a dead writer's leftover from a live one's; the final suffix lets writers that infer a
    format from it (savefig, np.save) work; the mode follows the umask, as open() would."""
    while True:
        tmp = path.parent / f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}{kind}{path.suffix}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def _left_by_the_dead(folder: Path, kind: str) -> list[Path]:
    """Temporary files of ``kind`` in ``folder`` whose writer is gone (or is this process, which holds the
    folder's lock and so is not writing one now)."""
    found = []
    for tmp in folder.glob(f".*{kind}*"):
        pid = tmp.name.rsplit(kind, 1)[0].rsplit(".", 1)[-1].split("-")[0]
        if pid.isdigit() and (int(pid) == os.getpid() or not _alive(int(pid))):
            found.append(tmp)
    return found


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file beside it (flushed to disk before the rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        _write_synced(tmp, data)
    return path


def _write_synced(path: Path, data: str | bytes) -> None:
    with open(path, "wb") as f:
        f.write(data.encode("utf-8") if isinstance(data, str) else data)
        f.flush()
        os.fsync(f.fileno())


def create_new(path: str | Path, data: str | bytes) -> bool:
    """Write a file that must not replace another: it appears complete under its name, or not at all; False
    (nothing written) when ``path`` already exists, even if another process made it a moment ago."""
    path = Path(path)
    fd, tmp = _temp_beside(path, TMP)
    os.close(fd)
    try:
        _write_synced(tmp, data)
        os.link(tmp, path)  # fails when the name is taken: never replaces
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """``with atomic_path(final) as tmp: <write tmp>``: ``tmp`` (same suffix as ``final``) is renamed to
    ``final`` when the block ends without an error, and removed when it fails; for writers that want a path
    (savefig, np.save, pyarrow)."""
    path = Path(path)
    fd, tmp = _temp_beside(path, TMP)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def update_together(folder: str | Path, files: dict[str, str | bytes]) -> None:
    """Replace several files of ``folder`` as one change (see the module docstring): each new file is written
    beside its final name (and synced), then a journal naming them all, then each is renamed into place, then
    the journal goes. The caller holds the folder's lock, or owns the folder alone (a staging folder)."""
    folder = Path(folder)
    pending = {}
    for name, data in files.items():
        fd, tmp = _temp_beside(folder / name, PENDING)
        os.close(fd)
        _write_synced(tmp, data)
        pending[tmp.name] = name
    write_atomic(folder / JOURNAL, json.dumps(pending))
    _apply(folder, pending)


def replay_journal(folder: str | Path) -> bool:
    """Finish a change ``update_together`` began and a kill cut short (True when there was one); without a
    journal, the new files a dead writer left before it wrote one are removed (its change never began), and
    so are the temporary files of ``write_atomic`` calls a kill cut short. Called by the folder's lock."""
    folder = Path(folder)
    for tmp in _left_by_the_dead(folder, TMP):
        tmp.unlink(missing_ok=True)
    try:
        pending = json.loads((folder / JOURNAL).read_text(encoding="utf-8"))
    except FileNotFoundError:
        for tmp in _left_by_the_dead(folder, PENDING):
            tmp.unlink(missing_ok=True)
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


_HELD: dict[str, list] = {}  # lock files this process holds -> [how many ``with`` blocks hold it, its fd]
_HELD_GUARD = threading.Lock()
os.register_at_fork(after_in_child=_HELD.clear)  # a forked child holds no lock of its own (its parent does)


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
        self.key = os.path.abspath(self.path)

    def __enter__(self) -> "PathLock":
        with _HELD_GUARD:
            if self.key in _HELD:
                _HELD[self.key][0] += 1
                return self
            try:
                return self._take()
            except OSError as exc:  # a full disk or a read-only folder: say so in one line
                raise DistilkitError(f"{self.target}: could not take its lock {self.path} ({exc.strerror or exc}):"
                                     f" make room or choose another {self.flag}") from None

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
            _HELD[self.key] = [1, fd]
            try:
                _write_holder(fd)
                self._remove_litter()
                if self.target.is_dir():
                    replay_journal(self.target)
            except BaseException:
                self._release()
                raise
            return self
        raise DistilkitError(f"{self.path}: could not take this lock (it keeps changing): retry, or remove it if "
                             "no run is writing to that folder")

    def _open_or_create(self) -> int | None:
        """An fd on the current lock file, creating it (with its holder written) if there is none; None when
        another run made one first (the caller retries and opens that one)."""
        try:
            return os.open(self.path, os.O_RDWR)
        except FileNotFoundError:
            pass
        fd, tmp = _temp_beside(self.path, TMP)
        try:
            os.write(fd, _holder().encode())
            os.close(fd)
            try:
                os.link(tmp, self.path)  # appears complete, or not at all (fails if another run made one first)
            except FileExistsError:
                return None
            except OSError:  # a filesystem without hard links: create it exclusively (empty for a moment: the
                try:       # flock and the same-file check decide who holds it, the content only names them)
                    return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
                except FileExistsError:
                    return None
            return os.open(self.path, os.O_RDWR)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def _remove_litter(self) -> None:
        """The temporary files of lock takers killed before they cleaned up."""
        for tmp in _left_by_the_dead(self.path.parent, TMP):
            if tmp.name.startswith(f".{self.path.name}."):
                tmp.unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        with _HELD_GUARD:
            _HELD[self.key][0] -= 1
            if not _HELD[self.key][0]:
                self._release()

    def _release(self) -> None:
        fd = _HELD.pop(self.key)[1]
        if _same_file(fd, self.path):
            self.path.unlink(missing_ok=True)  # before the unlock: the next run creates a fresh file
        os.close(fd)  # releases the flock


def _write_holder(fd: int) -> None:
    """Record this run as the holder (a lock file taken over from a finished run still names that run)."""
    text = _holder().encode()
    os.pwrite(fd, text, 0)  # then cut what is left of a longer old record: never empty in between
    os.ftruncate(fd, len(text))


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
