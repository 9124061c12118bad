"""The registries, read from their source files without importing them (no torch): the losses
(``@register_loss``), the behaviour-test perturbations (``@perturbation``), the bench scripts and the recipes."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from .text import ROOT, SRC, first_paragraph, source_tree, table


def _decorated(path: Path, decorator: str):
    """(function node, decorator call node or None) for each function of ``path`` decorated with ``decorator``."""
    for node in source_tree(path).body:
        if isinstance(node, ast.FunctionDef):
            for dec in node.decorator_list:
                name = dec.func.id if isinstance(dec, ast.Call) and isinstance(dec.func, ast.Name) else \
                    dec.id if isinstance(dec, ast.Name) else None
                if name == decorator:
                    yield node, dec if isinstance(dec, ast.Call) else None


def gen_losses() -> str:
    rows = []
    for path in sorted((SRC / "losses").glob("*.py")):
        for _, call in _decorated(path, "register_loss"):
            name = call.args[0].value
            weights = any(k.arg == "weights_classes" and getattr(k.value, "value", False) for k in call.keywords)
            rows.append([f"`{name}`", f"`distilkit/losses/{path.name}`", "yes" if weights else "no",
                         first_paragraph(ast.get_docstring(source_tree(path)))])
    return table(["`loss.name`", "Module", "Needs classes", "What it is (module docstring)"], rows)


def gen_perturbations() -> str:
    rows = []
    for fn, _ in _decorated(SRC / "evaluation" / "behaviour" / "perturb.py", "perturbation"):
        args = fn.args.args[2:]  # after (text, rng)
        defaults = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
        params = ", ".join(f"`{a.arg}`" + (f" (default `{ast.unparse(d)}`)" if d is not None else "")
                           for a, d in zip(args, defaults))
        rows.append([f"`{fn.name}`", params or "none", first_paragraph(ast.get_docstring(fn))])
    return table(["Perturbation (`name`)", "Arguments", "What it does"], rows)


def gen_bench_scripts() -> str:
    rows = [[f"`bench/{path.name}`", first_paragraph(ast.get_docstring(source_tree(path)))]
            for path in sorted((ROOT / "bench").glob("*.py"))]
    return table(["Script", "What it measures (its docstring)"], rows)


def gen_recipe_list() -> str:
    """Each recipe with the first sentence of its opening comment."""
    rows = []
    for path in sorted((ROOT / "recipes").glob("*.yaml")):
        comments = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#") or not line.lstrip("#").strip():
                break  # the first paragraph of the opening comment
            comments.append(line.lstrip("#").strip())
        first = re.split(r"(?<=\.)\s(?=[A-Z])", " ".join(comments), maxsplit=1)[0]
        rows.append([f"`recipes/{path.name}`", first])
    return table(["Recipe", "What it trains (from its opening comment)"], rows)
