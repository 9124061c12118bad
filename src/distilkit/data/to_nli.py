"""Labelled classification data turned into NLI pairs: the training data of a universal classifier.

After Laurer et al., "Building Efficient Universal Classifiers with Natural Language Inference" (2023; their
repository MoritzLaurer/zeroshot-classifier, 3_data_formatting_universal_nli): every class of a data set gets one
hypothesis, a per-data-set template filled with the class's description ("This example tweet expresses the
emotion: {}." with "joy"), and each text becomes the premise of pairs labelled by whether that hypothesis holds.

Per data set, in this order (every dropped row is counted in the manifest):

1. rows are read with ``load_split`` (any reader or folder layout, text and label columns as given, integer
   labels through label names); rows with an empty text are skipped;
2. rows of the classes in ``drop_labels`` go (CLINC150's out-of-scope 'oos', say: it has no hypothesis);
3. duplicates: a text (whitespace-normalised) given the same label twice is kept once; a text given two
   different labels is dropped altogether, since it would be a false example of its own class;
4. caps, each a seeded sample: at most ``max_per_class`` rows per class, then at most ``max_per_dataset`` rows
   (Laurer: 500 and 5,000), so that big classes and big data sets do not dominate the mix;
5. each kept row gives one ``entailment`` pair with its own class's hypothesis and ``negatives`` ``not_entailment``
   pairs with the hypotheses of other classes, drawn at random without replacement (never its own class: no
   label leaks). Laurer draws per hypothesis (each class's hypothesis gets as many false texts as true ones);
   drawing per row gives the same balance with one negative, and shows every premise with both labels.

Pairs repeated across data sets (the same premise and hypothesis) are kept once; a repeat with the other label
is dropped too (counted as conflicting). The whole file is then shuffled with the seed: the same data, settings
and seed give the same bytes.

Why two labels, entailment and not_entailment: a false class hypothesis is not a contradiction of the text, nor
neutral to it in any sense a label could carry ("This tweet expresses optimism" beside a joyful tweet is neither
contradicted nor unrelated), so a three-way label would teach something false about most of these pairs; and a
two-way head is what Laurer's universal models use (their NLI data joins them with neutral and contradiction
merged into not_entailment: in a recipe, ``label_map: {neutral: not_entailment, contradiction: not_entailment}``).
Zero-shot classification with such a model scores entailment against not_entailment.

The data sets come in as ``NliSource`` objects, from the command's flags or a spec file (``nli_sources.py``, whose
names are re-exported here).
"""
from __future__ import annotations

import dataclasses
import json
import random
from collections import Counter
from pathlib import Path

from ..config import DataConfig, OnEmpty
from ..errors import DistilkitError
from ..options import NliDataOptions
from .dataset import load_split
from .formats import read_records
from .nli_manifest import MADE_BY, file_sha256, manifest_path
from .nli_sources import (DEFAULT_TEMPLATE, NAME, SPEC_KEYS, NliSource, check_template,  # noqa: F401  (public here)
                          load_spec, parse_sources)

ENTAILMENT, NOT_ENTAILMENT = "entailment", "not_entailment"
LABELS = [ENTAILMENT, NOT_ENTAILMENT]


# --------------------------------------------------------------------------------------------- conversion

def _normal(text: str) -> str:
    return " ".join(text.split())


def _check_columns(dataset: NliSource, source: str) -> None:
    """The columns, named on the first record: a one-line error that says where to set them."""
    for _, record in read_records(source):
        for key, column in (("text_column", dataset.text_column), ("label_column", dataset.label_column)):
            if column not in record:
                raise DistilkitError(f"data set '{dataset.name}' ({source}): no column '{column}' (columns: "
                                     f"{', '.join(map(str, record))}): set {key} for this data set "
                                     f"(--{key.replace('_', '-')}, or {key}: in the spec file)")
        return


