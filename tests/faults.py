"""Fault injection for the tests, from outside the package: the package holds no test hook.

``Tracer`` wraps, for its lifetime, every way a run writes, renames or deletes files (Python's ``open`` and
``os`` calls, and the library calls that write from native code: safetensors, ``torch.save``, the Rust
tokenizer) and numbers each call that touches a path under ``root``. At each one an action runs: take a
snapshot of ``root`` (the state a SIGKILL at that instant would leave), SIGKILL the process, fail the write as
a full disk does, or pause until the test says go. A file-writing call fires after its file exists, empty:
the torn file a kill in the middle of the write leaves.

Runs to kill are forked children (tests/children.py); real signals at chosen steps are tests/signals.py.
"""
from __future__ import annotations

import builtins
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
    rel = re.sub(r"\.\d+-[0-9a-f]{8}\.distilkit-", ".*.distilkit-", rel)  # distilkit.io's temporary files
    return re.sub(r"\.([^/]*?)\.[A-Za-z0-9_]{8}\.tmp$", r".\1.*.tmp", rel)  # mkstemp's


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

    def _wrap_save(self, fn, path_arg: int, native_error):
        """Native writers: make the file exist empty, fire, then write it for real. A failure the action raises
        (a full disk) comes out as the writer itself reports one: ``native_error(message)``."""
        def wrapper(*args, **kwargs):
            path = args[path_arg] if len(args) > path_arg else kwargs.get("filename") or kwargs.get("f")
            if isinstance(path, (str, os.PathLike)) and self._under_root(path) and not getattr(self._local, "busy", 0):
                try:
                    open(path, "wb").close()  # fires "write" through the wrapped open
                except OSError as exc:
                    raise native_error(exc) from None
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
        from safetensors import SafetensorError

        # As each native writer words a failed write (io errors surface through Rust or C++, not as OSError)
        torch_error = lambda e: RuntimeError(f"[enforce fail at inline_container.cc:626] . PytorchStreamWriter "  # noqa: E731
                                             f"failed writing file data/0: file write failed ({e.strerror})")
        rust_error = lambda e: f"{e.strerror} (os error {e.errno})"  # noqa: E731
        self._patch(torch, "save", self._wrap_save(torch.save, 1, torch_error))
        safetensors_error = lambda e: SafetensorError(f"Error while serializing: {rust_error(e)}")  # noqa: E731
        for owner, name in ((safetensors.torch, "save_file"), (modeling_utils, "safe_save_file")):
            self._patch(owner, name, self._wrap_save(getattr(owner, name), 1, safetensors_error))
        original = TokenizersBackend._save_pretrained
        touch = self._wrap_save(lambda path: None, 0, lambda e: Exception(rust_error(e)))

        def save_tokenizer(tok, save_directory, *args, **kwargs):
            touch(os.path.join(str(save_directory), "tokenizer.json"))
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


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes: what 'nothing changed' and 'the same folder' compare."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
