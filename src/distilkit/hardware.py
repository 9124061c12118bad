"""What this machine runs fast: its CPU's features (read once), a short measured bf16 calibration, and the rule
that turns them into a precision (``training.precision: auto``, ``--backend auto``). The one place for CPU facts:
``benchmark.hardware()`` reads them here too.

bf16 matmuls are native only on CPUs with AVX512-BF16 or AMX (Arm: its bf16 extension); elsewhere PyTorch emulates
them and bf16 is about 20x slower than fp32, while with them it is about 2.5x faster. The flags alone are not
enough: a virtual machine can show them while the work does not speed up (autocast's casts can eat the gain on a
small model), so where they say native, a short measurement of one MiniLM-sized encoder layer decides: a training
step under bf16 autocast, or a forward pass with bf16 weights, against fp32, at the thread count in use. It takes
well under a second and is made once per process.

``decide`` is the rule, pure: give it the CPU and a speedup (or a function that measures one) and it says what
runs and why, in one line. ``choose`` gathers the facts and asks it.
"""
from __future__ import annotations

import functools
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .choices import Precision
from .errors import DistilkitError

# The CPU flags that change which precision and backend is fastest, as /proc/cpuinfo names them.
SPEED_FLAGS = ("avx2", "avx512f", "avx512_bf16", "avx512_vnni", "avx_vnni", "amx_bf16", "amx_int8")
NATIVE_BF16 = {"avx512_bf16": "AVX512-BF16", "amx_bf16": "AMX", "bf16": "Arm BF16"}
"""Flags that give native bf16 matmuls, with the names a reason shows."""
INT8_FLAGS = {"avx512_vnni": "AVX512-VNNI", "avx_vnni": "AVX-VNNI", "amx_int8": "AMX-INT8"}
"""Flags that speed up int8 matmuls (ONNX Runtime's onnx-int8)."""
MIN_SPEEDUP = 1.1
"""bf16 is chosen only when the measurement finds it at least this many times faster than fp32."""
BF16_MAX_DROP = 0.3
"""Points of the validation metric bf16 inference may lose against fp32 before a folder is kept on fp32."""
WORK = {"train": "a bf16-autocast training step", "infer": "a forward pass with bf16 weights"}
"""What the measurement times, per kind of work, as a reason names it."""


@dataclass(frozen=True)
class Cpu:
    """The CPU as the process sees it."""

    model: str
    """Its model name ('Intel(R) Xeon(R) Platinum 8480+'), or what the platform says."""
    flags: frozenset[str]
    """Its feature flags, as /proc/cpuinfo names them (lower case)."""

    def native_bf16(self) -> list[str]:
        """Names of the features that make bf16 matmuls native here (empty: emulated, slow)."""
        return [name for flag, name in NATIVE_BF16.items() if flag in self.flags]

    def int8(self) -> list[str]:
        return [name for flag, name in INT8_FLAGS.items() if flag in self.flags]

    def vector(self) -> str:
        """The widest vector unit, for a reason: 'AVX-512', 'AVX2' or 'no AVX2'."""
        return "AVX-512" if "avx512f" in self.flags else "AVX2" if "avx2" in self.flags else "no AVX2"

    def speed_flags(self) -> str:
        """The speed-relevant flags present, for a hardware line."""
        return " ".join(f for f in SPEED_FLAGS if f in self.flags) or "none of " + "/".join(SPEED_FLAGS)


def read_cpu(cpuinfo: Path = Path("/proc/cpuinfo")) -> Cpu:
    """The CPU's model and flags from Linux's /proc/cpuinfo (x86 'flags', Arm 'Features'); elsewhere from what
    PyTorch detects (torch.cpu: AVX2, AVX-512, AVX512-BF16, AMX, VNNI)."""
    model, flags = platform.processor() or platform.machine() or "cpu", set()
    try:
        named = False
        for line in cpuinfo.read_text().splitlines():
            key, _, value = line.partition(":")
            key = key.strip().lower()
            if key == "model name" and not named:
                model, named = value.strip(), True
            elif key in ("flags", "features") and not flags:
                flags = set(value.lower().split())
    except OSError:
        pass
    return Cpu(model, frozenset(flags or _torch_flags()))


