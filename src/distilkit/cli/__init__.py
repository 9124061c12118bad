"""The ``distilkit`` command line, generated from the signatures of the command functions.

Each command is a plain function (``cli/training.py``: making models; ``cli/running.py``: running them):
parameters without defaults become positional arguments, keyword-only ones without defaults required
``--flags``, the others ``--flags`` (underscores become dashes), ``bool`` flags are switches, ``list``
parameters take several values, and the docstring's ``Args:`` lines become the help text.
Errors the user can fix (``DistilkitError``) print as one line, with no traceback.
"""
from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import typing

from ..errors import DistilkitError
from .ranges import check_ranges
from .running import bench, check, eval, export, predict, qa, zero_shot
from .serving import serve
from .training import check_qa, distill, fetch_model, init, make_clinic_data, train

FLAG_NAMES = {"overrides": "--set",  # a parameter may not be called `set`, the flag may
              "train_data": "--train", "validation_data": "--validation", "test_data": "--test"}
COMMANDS = {"train": train, "init": init, "distill": distill, "eval": eval, "predict": predict, "zero-shot": zero_shot, "qa": qa,
            "check": check, "check-qa": check_qa, "make-clinic-data": make_clinic_data, "export": export, "bench": bench,
            "serve": serve, "fetch-model": fetch_model}
POSITIONAL_LISTS = {"texts", "folders"}  # free positional values: `predict MODEL "a" "b"`, `serve runs/a runs/b`
OPTIONAL_POSITIONALS = {"recipe"}  # `train RECIPE` or `train --train FILE`
OPTIONAL_VALUES = {"resume": "last"}  # `--resume` alone means the last checkpoint; `--resume auto` also works


def _arg_help(doc: str) -> dict[str, str]:
    found = re.findall(r"^\s+(\w+): (.+)$", doc or "", flags=re.MULTILINE)
    return {name: text.replace("%", "%%") for name, text in found}  # argparse expands % in help


def _add_command(sub, name: str, fn) -> None:
    doc = inspect.getdoc(fn) or ""
    parser = sub.add_parser(name, help=doc.splitlines()[0], description=doc.split("\n\n")[0])
    helps, hints = _arg_help(doc), typing.get_type_hints(fn)
    for param in inspect.signature(fn).parameters.values():
        hint = hints.get(param.name, str)
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        base = args[0] if args and typing.get_origin(hint) is not list else hint
        is_list = typing.get_origin(base) is list
        kwargs = {"help": helps.get(param.name)}
        if param.default is inspect.Parameter.empty and param.kind is param.KEYWORD_ONLY:
            parser.add_argument(FLAG_NAMES.get(param.name, "--" + param.name.replace("_", "-")), dest=param.name,
                                required=True, **kwargs)
        elif param.default is inspect.Parameter.empty:
            parser.add_argument(param.name, **({"nargs": "+"} if is_list else {}), **kwargs)
        elif base is bool:
            parser.add_argument(FLAG_NAMES.get(param.name, "--" + param.name.replace("_", "-")),
                                dest=param.name, action="store_true", **kwargs)
        elif param.name in OPTIONAL_VALUES:
            parser.add_argument("--" + param.name, dest=param.name, nargs="?", const=OPTIONAL_VALUES[param.name],
                                default=None, choices=["last", "auto"], **kwargs)
        elif param.name in OPTIONAL_POSITIONALS:
            parser.add_argument(param.name, nargs="?", default=param.default, **kwargs)
        elif is_list and param.name in POSITIONAL_LISTS:
            parser.add_argument(param.name, nargs="*", default=None, **kwargs)
        else:
            item = typing.get_args(base)[0] if is_list else base
            extra = {"nargs": "+", "action": "extend"} if is_list else {}
            parser.add_argument(FLAG_NAMES.get(param.name, "--" + param.name.replace("_", "-")), dest=param.name,
                                type=item, default=param.default, metavar=param.name.upper(), **extra, **kwargs)
    parser.set_defaults(_fn=fn, _numeric=numeric_params(fn))


def numeric_params(fn) -> set[str]:
    """The int and float parameters of a command (each is range-checked, see ranges.py)."""
    hints = typing.get_type_hints(fn)
    out = set()
    for name in inspect.signature(fn).parameters:
        args = [a for a in typing.get_args(hints.get(name)) if a is not type(None)] or [hints.get(name)]
        if args[0] in (int, float):
            out.add(name)
    return out


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="distilkit", description="Fine-tune, evaluate, document and run compact "
                                     "transformer encoders.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn in COMMANDS.items():
        _add_command(sub, name, fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    parsed, extra = parser.parse_known_args(argv)
    args = vars(parsed)
    # Free texts after a flag (`zero-shot MODEL --labels a,b "text"`): argparse gave them to no one.
    if extra and "texts" in args and not any(x.startswith("-") for x in extra):
        args["texts"] = (args["texts"] or []) + extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    fn = args.pop("_fn")
    numeric = args.pop("_numeric")
    args.pop("command")
    try:
        check_ranges(args, numeric)  # before anything loads
        code = fn(**args)  # a command may return its exit code (check: 1 when a behaviour test fails)
    except DistilkitError as exc:
        if hasattr(exc, "exit_code"):  # preempted (SIGTERM/SIGUSR1): 128 + signal, as a shell reports it
            if os.environ.get("RANK", "0") == "0":
                print(exc, file=sys.stderr, flush=True)
            return exc.exit_code
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: training runs continue from their last checkpoint with --resume", file=sys.stderr)
        return 130
    return code if isinstance(code, int) and not isinstance(code, bool) else 0
