"""The CLI reference, from the parser the command line itself uses (``distilkit.cli.build_parser()``), and the
list-flag convention in the words of the module that implements it (``distilkit.cli.lists``)."""
from __future__ import annotations

import argparse
import enum

from .text import code, first_paragraph, table


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _value(action: argparse.Action) -> str:
    from distilkit.cli.lists import ListFlag

    if action.nargs == 0:
        return "switch"
    if isinstance(action, ListFlag):
        return f"`{action.metavar or action.dest.upper()}` list: `a,b,c`, or the flag repeated"
    if action.choices:
        shown = " or ".join(f"`{c}`" for c in action.choices)
        return shown + (" (optional value)" if action.nargs == "?" else "")
    name = action.metavar or (action.dest if not action.option_strings else action.dest.upper())
    many = {"+": " (one or more)", "*": " (any number)", "?": " (optional)"}.get(action.nargs, "")
    return f"`{name}`{many}"


def _default(action: argparse.Action) -> str:
    if action.required:
        return "required"
    if action.default in (None, False, argparse.SUPPRESS) or action.default == []:
        return ""
    value = action.default.value if isinstance(action.default, enum.Enum) else action.default
    return code(",".join(map(str, value)) if isinstance(value, (list, tuple)) else value)


def command_rows(parser: argparse.ArgumentParser) -> list[list[str]]:
    rows = []
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        name = ", ".join(f"`{o}`" for o in action.option_strings) or f"`{action.dest}`"
        help_text = (action.help or "").replace("%%", "%")
        rows.append([name, _value(action), _default(action), help_text])
    return rows


def gen_cli_reference() -> str:
    from distilkit.cli import COMMANDS, build_parser

    subs = _subcommands(build_parser())
    missing = sorted(set(COMMANDS) - set(subs))
    if missing:
        raise ValueError(f"commands of distilkit.cli.COMMANDS missing from the parser: {missing}")
    out = [table(["Command", "What it does"],
                 [[f"[`distilkit {name}`](#{name})", first_paragraph(sub.description)] for name, sub in subs.items()])]
    for name, sub in subs.items():
        usage = sub.format_usage().strip().removeprefix("usage: ")
        out += ["", f"## `distilkit {name}` {{#{name}}}", "", (sub.description or "").strip(), "",
                "```text", usage, "```", "", table(["Argument", "Value", "Default", "Description"], command_rows(sub))]
    return "\n".join(out)


def gen_list_flags() -> str:
    from distilkit.cli import lists

    return "\n\n".join(" ".join(part.split()) for part in lists.__doc__.strip().split("\n\n"))
