"""Fault injection for the tests, from outside the package: the package holds no test hook.

``Tracer`` wraps, for its lifetime, every way a run writes, renames or deletes files (Python's ``open`` and
``os`` calls, and the library calls that write from native code: safetensors, ``torch.save``, the Rust
tokenizer) and numbers each call that touches a path under ``root``. At each one an action runs: take a
snapshot of ``root`` (the state a SIGKILL at that instant would leave), SIGKILL the process, fail the write as
a full disk does, or pause until the test says go. A file-writing call fires after its file exists, empty:
the torn file a kill in the middle of the write leaves.

``SignalAt`` is a TrainerCallback that sends the process a real signal at a given step or evaluation; tests
add it with ``add_callbacks`` (in-process) or ``python -m tests.faults`` (a child process, e.g. under
``accelerate launch``).
"""
from __future__ import annotations

import builtins
import contextlib
import errno
import io
import os
import re
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

WRITE_MODES = set("wax+")
_CREATE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC


def fault_name(path: str, root: Path) -> str:
    """A path under root with what changes between runs taken out: step numbers and temporary-file names."""
    rel = os.path.relpath(path, root)
    rel = re.sub(r"checkpoint-\d+", "checkpoint-N", rel)
    return re.sub(r"\.([^/]*?)\.[A-Za-z0-9_]{8}(\.tmp|\.distilkit-tmp)$", r".\1.*\2", rel)  # mkstemp names


class Tracer:
    """``with Tracer(root, action) as t:`` calls ``action(index, op, name, path)`` before (renames, deletes)
    or right after (file creations) each file operation under ``root``; ``t.events`` lists (op, name)."""

    def __init__(self, root: Path, action=None):
        self.root = Path(root).resolve()
        self.action = action or (lambda *a: None)
        self.events: list[tuple[str, str]] = []
        self._local = threading.local()
        self._saved: list[tuple[object, str, object]] = []

    # --- what fires --------------------------------------------------------------------------------
    def _under_root(self, path) -> bool:
        try:
            return os.path.abspath(os.fspath(path)).startswith(str(self.root) + os.sep)
        except TypeError:  # a file descriptor
            return False

    def fire(self, op: str, path, to=None) -> None:
        if getattr(self._local, "busy", False) or not self._under_root(path):
            return
        name = fault_name(os.path.abspath(os.fspath(path)), self.root)
        if to is not None and self._under_root(to):
            name += " -> " + fault_name(os.path.abspath(os.fspath(to)), self.root)
        self.events.append((op, name))
        self._local.busy = True  # the action's own file operations (a snapshot's copy) are not events
        try:
            self.action(len(self.events) - 1, op, name, Path(path))
        finally:
            self._local.busy = False

    def _quiet(self):
        return _Quiet(self._local)

    # --- wrappers ------------------------------------------------------------------------------------
    def _wrap_before(self, op: str, fn):
        def wrapper(path, *args, **kwargs):
            if not getattr(self._local, "depth", 0) and not kwargs.get("dir_fd"):
                self.fire(op, path, args[0] if op == "rename" and args else None)
            with self._quiet():
                return fn(path, *args, **kwargs)
        return wrapper

    def _wrap_open(self, fn):
        def wrapper(file, mode="r", *args, **kwargs):
            handle = fn(file, mode, *args, **kwargs)
            if WRITE_MODES & set(mode) and not getattr(self._local, "depth", 0):
                self.fire("write", file)
            return handle
        return wrapper

    def _wrap_os_open(self, fn):
        def wrapper(path, flags, *args, **kwargs):
            fd = fn(path, flags, *args, **kwargs)
            if flags & _CREATE and not getattr(self._local, "depth", 0) and not kwargs.get("dir_fd"):
                self.fire("write", path)
            return fd
        return wrapper

    def _wrap_save(self, fn, path_arg: int):
        """Native writers: make the file exist empty, fire, then write it for real."""
        def wrapper(*args, **kwargs):
            path = args[path_arg] if len(args) > path_arg else kwargs.get("filename") or kwargs.get("f")
            if isinstance(path, (str, os.PathLike)) and self._under_root(path) and not getattr(self._local, "busy", 0):
                open(path, "wb").close()  # fires "write" through the wrapped open
            with self._quiet():
                return fn(*args, **kwargs)
        return wrapper

    def _patch(self, owner, name: str, wrapper) -> None:
        self._saved.append((owner, name, getattr(owner, name)))
        setattr(owner, name, wrapper)

    def __enter__(self) -> "Tracer":
        import safetensors.torch
        import torch
        import transformers.modeling_utils as modeling_utils
        from transformers.tokenization_utils_tokenizers import TokenizersBackend

        for op, names in {"rename": ("replace", "rename", "link"), "delete": ("unlink", "remove", "rmdir"),
                          "mkdir": ("mkdir",)}.items():
            for name in names:
                self._patch(os, name, self._wrap_before(op, getattr(os, name)))
        self._patch(shutil, "rmtree", self._wrap_before("delete", shutil.rmtree))
        opener = self._wrap_open(builtins.open)
        self._patch(builtins, "open", opener)
        self._patch(io, "open", opener)
        self._patch(os, "open", self._wrap_os_open(os.open))
        self._patch(torch, "save", self._wrap_save(torch.save, 1))
        self._patch(safetensors.torch, "save_file", self._wrap_save(safetensors.torch.save_file, 1))
        self._patch(modeling_utils, "safe_save_file", self._wrap_save(modeling_utils.safe_save_file, 1))
        original = TokenizersBackend._save_pretrained

        def save_tokenizer(tok, save_directory, *args, **kwargs):
            self._wrap_save(lambda path: None, 0)(os.path.join(str(save_directory), "tokenizer.json"))
            return original(tok, save_directory, *args, **kwargs)

        self._patch(TokenizersBackend, "_save_pretrained", save_tokenizer)
        return self

    def __exit__(self, *exc) -> None:
        for owner, name, value in reversed(self._saved):
            setattr(owner, name, value)
        self._saved = []


