"""The serving page: the server's settings (``ServeSettings``, one flag each) and the request body of each route.

The request bodies are the pydantic models of serve/routes/, serve/tei.py and serve/openai_api.py, read from its source (field, type, default,
docstring, ``Field`` bounds), with the path, task and example of the ``Route`` class that takes each.
"""
from __future__ import annotations

import ast
import json
import re

from .fields import HEADER, field_rows
from .text import SRC, code, source_tree, table


def gen_serve_settings() -> str:
    from distilkit.serve.settings import ServeSettings

    rows = [[f"{r[0]} (`--{r[0].strip('`').replace('_', '-')}`)"] + r[1:] for r in field_rows(ServeSettings, "")]
    return table(["Setting (`--flag`)"] + HEADER[1:], rows)


def _type_text(node: ast.expr) -> str:
    """A pydantic annotation as a reader would write it: Union[StrictStr, list[StrictStr]] -> str | list[str]."""
    if isinstance(node, ast.Subscript) and getattr(node.value, "id", "") == "Union":
        parts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        return " | ".join(_type_text(p) for p in parts)
    return re.sub(r"\bStrict(Str|Bool|Int|Float)\b", lambda m: m.group(1).lower(), ast.unparse(node))


def _value_text(node: ast.expr) -> str:
    """A default as its value: a module constant (DEFAULT_TEMPLATE) is looked up in the package's source."""
    if isinstance(node, ast.Name):
        for path in sorted(SRC.rglob("*.py")):
            for stmt in source_tree(path).body:
                if (isinstance(stmt, ast.Assign) and any(getattr(t, "id", "") == node.id for t in stmt.targets)
                        and isinstance(stmt.value, ast.Constant)):
                    return repr(stmt.value.value)
    return ast.unparse(node)


def _body_rows(node: ast.ClassDef) -> list[list[str]]:
    """One row per field of a request body: name, type, default (or required), docstring with its bounds."""
    signs = {"ge": ">=", "gt": ">", "le": "<=", "lt": "<"}
    rows = []
    for stmt, after in zip(node.body, node.body[1:] + [None]):
        if not (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)):
            continue
        doc = after.value.value if isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant) else ""
        value, limits = stmt.value, []
        if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Field":  # pydantic bounds
            limits = [f"{signs[k.arg]} {ast.unparse(k.value)}" for k in value.keywords if k.arg in signs]
            value = value.args[0] if value.args else None
        doc += f" **Bounds:** {', '.join(limits)}." if limits else ""
        rows.append([f"`{stmt.target.id}`", code(_type_text(stmt.annotation)),
                     "required" if value is None else code(_value_text(value)), doc])
    return rows


def _posts(node: ast.FunctionDef, bodies: dict) -> tuple[str, str] | None:
    """(path, body class) of a handler decorated ``@app.post("/path")`` whose body argument is a request body."""
    for deco in node.decorator_list:
        if (isinstance(deco, ast.Call) and getattr(deco.func, "attr", "") == "post" and deco.args
                and isinstance(deco.args[0], ast.Constant)):
            body = next((a.annotation.id for a in node.args.args
                         if isinstance(a.annotation, ast.Name) and a.annotation.id in bodies), None)
            if body:
                return deco.args[0].value, body
    return None


def gen_serve_requests() -> str:
    """Per route its request body: the ``Route`` subclasses of serve/routes/ (``/v1/models/{name}/<path>``), then
    the other protocols' handlers (serve/tei.py, serve/openai_api.py) whose body argument is a ``Body``."""
    files = sorted((SRC / "serve" / "routes").glob("*.py")) + [SRC / "serve" / "tei.py",
                                                              SRC / "serve" / "openai_api.py"]
    bodies, routes, faces = {}, [], []
    for path in files:
        for node in source_tree(path).body:
            if isinstance(node, ast.ClassDef):
                bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
                assigns = {t.id: stmt.value for stmt in node.body if isinstance(stmt, ast.Assign)
                           for t in stmt.targets if isinstance(t, ast.Name)}
                if "Body" in bases:
                    bodies[node.name] = _body_rows(node)
                elif "Route" in bases and "path" in assigns:
                    routes.append((ast.literal_eval(assigns["path"]), ast.literal_eval(assigns["task"]),
                                   assigns["request"].id, ast.unparse(assigns.get("example", ast.Constant(None)))))
    for path in files[-2:]:
        for node in ast.walk(source_tree(path)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and (found := _posts(node, bodies)):
                faces.append((found, ast.get_docstring(node) or ""))
    out = []
    for path, task, body, example in routes:
        out += [f"### `POST /v1/models/{{name}}/{path}`", "", f"For `{task}` models. Request body (`{body}`):", "",
                table(["Field", "Type", "Default", "Meaning"], bodies[body]), "", "Example:", "", "```json",
                json.dumps(ast.literal_eval(example), ensure_ascii=False), "```", ""]
    nested = [name for name in bodies if name.endswith(("Parameters", "Input"))]
    for name in nested:
        out += [f"### `{name}`", "", "Nested in the body above that names it.", "",
                table(["Field", "Type", "Default", "Meaning"], bodies[name]), ""]
    for (path, body), doc in faces:
        out += [f"### `POST {path}`", "", f"{doc} Request body (`{body}`):".strip(), "",
                table(["Field", "Type", "Default", "Meaning"], bodies[body]), ""]
    return "\n".join(out)