def _torch_flags() -> set[str]:
    """The flags PyTorch detects itself (its private torch.cpu checks, where this version has them)."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return set()
    checks = {"avx2": "_is_avx2_supported", "avx512f": "_is_avx512_supported",
              "avx512_bf16": "_is_avx512_bf16_supported", "amx_tile": "_is_amx_tile_supported",
              "avx512_vnni": "_is_vnni_supported"}
    found = set()
    for flag, check in checks.items():
        try:
            if getattr(torch.cpu, check)():
                found.add(flag)
        except Exception:  # noqa: BLE001 - absent in this version, or unsupported here
            pass
    return found


@functools.cache
def cpu() -> Cpu:
    """This machine's CPU, read once per process (tests replace this function to fake one)."""
    return read_cpu()


def measure_speedup(work: str = "train", rows: int = 8, tokens: int = 32, width: int = 384, repeats: int = 3) -> float:
    """fp32 time / bf16 time of ``work`` ('train': a training step, forward and backward, under bf16 autocast;
    'infer': a forward pass with the weights in bf16) on one encoder layer of ``width`` (MiniLM's: 384, FFN 4x)
    over rows x tokens, best of ``repeats`` after a warm-up, at torch's thread count. bf16 already twice as slow
    after one timed run is not timed further (emulated bf16 is slow: the measurement stays short)."""
    import time

    import torch

    if work not in WORK:
        raise ValueError(f"work must be one of {', '.join(WORK)}, not {work!r}")
    with torch.random.fork_rng(devices=[]):  # the caller's random state stays as it was
        torch.manual_seed(0)
        layer, x = _layer(width), torch.randn(rows, tokens, width)

    def run(dtype) -> Callable[[], None]:
        if work == "train":
            def step():
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=dtype is torch.bfloat16):
                    loss = layer(x).float().square().mean()
                loss.backward()
            return step
        model, inputs = _cast(layer, dtype), x.to(dtype)

        def forward():
            with torch.inference_mode():
                model(inputs)
        return forward

    def best(fn, stop_above: float | None = None) -> float:
        fn()  # warm-up: kernels chosen, memory allocated
        times = []
        for _ in range(repeats):
            started = time.perf_counter()
            fn()
            times.append(time.perf_counter() - started)
            if stop_above is not None and times[-1] > stop_above:
                break
        return min(times)

    fp32 = best(run(torch.float32))
    return fp32 / best(run(torch.bfloat16), stop_above=2 * fp32)


def _cast(layer, dtype):
    import copy

    return copy.deepcopy(layer).to(dtype).eval()


def _layer(width: int):
    """One post-norm encoder layer as BERT has it: attention (SDPA), then a 4x GELU feed-forward."""
    import torch
    from torch import nn

    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = max(1, width // 32)
            self.qkv, self.out = nn.Linear(width, 3 * width), nn.Linear(width, width)
            self.up, self.down = nn.Linear(width, 4 * width), nn.Linear(4 * width, width)
            self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)

        def forward(self, x):
            b, t, w = x.shape
            q, k, v = self.qkv(x).view(b, t, 3, self.heads, w // self.heads).permute(2, 0, 3, 1, 4)
            attended = torch.nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, t, w)
            x = self.norm1(x + self.out(attended))
            return self.norm2(x + self.down(torch.nn.functional.gelu(self.up(x))))

    return Layer()


@functools.cache
def _measured(work: str, threads: int) -> float:
    return measure_speedup(work)


def bf16_speedup(work: str = "train") -> float:
    """How many times faster ``work`` runs in bf16 than in fp32 here, measured once per process and thread count."""
    import torch

    return _measured(work, torch.get_num_threads())


@dataclass(frozen=True)
class PrecisionChoice:
    """What runs, and why, in one line for the card."""

    asked: Precision
    """What the recipe or command asked for (auto, fp32, bf16)."""
    precision: Precision
    """What runs: fp32 or bf16."""
    why: str
    """One line: 'bf16: AMX present, a bf16-autocast training step 1.6x fp32 here (2 threads)'."""
    slow: str | None = None
    """For bf16 asked where it will be slow: the one line saying so (printed once, refused under --strict)."""
    speedup: float | None = None
    """The measured bf16 speedup, where one was measured."""

    def to_dict(self) -> dict:
        return {"asked": self.asked.value, "ran": self.precision.value, "why": self.why,
                **({"speedup": round(self.speedup, 2)} if self.speedup is not None else {})}