def _hypotheses(dataset: NliSource, classes: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(class -> hypothesis, class -> description) for the classes found; a class named only by a number and
    without a description is refused (its hypothesis would read 'This example is 3.')."""
    hypotheses, descriptions = {}, {}
    for label in classes:
        if dataset.hypotheses and label in dataset.hypotheses:
            hypotheses[label] = dataset.hypotheses[label]
            continue
        words = (dataset.labels or {}).get(label, label)
        if words.lstrip("-").isdigit():
            raise DistilkitError(f"data set '{dataset.name}': class '{label}' is a number, so its hypothesis would "
                                 f"read '{dataset.hypothesis_template.format(words)}': give label_names (--label-names"
                                 f" a,b,c) or a description {label}=WORDS (--labels)")
        descriptions[label] = words
        hypotheses[label] = dataset.hypothesis_template.format(words)
    repeated = [h for h, n in Counter(hypotheses.values()).items() if n > 1]
    if repeated:
        owners = [c for c, h in hypotheses.items() if h == repeated[0]]
        raise DistilkitError(f"data set '{dataset.name}': classes {', '.join(owners)} share the hypothesis "
                             f"'{repeated[0]}', so a true pair of one is a false pair of the other: describe them apart")
    return hypotheses, descriptions


def _rows(dataset: NliSource) -> tuple[list[tuple[str, str]], dict]:
    """(text, class) rows of a data set after steps 1-3 of the module docstring, and their counts."""
    for source in dataset.source:
        _check_columns(dataset, source)
    cfg = DataConfig(text_column=dataset.text_column, label_column=dataset.label_column,
                     label_names=dataset.label_names, on_empty=OnEmpty.SKIP)
    split = load_split(dataset.source if len(dataset.source) > 1 else dataset.source[0], cfg)
    counts = {"rows_read": len(split) + split.skipped_empty, "empty_text": split.skipped_empty}
    drop = set(dataset.drop_labels or [])
    counts["classes_read"] = sorted(set(split.labels))
    rows = [(t, lab) for t, lab in zip(split.texts, split.labels) if lab not in drop]
    counts["dropped_label"] = len(split) - len(rows)
    labels_of: dict[str, set[str]] = {}
    for text, label in rows:
        labels_of.setdefault(_normal(text), set()).add(label)
    conflicting = {key for key, labels in labels_of.items() if len(labels) > 1}
    seen, kept, duplicates, conflicts = set(), [], 0, 0
    for text, label in rows:
        key = _normal(text)
        if key in conflicting:
            conflicts += 1
        elif key in seen:
            duplicates += 1
        else:
            seen.add(key)
            kept.append((text, label))
    counts.update(duplicate_text=duplicates, conflicting_labels=conflicts)
    return kept, counts


def _capped(rows: list[tuple[str, str]], limits: dict, rng: random.Random, counts: dict) -> list[tuple[str, str]]:
    """Step 4: a seeded sample of at most max_per_class rows per class, then of max_per_dataset rows (file order
    kept)."""
    by_class: dict[str, list[int]] = {}
    for i, (_, label) in enumerate(rows):
        by_class.setdefault(label, []).append(i)
    keep = []
    for label in sorted(by_class):
        members = by_class[label]
        keep += members if len(members) <= limits["max_per_class"] else rng.sample(members, limits["max_per_class"])
    counts["over_class_cap"] = len(rows) - len(keep)
    before = len(keep)
    if len(keep) > limits["max_per_dataset"]:
        keep = rng.sample(sorted(keep), limits["max_per_dataset"])
    counts["over_dataset_cap"] = before - len(keep)
    return [rows[i] for i in sorted(keep)]


def convert(datasets: list[NliSource], options: NliDataOptions | None = None) -> tuple[list[dict], dict]:
    """NLI pairs ``{"premise", "hypothesis", "label", "dataset"}`` of the data sets (shuffled with the seed), and
    the manifest that says what was done (without the pairs file's name and hash: ``write_nli_data`` adds them)."""
    options = options or NliDataOptions()
    if not datasets:
        raise DistilkitError("make-nli-data: no data sets: give --source NAME=FILE or a --spec file")
    names = [d.name for d in datasets]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DistilkitError(f"make-nli-data: data set '{repeated[0]}' is given twice: give each data set once "
                             "(a list of sources under one name is joined)")
    pairs, reports, seen, named = [], [], {}, {}
    for dataset in datasets:
        limits = dataset.resolved(options)
        rng = random.Random(f"{options.seed}/{dataset.name}")  # str seeds are hashed stably (sha512)
        rows, counts = _rows(dataset)
        found = counts.pop("classes_read")
        for what, given in (("labels", dataset.labels), ("hypotheses", dataset.hypotheses),
                            ("drop_labels", dataset.drop_labels)):
            for label in given or []:
                named.setdefault((what, label), []).append((dataset.name, label in found, found))
        classes = sorted({label for _, label in rows})
        if len(classes) < 2:
            raise DistilkitError(f"data set '{dataset.name}': {len(classes)} class(es) ({', '.join(classes)}) after "
                                 "reading: NLI pairs need at least 2 (a false hypothesis is another class's): is "
                                 "label_column right, or are too many classes dropped?")
        hypotheses, descriptions = _hypotheses(dataset, classes)
        rows = _capped(rows, limits, rng, counts)
        k = min(limits["negatives"], len(classes) - 1)
        made = Counter()
        for text, label in rows:
            others = [c for c in classes if c != label]
            for hyp_class, pair_label in [(label, ENTAILMENT)] + [(c, NOT_ENTAILMENT) for c in rng.sample(others, k)]:
                key = (text, hypotheses[hyp_class])
                if key in seen:
                    made["conflicting_pairs" if seen[key] != pair_label else "duplicate_pairs"] += 1
                    continue
                seen[key] = pair_label
                pairs.append({"premise": text, "hypothesis": hypotheses[hyp_class], "label": pair_label,
                              "dataset": dataset.name})
                made[pair_label] += 1
        per_class = Counter(label for _, label in rows)
        reports.append({
            "name": dataset.name, "sources": list(dataset.source), "splits": [_split_of(s) for s in dataset.source],
            "text_column": dataset.text_column, "label_column": dataset.label_column,
            "label_names": dataset.label_names, "drop_labels": dataset.drop_labels,
            "template": dataset.hypothesis_template, "descriptions": descriptions, "hypotheses": hypotheses,
            "classes": len(classes), **limits, "negatives_per_row": k,
            "rows_read": counts.pop("rows_read"), "rows_kept": len(rows), "dropped": counts,
            "rows_per_class": {c: per_class[c] for c in classes},
            "pairs": {ENTAILMENT: made[ENTAILMENT], NOT_ENTAILMENT: made[NOT_ENTAILMENT]},
            "duplicate_pairs": made["duplicate_pairs"], "conflicting_pairs": made["conflicting_pairs"],
            "pairs_written": made[ENTAILMENT] + made[NOT_ENTAILMENT]})
    _check_named(named)
    random.Random(options.seed).shuffle(pairs)
    manifest = {"made_by": MADE_BY, "labels": LABELS, **dataclasses.asdict(options), "pairs": len(pairs),
                "pairs_per_label": dict(sorted(Counter(p["label"] for p in pairs).items())), "datasets": reports}
    return pairs, manifest


def _check_named(named: dict) -> None:
    """A class named in labels, hypotheses or drop_labels must be a class of some data set given it (a typo
    otherwise; a description shared by several data sets, as the command's flags give, needs to fit one)."""
    for (what, label), uses in named.items():
        if not any(present for _, present, _ in uses):
            name, _, found = uses[0]
            shown = ", ".join(found[:12]) + (" ..." if len(found) > 12 else "")
            raise DistilkitError(f"data set '{name}': {what} names '{label}', which is not one of its classes "
                                 f"({shown}): fix the name, or leave it out")


def _split_of(source: str) -> str | None:
    """The split a source names ('FILE::train' -> 'train'; options such as '::shard=1/2' are not splits)."""
    parts = source.split("::")
    return parts[1] if len(parts) > 1 and "=" not in parts[1] else None


# --------------------------------------------------------------------------------------------- writing

def write_nli_data(output: str | Path, datasets: list[NliSource], options: NliDataOptions | None = None) -> dict:
    """Convert and write ``OUTPUT`` (JSON Lines of pairs) and ``OUTPUT.manifest.json`` beside it, under OUTPUT's lock
    (taken before anything is read, so a second writer is refused at once). Each file is written atomically, the
    pairs first; the manifest holds their SHA-256, so a manifest that does not describe the file is recognised
    (``nli_manifest.notes_for``). Returns the manifest."""
    from ..io import PathLock, write_atomic

    output = Path(output)
    if output.suffix.lower() != ".jsonl":
        raise DistilkitError(f"make-nli-data: {output}: the pairs are JSON Lines: name the output FILE.jsonl")
    for dataset in datasets:
        for source in dataset.source:
            location = source.partition("::")[0]
            if not location.startswith("hub:") and Path(location).expanduser().resolve() == output.resolve():
                raise DistilkitError(f"make-nli-data: {output} is also a source of data set '{dataset.name}': "
                                     "write the pairs to another file")
    with PathLock(output, "OUTPUT"):
        pairs, manifest = convert(datasets, options)
        output.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(output, "".join(json.dumps(pair, ensure_ascii=False) + "\n" for pair in pairs))
        manifest = {"made_by": manifest.pop("made_by"), "file": output.name, "sha256": file_sha256(output),
                    **manifest}
        write_atomic(manifest_path(output), json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest
