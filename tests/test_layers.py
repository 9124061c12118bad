"""The house rules of ../shared/DESIGN.md, checked on the source: no import circles, no import from a
higher floor, no task importing another task, and no core module importing a face."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "distilkit"

# Bottom to top. evaluation runs models through predictors, so inference sits below it; training
# evaluates the best model and writes its card, so it sits above evaluation and card.
FLOORS = [
    # bounds: how limits are declared on fields; options: the commands' own settings, bounded like config's;
    # choices, config_data and config_transfer: config's string enums, its data section and the entries of
    # distill.transfer (config re-exports them all); hardware: the CPU's features and the precision they decide
    {"errors", "io", "compat", "bounds", "choices", "config", "config_data", "config_transfer", "options", "recipe",
     "models", "packaged", "plots", "hardware"},
    {"data", "suggest"},  # suggest: a recipe chosen from the data
    {"tasks", "losses", "metrics", "ood"},  # ood: out-of-scope detectors (numpy), which tasks and predictors apply
    {"inference"},
    {"evaluation"},
    {"card"},
    {"training", "distill"},
    {"cli", "benchmark", "deploy", "__init__", "serve"},  # deploy: `distilkit export` (model files and card)
]
CORE = {"data", "tasks", "losses", "metrics", "evaluation", "card", "training", "distill"}
FACES = {"distilkit", "distilkit.cli", "distilkit.benchmark", "distilkit.deploy", "distilkit.inference.files",
         "distilkit.serve"}
TASK_MODULES = {"classification": {"classification", "thresholds", "entailment"},
                "question_answering": {"question_answering", "qa_features", "qa_postprocess"}}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in SRC.rglob("*.py")}


def imports(path: Path, known: dict[str, Path]) -> set[str]:
    """Every distilkit module this file imports, at module level or inside functions."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("distilkit")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("distilkit"):
                continue
            for alias in node.names:  # `from pkg import submodule` imports the submodule
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in known else target)
    return {m for m in found if m in known}


def floor(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    for level, names in enumerate(FLOORS):
        if top in names:
            return level
    raise AssertionError(f"{module} is on no floor: add its package to FLOORS in tests/test_layers.py")


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, known) - {name} for name, path in known.items()}


def test_every_module_has_a_floor_and_imports_only_its_floor_or_below():
    wrong = [f"{m} (floor {floor(m)}) imports {t} (floor {floor(t)})"
             for m, targets in graph().items() for t in targets if floor(t) > floor(m)]
    assert not wrong, "\n".join(wrong)


def test_no_import_circles():
    edges, state, cycles = graph(), {}, []

    def visit(node, stack):
        state[node] = "open"
        for nxt in sorted(edges[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack + [nxt])
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "\n".join(cycles)


def test_core_imports_no_face():
    wrong = [f"{m} imports {t}" for m, targets in graph().items()
             if m.split(".")[1:2] and m.split(".")[1] in CORE for t in targets if t in FACES]
    assert not wrong, "\n".join(wrong)


def test_no_task_imports_another_task():
    edges = graph()
    wrong = []
    for task, own in TASK_MODULES.items():
        others = {f"distilkit.tasks.{m}" for t, ms in TASK_MODULES.items() if t != task for m in ms}
        for m in own:
            wrong += [f"tasks.{m} imports {t}" for t in edges[f"distilkit.tasks.{m}"] & others]
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_circle_and_an_upward_import(tmp_path, monkeypatch):
    """The rules above must be able to fail: a planted circle and a planted upward import are found."""
    fake = tmp_path / "distilkit"
    (fake / "data").mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "data" / "__init__.py").write_text("")
    (fake / "errors.py").write_text("from .data import x\n")
    (fake / "data" / "x.py").write_text("from ..errors import E\nfrom ..cli import main\n")
    (fake / "cli.py").write_text("")
    import sys

    import pytest

    monkeypatch.setattr(sys.modules[__name__], "SRC", fake)
    for rule in (test_no_import_circles, test_every_module_has_a_floor_and_imports_only_its_floor_or_below,
                 test_core_imports_no_face):
        with pytest.raises(AssertionError):
            rule()
