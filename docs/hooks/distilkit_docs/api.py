"""The Python API reference: one mkdocstrings block per name of ``distilkit.__all__``, grouped by the module
that defines it (``distilkit._EXPORTS``: name -> module), in the package's order."""
from __future__ import annotations


def gen_api_reference() -> str:
    import distilkit

    by_module: dict[str, list[str]] = {}
    for name in distilkit.__all__:
        by_module.setdefault(distilkit._EXPORTS[name], []).append(name)
    out = []
    for module, names in by_module.items():
        path = f"distilkit.{module}" if module else "distilkit"
        out += ["", f"## `{path}`", ""]
        for name in names:
            out += [f"::: {path}.{name}", "    options:", "      heading_level: 3", ""]
    return "\n".join(out)
