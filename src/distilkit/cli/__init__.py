"""The ``distilkit`` command line, generated from the signatures of the command functions.

Each command is a plain function (``cli/training.py``: making models; ``cli/running.py``: running them;
``cli/shipping.py``: checking, exporting and benchmarking them): parameters without defaults become positional
arguments, keyword-only ones without defaults required ``--flags``, the others ``--flags`` (underscores become
dashes), ``bool`` flags are switches, ``list`` parameters are list flags of the one convention (cli/lists.py:
``--flag a,b --flag c``), and the docstring's ``Args:`` lines become the help text. A parameter typed as a
dataclass (``serve``'s ServeSettings) becomes one flag per field, with the field's default and docstring, as
litgpt builds its CLIs. Every number is checked against the bounds of the field it feeds before anything loads
(cli/ranges.py).
Errors the user can fix (``DistilkitError``) print as one line, with no traceback.
"""
from __future__ import annotations

import argparse
import dataclasses
import enum
import inspect
import os
import re
import sys
import typing
from typing import NamedTuple

from ..bounds import field_docs
from ..errors import DistilkitError
from .lists import HINT, ListFlag
from .ranges import bounds_of, check_ranges, field_of
from .running import eval, predict, qa, zero_shot
from .serving import serve
from .shipping import bench, check, export
from .training import check_qa, distill, fetch_model, init, make_clinic_data, make_nli_data, train

FLAG_NAMES = {"overrides": "--set",  # a parameter may not be called `set`, the flag may
              "train_data": "--train", "validation_data": "--validation", "test_data": "--test"}
COMMANDS = {"train": train, "init": init, "distill": distill, "eval": eval, "predict": predict, "zero-shot": zero_shot, "qa": qa,
            "check": check, "check-qa": check_qa, "make-clinic-data": make_clinic_data,
            "make-nli-data": make_nli_data, "export": export, "bench": bench,
            "serve": serve, "fetch-model": fetch_model}
POSITIONAL_LISTS = {"texts", "folders"}  # free positional values: `predict MODEL "a" "b"`, `serve runs/a runs/b`
OPTIONAL_POSITIONALS = {"recipe"}  # `train RECIPE` or `train --train FILE`
OPTIONAL_VALUES = {"resume": "last"}  # `--resume` alone means the last checkpoint; `--resume auto` also works


def _arg_help(doc: str) -> dict[str, str]:
    """The ``Args:`` entries of a docstring, each with its deeper-indented continuation lines."""
    helps, name, indent = {}, None, 0
    for line in (doc or "").splitlines():
        entry = re.match(r"^(\s+)(\w+): (.+)$", line)
        depth = len(line) - len(line.lstrip())
        if entry and (name is None or depth <= indent):
            name, indent = entry.group(2), depth
            helps[name] = entry.group(3)
        elif name and line.strip() and depth > indent:
            helps[name] += " " + line.strip()
        else:
            name = None
    return {name: text.replace("%", "%%") for name, text in helps.items()}  # argparse expands % in help


class Flag(NamedTuple):
    """One parameter of a command as its parser takes it (tests/test_cli_ranges.py walks them all)."""

    option: str | None  # '--top-k'; None for a positional
    default: object
    source: tuple[type, str] | None  # the dataclass field it feeds (its bounds are the flag's)
    numeric: bool
    is_list: bool
    help: str | None


def _base(hint):
    """The type a hint stands for: ``int | None`` -> int, ``list[str] | None`` -> list[str]."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if args and typing.get_origin(hint) is not list else hint


def _add_flag(parser, option: str, dest: str, base, default, help: str | None) -> None:
    """An optional flag: a switch, a list flag (the one convention) or a single value."""
    if base is bool:
        parser.add_argument(option, dest=dest, action="store_true", help=help)
    elif typing.get_origin(base) is list:  # every list flag says the one convention in its help
        parser.add_argument(option, dest=dest, action=ListFlag, item=typing.get_args(base)[0], default=default,
                            metavar=dest.upper(), help=help and f"{help} (items: a,b,c; or the flag again)")
    else:  # a Choice is passed as text: its dataclass names the valid values in a one-line error
        item = str if isinstance(base, type) and issubclass(base, enum.Enum) else base
        parser.add_argument(option, dest=dest, type=item, default=default, metavar=dest.upper(), help=help)


def _limits(bounds) -> list[str]:
    """The valid range as --help shows it: ['>= 1'] (nothing for a field without bounds)."""
    return [] if bounds is None else [bounds.rule()]


def _add_settings(parser, cls, flags: dict) -> None:
    """One flag per field of a settings dataclass, its default, help and bounds read from the field."""
    docs, hints = field_docs(cls), typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        default = f.default.value if isinstance(f.default, enum.Enum) else f.default
        option = "--" + f.name.replace("_", "-")
        base = _base(hints[f.name])
        notes = ([] if default is None else [f"default: {default}"]) + _limits(bounds_of((cls, f.name)))
        shown = f" ({'; '.join(notes)})" if notes else ""
        text = (docs.get(f.name, "") + shown).replace("%", "%%")
        _add_flag(parser, option, f.name, base, default, text)
        flags[f.name] = Flag(option, default, (cls, f.name), base in (int, float), typing.get_origin(base) is list,
                             text)


def _add_command(sub, name: str, fn) -> None:
    doc = inspect.getdoc(fn) or ""
    parser = sub.add_parser(name, help=doc.splitlines()[0], description=doc.split("\n\n")[0])
    helps, hints = _arg_help(doc), typing.get_type_hints(fn)
    flags, groups = {}, {}
    for param in inspect.signature(fn).parameters.values():
        base = _base(hints.get(param.name, str))
        if dataclasses.is_dataclass(base):
            _add_settings(parser, base, flags)
            groups[param.name] = base
            continue
        is_list, required = typing.get_origin(base) is list, param.default is inspect.Parameter.empty
        option = FLAG_NAMES.get(param.name, "--" + param.name.replace("_", "-"))
        source = field_of(param.name, getattr(fn, "feeds", ()))  # the field whose bounds and default it has
        kwargs = {"help": helps.get(param.name)}
        if required and param.kind is param.KEYWORD_ONLY:
            parser.add_argument(option, dest=param.name, required=True, **kwargs)
        elif required:
            parser.add_argument(param.name, **({"nargs": "+"} if is_list else {}), **kwargs)
            option = None
        elif param.name in OPTIONAL_VALUES:
            parser.add_argument(option, dest=param.name, nargs="?", const=OPTIONAL_VALUES[param.name],
                                default=None, choices=["last", "auto"], **kwargs)
        elif param.name in OPTIONAL_POSITIONALS:
            parser.add_argument(param.name, nargs="?", default=param.default, **kwargs)
            option = None
        elif is_list and param.name in POSITIONAL_LISTS:
            parser.add_argument(param.name, nargs="*", default=None, **kwargs)
            option = None
        else:
            shown = "".join(f" ({note})" for note in _limits(bounds_of(source)))
            kwargs["help"] = kwargs["help"] and kwargs["help"] + shown
            _add_flag(parser, option, param.name, base, param.default, kwargs["help"])
        flags[param.name] = Flag(option, None if required else param.default, source, base in (int, float),
                                 is_list and option is not None, kwargs["help"])
    parser.set_defaults(_fn=fn, _flags=flags, _groups=groups)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="distilkit", description="Fine-tune, evaluate, document and run compact "
                                     "transformer encoders.")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, fn in COMMANDS.items():
        _add_command(sub, name, fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser()
    parsed, extra = parser.parse_known_args(argv)
    args = vars(parsed)
    fn, flags, groups = args.pop("_fn"), args.pop("_flags"), args.pop("_groups")
    args.pop("command")
    # Free texts or folders after a flag (`zero-shot MODEL --labels a,b "text"`): argparse gave them to no one.
    free = [name for name in POSITIONAL_LISTS if name in args]
    if extra and free and not any(x.startswith("-") for x in extra):
        args[free[0]] = (args[free[0]] or []) + extra
    elif extra:
        given = [f.option for f in flags.values() if f.is_list and f.option in argv]
        hint = f" ({HINT.format(flag=given[0])})" if given else ""
        parser.error(f"unrecognized arguments: {' '.join(extra)}{hint}")
    try:
        check_ranges(args, {dest: (f.option or dest, f.source) for dest, f in flags.items() if f.numeric})
        for param, cls in groups.items():  # a settings dataclass is built from its flags
            args[param] = cls(**{f.name: args.pop(f.name) for f in dataclasses.fields(cls)})
        code = fn(**args)  # a command may return its exit code (check: 1 when a behaviour test fails)
    except DistilkitError as exc:
        if hasattr(exc, "exit_code"):  # preempted (SIGTERM/SIGUSR1): 128 + signal, as a shell reports it
            if os.environ.get("RANK", "0") == "0":
                print(exc, file=sys.stderr, flush=True)
            return exc.exit_code
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # a full disk, a missing or unreadable path the command did not check itself
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}: fix that (free space, permissions, the path), then run the "
              "same command again; a training run continues from its last checkpoint with --resume", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: training runs continue from their last checkpoint with --resume", file=sys.stderr)
        return 130
    return code if isinstance(code, int) and not isinstance(code, bool) else 0
