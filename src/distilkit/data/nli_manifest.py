"""The manifest beside a file of NLI pairs that `distilkit make-nli-data` wrote (``PAIRS.manifest.json`` beside
``PAIRS.jsonl``), and what it tells a model card.

``load_split`` adds ``notes_for(source)`` to the notes of any split read from such a file, so that the card of a
model trained (or evaluated) on it says which data sets and which hypotheses it saw, with no setting to remember.
The manifest holds the SHA-256 of the pairs file it describes: a file changed since (or a manifest left from
another run) is named as such instead of being believed. The manifest is for people and cards; nothing reads it
to run a model.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

MADE_BY = "distilkit make-nli-data"


def manifest_path(pairs: str | Path) -> Path:
    """``data/pairs.jsonl`` -> ``data/pairs.manifest.json``."""
    pairs = Path(pairs)
    return pairs.with_name(f"{pairs.stem}.manifest.json")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def source_file(source: str) -> Path | None:
    """The file a data source reads ('FILE', 'FILE::split', 'FILE::shard=1/2', ...); None for hub sources."""
    location = source.partition("::")[0]
    return None if location.startswith("hub:") else Path(location).expanduser()


def read_manifest(pairs: str | Path) -> dict | None:
    """The manifest of a pairs file, or None when it has none (or one that is not ours)."""
    path = manifest_path(pairs)
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("made_by") == MADE_BY else None


def notes_for(source: str) -> list[str]:
    """Card notes for a split read from ``source``: the data sets and hypotheses its NLI pairs were made from
    (empty for any other source)."""
    path = source_file(source)
    if path is None or path.suffix.lower() not in (".jsonl", ".ndjson") or not path.is_file():
        return []
    manifest = read_manifest(path)
    if manifest is None:
        return []
    name = manifest_path(path).name
    if manifest.get("sha256") != file_sha256(path):
        return [(f"{name} does not describe this file (the file changed after {MADE_BY} wrote it): which data "
                 "sets and hypotheses it holds is unknown; write it again with the same command")]
    return describe(manifest, name)


def describe(manifest: dict, name: str = "the manifest") -> list[str]:
    """One note for the whole file, then one per data set: its source, rows kept of rows read, pairs, and every
    hypothesis (the template with each class's description, or the class's own sentence)."""
    datasets = manifest.get("datasets", [])
    notes = [(f"NLI pairs made by `{MADE_BY}` from {len(datasets)} labelled data set(s) "
              f"({', '.join(d['name'] for d in datasets)}): {manifest.get('pairs')} pairs labelled "
              f"{' / '.join(manifest.get('labels', []))}, seed {manifest.get('seed')}, "
              f"{_false(manifest.get('negatives'))} per row, at most {manifest.get('max_per_class')} rows per "
              f"class and {manifest.get('max_per_dataset')} per data set (all counts in {name})")]
    for d in datasets:
        own = [f"{key.replace('_', ' ')} {d[key]}" for key in ("negatives", "max_per_class", "max_per_dataset")
               if d.get(key) != manifest.get(key)]
        notes.append(f"{d['name']} ({', '.join(f'`{s}`' for s in d['sources'])}): {d['rows_kept']} of "
                     f"{d['rows_read']} rows, {d['pairs_written']} pairs{'; ' + ', '.join(own) if own else ''}; "
                     f"hypotheses: {hypotheses_text(d)}")
    return notes


def hypotheses_text(dataset: dict) -> str:
    """'"This example is {}." with anger, joy=happiness; others: "This example ..."': compact, but every one."""
    template, described, whole = dataset["template"], [], []
    for label, hypothesis in dataset["hypotheses"].items():
        words = dataset["descriptions"].get(label)
        if words is None:
            whole.append(f"{label}: \"{hypothesis}\"")
        else:
            described.append(label if words == label else f"{label}={words}")
    parts = [f"\"{template}\" with {', '.join(described)}"] if described else []
    return "; ".join(parts + whole)


def _false(n) -> str:
    return f"{n} false hypothesis" if n == 1 else f"{n} false hypotheses"
