"""Every number of every command is range-checked before anything loads: this walks all of them."""
from __future__ import annotations

import inspect
import subprocess
import sys
import time

import pytest

from distilkit.cli import COMMANDS, FLAG_NAMES, main, numeric_params
from distilkit.cli.ranges import RANGES


def base_argv(command: str) -> list[str]:
    """The command with placeholder values for what it requires (nothing is ever loaded: the range check
    fires first, and the placeholders do not exist, so a missed check would fail with another message)."""
    fn = COMMANDS[command]
    argv = [command]
    for p in inspect.signature(fn).parameters.values():
        if p.default is not inspect.Parameter.empty:  # OPTIONAL_POSITIONALS have defaults too
            continue
        if p.kind is p.KEYWORD_ONLY:
            argv += [FLAG_NAMES.get(p.name, "--" + p.name.replace("_", "-")), "no-such-thing"]
        else:
            argv.append("no-such-thing")
    return argv


CASES = [(command, name) for command, fn in COMMANDS.items() for name in sorted(numeric_params(fn))]


def test_every_numeric_parameter_has_a_declared_range():
    missing = sorted({name for _, name in CASES} - set(RANGES))
    assert not missing, f"add these to src/distilkit/cli/ranges.py: {missing}"
    assert len(CASES) >= 40  # the walk below really covers the commands


def bad_values(name: str) -> list[str]:
    low, high, _ = RANGES[name]
    values = ["0" if low > 0 else "-1"]
    if low > 1:
        values.append(str(int(low) - 1))
    if high is not None:
        values.append(str(int(high) + 1))
    return values


@pytest.mark.parametrize("command,name", CASES, ids=[f"{c}--{n}" for c, n in CASES])
def test_out_of_range_numbers_give_one_line_and_exit_2(command, name, capsys):
    flag = FLAG_NAMES.get(name, "--" + name.replace("_", "-"))
    for value in bad_values(name):
        started = time.perf_counter()
        code = main(base_argv(command) + [flag, value])
        err = capsys.readouterr().err.strip()
        assert code == 2, (command, flag, value, err)
        assert err.count("\n") == 0 and err.startswith(f"error: {flag} {value}: must be"), err
        assert time.perf_counter() - started < 0.5  # nothing was loaded


def test_top_k_and_batch_size_zero_from_a_shell():
    """The two reported cases, as a user types them: one line, exit 2, no traceback."""
    for argv in (["predict", "runs/x", "hello", "--batch-size", "0"], ["predict", "runs/x", "hello", "--top-k", "0"]):
        done = subprocess.run([sys.executable, "-m", "distilkit.cli", *argv], capture_output=True, text=True)
        assert done.returncode == 2 and "Traceback" not in done.stderr
        assert done.stderr.strip().startswith(f"error: {argv[3]} 0: must be >= 1"), done.stderr
