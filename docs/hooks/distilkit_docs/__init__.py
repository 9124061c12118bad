"""The generated parts of the docs, one module per family of pages; docs/hooks/main.py puts them in.

A page asks for a part with a marker line of its own, ``<!-- generated: NAME -->``; ``GENERATORS`` maps each
name to the function that writes it. Nothing generated is committed, and nothing is guessed: a generator
that cannot read what it documents raises, and the build fails (``mkdocs build --strict``).

- ``fields``: a dataclass as a table of its fields (attribute docstrings, types, defaults, choices, declared
  bounds), used for the recipe fields (``RunConfig`` and its sections);
- ``serve``: the server's settings (``ServeSettings``) and the request body of each route (serve/routes.py);
- ``cli``: every command and flag, from ``distilkit.cli.build_parser()``, and the list-flag convention;
- ``registries``: losses, perturbations, bench scripts and recipes, from their source files;
- ``api``: the public names (``distilkit.__all__``), rendered by mkdocstrings;
- ``text``: Markdown helpers (tables, code spans) and the repository's paths.

The registries are read from the source without importing torch, so a build takes seconds.
"""
from __future__ import annotations

import re

from . import api, cli, fields, registries, serve

MARKER = re.compile(r"^<!-- generated: ([\w-]+) -->[ \t]*$", re.MULTILINE)

GENERATORS = {
    "recipe-fields": fields.gen_recipe_fields,
    "recipe-list": registries.gen_recipe_list,
    "serve-settings": serve.gen_serve_settings,
    "serve-requests": serve.gen_serve_requests,
    "losses": registries.gen_losses,
    "perturbations": registries.gen_perturbations,
    "bench-scripts": registries.gen_bench_scripts,
    "cli-reference": cli.gen_cli_reference,
    "list-flags": cli.gen_list_flags,
    "api-reference": api.gen_api_reference,
}


def expand(markdown: str, where: str = "") -> str:
    """Each marker line replaced by what its generator writes (an unknown marker is an error)."""
    def replace(match: re.Match) -> str:
        name = match.group(1)
        if name not in GENERATORS:
            raise ValueError(f"{where}: unknown generated part '{name}' (known: {', '.join(GENERATORS)})")
        return GENERATORS[name]()
    return MARKER.sub(replace, markdown)
