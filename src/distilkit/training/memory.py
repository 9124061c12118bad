"""``training.release_memory``: freed large blocks go back to the operating system at once.

glibc serves a large allocation from its own mapping and, when that block is freed, raises its threshold to the
block's size (up to 32 MB), so the next tensors of that size come from the heap, which keeps pages it no longer
uses. A training step allocates and frees hundreds of activation and gradient tensors of a few MB; the heap grows
to the most they ever needed at once *plus* what fragmentation strands, and the process's resident memory
stays there. Fixing the threshold (``mallopt(M_MMAP_THRESHOLD)``) turns the dynamic rule off: each block of
``THRESHOLD`` bytes or more is mapped on allocation and unmapped on free, and the peak follows the tensors alive
at once. The price is a page fault per fresh large block: what it saves and costs per step is
bench/results/release_memory.json; the teacher recipes' peaks with it, bench/results/peak_rss.json.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import sys

M_MMAP_THRESHOLD = -3
"""glibc's mallopt parameter number (malloc.h)."""
THRESHOLD = 1 << 20
"""Blocks of 1 MB and more are mapped on their own: activations and gradients, not Python's small objects."""


def release_freed_memory() -> bool:
    """Set the threshold for this process; False where the C library has no glibc ``mallopt`` (macOS, musl)."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c")).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return mallopt(M_MMAP_THRESHOLD, THRESHOLD) == 1


def apply(release: bool) -> None:
    """``training.release_memory`` for this run; where it cannot apply, one line on stderr and the run goes on."""
    if release and not release_freed_memory():
        print("training.release_memory: this C library has no glibc mallopt; memory is kept by the allocator as "
              "usual (peak RSS may be higher)", file=sys.stderr)