class _Quiet:
    """Inside a wrapped call: the calls it makes itself (rmtree's unlinks, os.replace's nothing) are not events."""

    def __init__(self, local):
        self.local = local

    def __enter__(self):
        self.local.depth = getattr(self.local, "depth", 0) + 1

    def __exit__(self, *exc):
        self.local.depth -= 1


# --- actions -----------------------------------------------------------------------------------------
def snapshot_into(folder: Path, root: Path):
    """At every event, copy root to folder/<index> (symlinks and all): what a SIGKILL there would leave."""
    def action(index, op, name, path):
        shutil.copytree(root, folder / str(index), symlinks=True)
    return action


def at(index: int, what):
    """``what(op, name, path)`` at event ``index`` only."""
    def action(i, op, name, path):
        if i == index:
            what(op, name, path)
    return action


def sigkill(op, name, path):
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


def disk_full(op, name, path):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def pause_until(go: Path, paused: Path):
    """Say 'paused' (a file) and wait for the test's 'go' file."""
    def what(op, name, path):
        paused.write_text(f"{op} {name}")
        while not go.exists():
            time.sleep(0.05)
    return what


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
        deadline = time.time() + 30
        while not ready.exists() and time.time() < deadline:
            time.sleep(0.02)
        assert ready.exists(), "the child never took the lock"
        ready.unlink()
        yield
    finally:
        release.write_text("go")
        wait_child(pid, 30)
        release.unlink()


# --- real signals at chosen points of a training run ---------------------------------------------------
def signal_callback(spec: dict):
    """A TrainerCallback sending this process a real signal: {'step': (N, 'TERM')}, {'eval': 'USR1'}; only on
    rank ``spec['rank']`` when given."""
    from transformers import TrainerCallback

    class SignalAt(TrainerCallback):
        def __init__(self):
            self.fired: set[str] = set()

        def _fire(self, which: str, sig: str) -> None:
            rank = spec.get("rank")
            if which not in self.fired and (rank is None or str(rank) == os.environ.get("RANK", "0")):
                self.fired.add(which)
                os.kill(os.getpid(), getattr(signal, "SIG" + sig))

        def on_step_end(self, args, state, control, **kwargs):
            if "step" in spec and state.global_step == spec["step"][0]:
                self._fire("step", spec["step"][1])

        def on_prediction_step(self, args, state, control, **kwargs):
            if "eval" in spec:
                self._fire("eval", spec["eval"])

    return SignalAt()


def first_signal_received() -> bool:
    """Whether the run's preemption handler (the SIGTERM handler now installed) has already had a signal."""
    handler = signal.getsignal(signal.SIGTERM)
    return getattr(getattr(handler, "__self__", None), "signum", None) is not None


def add_callbacks(monkeypatch_or_none, *callbacks) -> None:
    """Make every training run of this process also use ``callbacks``."""
    import distilkit.training.run as run

    original = run._callbacks

    def extended(cfg, has_validation):
        return original(cfg, has_validation) + list(callbacks)

    if monkeypatch_or_none is None:
        run._callbacks = extended
    else:
        monkeypatch_or_none.setattr(run, "_callbacks", extended)


def main(argv: list[str]) -> int:
    """``python -m tests.faults [--step N:SIG] [--eval SIG] [--rank R] [--signal-in-save SIG] -- distilkit ARGS``:
    the CLI with real signals at chosen points (a child process: for accelerate launch and exit codes)."""
    import argparse

    parser = argparse.ArgumentParser(prog="tests.faults")
    parser.add_argument("--step")
    parser.add_argument("--eval")
    parser.add_argument("--rank")
    parser.add_argument("--signal-in-save", help="send this signal again while a checkpoint is being renamed")
    parser.add_argument("--root", help="with --signal-in-save: the folder holding the run's output")
    split = argv.index("--")
    opts, cli_args = parser.parse_args(argv[:split]), argv[split + 1:]
    spec = {"rank": opts.rank}
    if opts.step:
        step, sig = opts.step.split(":")
        spec["step"] = (int(step), sig)
    if opts.eval:
        spec["eval"] = opts.eval
    add_callbacks(None, signal_callback(spec))
    from distilkit.cli import main as cli

    if opts.signal_in_save:  # a second signal while the first one's checkpoint is renamed into place
        def again(index, op, name, path):
            if op == "rename" and "tmp-checkpoint" in name and first_signal_received():
                os.kill(os.getpid(), getattr(signal, "SIG" + opts.signal_in_save))

        with Tracer(Path(opts.root), again):
            return cli(cli_args)
    return cli(cli_args)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
