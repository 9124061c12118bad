"""Shared bench helpers: environment facts, result files, and the markdown table."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def cli(*args: str) -> float:
    """Run `distilkit ARGS` in a child process from the repository root (what a user runs); its seconds."""
    cmd = [sys.executable, "-m", "distilkit.cli", *args]
    print("$", " ".join(cmd), flush=True)
    started = time.time()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return round(time.time() - started, 1)


def sets(*overrides: str) -> list[str]:
    """`--set` once per KEY=VALUE: a list flag of distilkit takes one value (items may be joined by commas)."""
    return [arg for item in overrides for arg in ("--set", item)]


def commit() -> str:
    try:
        sha = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True).strip()
        dirty = subprocess.check_output(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, text=True).strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def hardware() -> str:
    from distilkit.benchmark import hardware as describe

    return describe()


def command() -> str:
    return "python " + " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:])


def write_result(name: str, result: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"name": name, "command": command(), "commit": commit(), "hardware": hardware(), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {path}")
    return path