def decide(asked: Precision | str, cpu: Cpu, speedup: float | Callable[[], float] | None, work: str = "train",
           threads: int | None = None, gpu_bf16: bool | None = None) -> PrecisionChoice:
    """The rule. ``speedup``: bf16's measured speedup here, or a function that measures it (called only where the
    CPU has native bf16), or None not to measure (flags alone decide: several training processes must agree).
    ``gpu_bf16``: on a CUDA device, whether it supports bf16 (the CPU then does not matter); None on a CPU.

    - fp32 asked: fp32.
    - auto: bf16 when the device supports it natively and, on a CPU, the measurement finds ``work`` at least
      MIN_SPEEDUP times faster in bf16; else fp32.
    - bf16 asked: bf16; where it has no native support or measures slower than fp32, ``slow`` says so in one line.
    """
    asked = Precision.parse(asked, "training.precision")
    bf16, fp32 = Precision.BF16, Precision.FP32
    if asked is fp32:
        return PrecisionChoice(asked, fp32, "fp32: asked for")
    if gpu_bf16 is not None:
        if asked is bf16:
            return PrecisionChoice(asked, bf16, "bf16: asked for (GPU)")
        return (PrecisionChoice(asked, bf16, "bf16: the GPU supports bf16") if gpu_bf16
                else PrecisionChoice(asked, fp32, "fp32: the GPU does not support bf16"))
    native = cpu.native_bf16()
    if not native:
        lacking = f"this CPU has no native bf16 (no AVX512-BF16 or AMX; {cpu.vector()})"
        if asked is bf16:
            slow = (f"precision bf16: {lacking}, so PyTorch emulates bf16 matmuls, about 20x slower than fp32: "
                    "use precision fp32 or auto")
            return PrecisionChoice(asked, bf16, f"bf16: asked for, though {lacking} (emulated: slow)", slow)
        return PrecisionChoice(asked, fp32, f"fp32: {lacking}; emulated bf16 is about 20x slower")
    present = " and ".join(native) + " present"
    if speedup is None:
        if asked is bf16:
            return PrecisionChoice(asked, bf16, f"bf16: asked for ({present})")
        return PrecisionChoice(asked, bf16, f"bf16: {present} (not measured: several processes decide alike)")
    measured = speedup() if callable(speedup) else float(speedup)
    at = f"{WORK.get(work, work)} {measured:.2f}x fp32 here" + (f" ({threads} threads)" if threads else "")
    if asked is bf16:
        if measured < 1.0:
            slow = (f"precision bf16: {present}, but {at}: bf16 will be slower than fp32; use precision fp32 "
                    "or auto")
            return PrecisionChoice(asked, bf16, f"bf16: asked for, though {at}", slow, measured)
        return PrecisionChoice(asked, bf16, f"bf16: asked for ({present}, {at})", None, measured)
    if measured >= MIN_SPEEDUP:
        return PrecisionChoice(asked, bf16, f"bf16: {present}, {at}", None, measured)
    return PrecisionChoice(asked, fp32, f"fp32: {present}, but {at} (bf16 needs {MIN_SPEEDUP}x)", None, measured)


def choose(asked: Precision | str, work: str = "train", measure: bool = True,
           gpu_bf16: bool | None = None) -> PrecisionChoice:
    """``decide`` for this machine: its CPU, and bf16's speedup measured here (once per process) where it
    matters; ``measure=False``: the flags alone."""
    import torch

    return decide(asked, cpu(), (lambda: bf16_speedup(work)) if measure else None, work, torch.get_num_threads(),
                  gpu_bf16)


_said: set[str] = set()


def say_once(line: str) -> None:
    """Print ``line`` on stderr once per process (a search's many runs warn once)."""
    import sys

    if line not in _said:
        _said.add(line)
        print(f"warning: {line}", file=sys.stderr, flush=True)


def refuse_or_warn(choice: PrecisionChoice, strict: bool) -> None:
    """bf16 asked where it will be slow: a one-line refusal under ``strict``, else the line once on stderr."""
    if choice.slow is None:
        return
    if strict:
        raise DistilkitError(f"{choice.slow} (refused: --strict)")
    say_once(choice.slow)
