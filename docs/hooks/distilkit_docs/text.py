"""Markdown helpers shared by the generators, and the paths they read."""
from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]  # docs/hooks/distilkit_docs/text.py -> the repository
SRC = ROOT / "src" / "distilkit"


def cell(text) -> str:
    """One markdown table cell: one line, pipes escaped outside code spans (inside them a pipe is literal)."""
    parts = re.split(r"(`+[^`]*?`+)", " ".join(str(text).split()))
    return "".join(part if part.startswith("`") else part.replace("|", "\\|") for part in parts)


def table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def code(value) -> str:
    """``value`` as a code span (doubled backticks when it holds one); empty for an empty value."""
    text = str(value)
    tick = "``" if "`" in text else "`"
    return f"{tick}{text}{tick}" if text else ""


def source_tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


def first_paragraph(doc: str | None) -> str:
    return " ".join((doc or "").strip().split("\n\n")[0].split())
