"""The one convention of every list flag: ``--flag a,b,c``; the flag again adds more (``--flag a --flag b,c``).

A list flag takes exactly one value, so the free texts and folders of a command stay free after it
(``zero-shot MODEL --labels a,b "a text"``, ``serve --backend onnx runs/a``). Items are split at commas, except
inside [...] or {...} (``--set model.keep_layers=[0,2,4]``); ``\\,`` is a comma inside an item. Positional
lists (texts, folders, models, files) are not flags: they stay values separated by spaces.
"""
from __future__ import annotations

import argparse

HINT = "a list flag takes one value: join its items with commas (e.g. {flag} a,b,c) or repeat the flag"


def split_items(value: str) -> list[str]:
    """'a, b,[1,2],c\\,d' -> ['a', 'b', '[1,2]', 'c,d']; empty items stay, for the command to name them."""
    items, current, depth, i = [], [], 0, 0
    while i < len(value):
        char = value[i]
        if char == "\\" and value[i + 1:i + 2] == ",":
            current.append(",")
            i += 2
            continue
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            if char in "[{":
                depth += 1
            elif char in "]}" and depth:
                depth -= 1
            current.append(char)
        i += 1
    return items + ["".join(current).strip()]


class ListFlag(argparse.Action):
    """argparse action of every list flag: each occurrence adds its items; the default (None) never mixes in."""

    def __init__(self, option_strings, dest, item=str, **kwargs):
        self.item = item
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser, namespace, values, option_string=None):
        try:
            items = [self.item(x) for x in split_items(values)]
        except ValueError:
            parser.error(f"{option_string} {values}: give {self.item.__name__} items separated by commas")
        setattr(namespace, self.dest, list(getattr(namespace, self.dest) or []) + items)
