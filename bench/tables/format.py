"""Helpers every table uses: number formatting, target verdicts, provenance lines."""
from __future__ import annotations

import json


def fmt(v):
    return f"{v:.4f}" if isinstance(v, float) and v < 10 else (f"{v:,.1f}" if isinstance(v, float) else str(v))


def targets_line(r: dict) -> str:
    m = r["metrics"]
    parts = []
    for key, (op, value) in r.get("targets", {}).items():
        if key not in m:
            continue
        ok = m[key] >= value if op == ">=" else m[key] <= value
        parts.append(f"{key} {op} {value}: **{'met' if ok else 'missed'}** ({fmt(m[key])})")
    return "Targets: " + "; ".join(parts) + "." if parts else ""


def provenance(r: dict) -> list[str]:
    again = [f"- summary recomputed from these cells by: `{r['summarised_by']}`"] if r.get("summarised_by") else []
    return [f"- command: `{r['command']}`", *again, f"- commit: `{r['commit']}`", f"- hardware: {r['hardware']}",
            f"- data: {r['dataset'] if isinstance(r['dataset'], str) else json.dumps(r['dataset'])}", ""]
