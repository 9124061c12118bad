"""Forked children for the tests: a run that can really be killed (SIGKILL ends a process, not a test), and
another process holding a lock (a PathLock is re-entrant within one process, so "another run" must be one).

Forking inherits torch and the test's imports, so a child starts in milliseconds instead of the seconds a
fresh interpreter takes; its OpenMP pool does not survive the fork, so the child uses one thread."""
from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from pathlib import Path


def in_child(fn, timeout: float = 120.0, stderr: Path | None = None) -> int:
    """Run ``fn()`` in a forked child (torch and the test's imports inherited, so no start-up cost) and return
    its exit status as a shell reports it: the exit code, or -SIGNAL when a signal ended it. ``stderr``: a file
    that gets the child's standard error."""
    return wait_child(start_child(fn, stderr), timeout)


def start_child(fn, stderr: Path | None = None) -> int:
    """Fork; the child runs ``fn()`` and exits with its result (an int) or 0, 1 on an exception. Returns the pid."""
    pid = os.fork()
    if pid:
        return pid
    code = 1  # the child: never return into pytest
    try:
        if "torch" in sys.modules:  # the parent's OpenMP thread pool does not survive a fork: use none
            sys.modules["torch"].set_num_threads(1)
        if stderr is not None:
            fd = os.open(stderr, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(fd, 2)
            sys.stderr = open(2, "w", closefd=False)
        result = fn()
        code = result if isinstance(result, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def wait_child(pid: int, timeout: float = 120.0) -> int:
    deadline = time.time() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        if time.time() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise TimeoutError(f"the child run did not end within {timeout} s")
        time.sleep(0.02)


def wait_for(path: Path, timeout: float) -> bool:
    """Whether ``path`` appeared within ``timeout`` seconds (a forked child's signal that it got somewhere)."""
    deadline = time.time() + timeout
    while not path.exists() and time.time() < deadline:
        time.sleep(0.02)
    return path.exists()


@contextlib.contextmanager
def held_by_another_process(target: Path):
    """``with held_by_another_process(folder):`` a forked child holds ``folder``'s PathLock for the block (a lock
    is re-entrant within one process, so another writer must be another process)."""
    from distilkit.io import PathLock, lock_path

    ready = lock_path(target).with_name(lock_path(target).name + ".test-ready")
    release = ready.with_suffix(".release")

    def hold():
        with PathLock(target):
            ready.write_text("held")
            while not release.exists():
                time.sleep(0.02)

    pid = start_child(hold)
    try:
        assert wait_for(ready, 30), "the child never took the lock"
        ready.unlink()
        yield
    finally:
        release.write_text("go")
        wait_child(pid, 30)
        release.unlink()
