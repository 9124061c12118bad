"""Readers for the data formats distilkit accepts, and the syntax of a data source.

A source is ``LOCATION[::split][::columns=NEW:OLD,...][::shard=K/N]``:

- LOCATION is a file (its reader chosen by extension from ``READERS``; add a format by registering one),
  a folder in a known layout (TweetEval task, SNIPS, HWU64 fold: chosen by the folder's content, see
  layouts.py), or 'hub:NAME[:CONFIG]' (a hub dataset);
- '::split' (a bare word, right after the location) picks a split of a multi-split file or folder;
- '::columns=NEW:OLD,...' renames columns as rows are read ('::columns=premise:sentence1,label:gold_label'),
  so a file whose columns are named otherwise needs no copy and no recipe of its own;
- '::shard=K/N' keeps a fixed, seeded part K of N of the rows (a held-out half, say).

The options are applied in that order (renaming first; it does not change which rows a shard holds).
Every reader yields ``(row_number, record)`` so errors can name the row: the line number for line-based
files (csv/tsv count the header as line 1), the 1-based position otherwise; a layout's rows also name
their file (``textio.Row``).
"""
from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path
from typing import Callable, Iterator

from ..errors import DistilkitError, first_line
from .layouts import LAYOUTS, read_folder
from .textio import read_lines, read_text

Records = Iterator[tuple[int, dict]]
READERS: dict[str, Callable[[Path, str | None], Records]] = {}


def reader(*extensions: str):
    def register(fn):
        for ext in extensions:
            READERS[ext] = fn
        return fn
    return register


def _no_split(path: Path, split: str | None):
    if split:
        raise DistilkitError(f"{path}: this format holds one split, so '::{split}' does not apply: drop it")


@reader(".csv", ".tsv")
def read_delimited(path: Path, split: str | None) -> Records:
    _no_split(path, split)
    delimiter = "\t" if path.suffix == ".tsv" else ","
    # TSV files such as GLUE's are not quoted: a stray quote must not swallow the next lines.
    quoting = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    lines = (line + "\n" for _, line in read_lines(path))
    rows = csv.DictReader(lines, delimiter=delimiter, quoting=quoting)
    if quoting == csv.QUOTE_NONE:
        rows.fieldnames = [_unquote(name) for name in rows.fieldnames or []]
    for record in rows:
        if None in record:  # more fields than the header names
            raise DistilkitError(f"{path}: line {rows.line_num} has more fields than the header "
                                 f"({', '.join(rows.fieldnames or [])}): quote or remove the extra "
                                 f"'{delimiter}' in that line")
        yield rows.line_num, {k: _unquote(v) for k, v in record.items()} if quoting == csv.QUOTE_NONE else record


def _unquote(field: str | None) -> str | None:
    """A TSV field wholly quoted CSV-style, with only doubled quotes inside ('"company ""Camden""."', as in
    the CAD NLI files), loses its quoting; any other field is kept as it is (GLUE's stray quotes)."""
    if field is None or len(field) < 2 or field[0] != '"' or field[-1] != '"':
        return field
    inner = field[1:-1]
    return inner.replace('""', '"') if '"' not in inner.replace('""', "") else field


@reader(".jsonl", ".ndjson")
def read_jsonl(path: Path, split: str | None) -> Records:
    _no_split(path, split)
    for number, line in read_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DistilkitError(f"{path}: line {number} is not valid JSON ({exc.msg}): fix or remove that line") from None
        if not isinstance(record, dict):
            raise DistilkitError(f"{path}: line {number} is a JSON {type(record).__name__}, not an object: "
                                 "write one {\"text\": ..., \"label\": ...} object per line")
        yield number, record


CLINC_SPLITS = {"train": ("train", "oos_train"), "validation": ("val", "oos_val"), "val": ("val", "oos_val"),
                "test": ("test", "oos_test")}


def _is_clinc(data) -> bool:
    return isinstance(data, dict) and "train" in data and "oos_train" in data


def _clinc_records(path: Path, data: dict, split: str | None) -> Records:
    """CLINC150 (full / plus / small / imbalanced): lists of [utterance, intent]; 'oos' is out of scope."""
    if split not in CLINC_SPLITS:
        raise DistilkitError(f"{path} is a CLINC150 file with splits train, validation, test: "
                             f"name one as {path}::train")
    number = 0
    for key in CLINC_SPLITS[split]:
        for pair in data.get(key, []):
            number += 1
            if not (isinstance(pair, list) and len(pair) == 2):
                raise DistilkitError(f"{path}: {key}[{number - 1}] is not an [utterance, intent] pair: fix that entry")
            yield number, {"text": pair[0], "label": pair[1]}


@reader(".json")
def read_json(path: Path, split: str | None) -> Records:
    try:
        data = json.loads(read_text(path))
    except json.JSONDecodeError as exc:
        raise DistilkitError(f"{path}: not valid JSON at line {exc.lineno} ({exc.msg}): fix the file "
                             "(for one object per line, name it .jsonl)") from None
    if _is_clinc(data):
        yield from _clinc_records(path, data, split)
        return
    if isinstance(data, dict) and split:
        if split not in data:
            raise DistilkitError(f"{path} has no split '{split}' (keys: {', '.join(map(str, data))})")
        data = data[split]
    elif isinstance(data, dict) and isinstance(data.get("data"), list):
        data = data["data"]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DistilkitError(f"{path}: expected a list of objects (or {{\"data\": [...]}}); "
                             "write records like [{\"text\": ..., \"label\": ...}]")
    yield from enumerate(data, 1)


@reader(".parquet")
def read_parquet(path: Path, split: str | None) -> Records:
    _no_split(path, split)
    import pyarrow.parquet as pq

    row = 0
    try:  # row groups in batches: a file of any size streams in bounded memory
        for batch in pq.ParquetFile(path).iter_batches(batch_size=4096):
            for record in batch.to_pylist():
                row += 1
                yield row, record
    except (OSError, ValueError) as exc:  # pyarrow's errors for corrupt files derive from these
        raise DistilkitError(f"{path}: cannot read as Parquet ({str(exc).splitlines()[0]}): re-export the file") from None


@reader(".txt")
def read_semicolon_txt(path: Path, split: str | None) -> Records:
    """The dair-ai emotion format: one 'text;label' per line, no header."""
    _no_split(path, split)
    for number, line in read_lines(path):
        if not line.strip():
            continue
        text, sep, label = line.rpartition(";")
        if not sep:
            raise DistilkitError(f"{path}: line {number} has no ';' between text and label: "
                                 "write each line as 'text;label'")
        yield number, {"text": text, "label": label.strip()}


def read_hub(name: str, split: str | None) -> Records:
    """'NAME[:CONFIG]' through datasets.load_dataset (needs the hub or its local cache)."""
    if not split:
        raise DistilkitError(f"hub dataset '{name}' needs a split: write hub:{name}::train")
    repo, _, config = name.partition(":")
    try:
        import datasets

        ds = datasets.load_dataset(repo, config or None, split=split)
    except Exception as exc:  # network, missing config or split: all one-line errors for the user
        first = first_line(exc)
        raise DistilkitError(f"cannot load hub dataset '{name}' split '{split}': {first} "
                             "(is the hub reachable, or is it in the local cache?)") from None
    names = ds.features.get("label").names if hasattr(ds.features.get("label"), "names") else None
    for number, record in enumerate(ds, 1):
        if names is not None and isinstance(record.get("label"), int):
            record = {**record, "label": names[record["label"]]}  # ClassLabel ids -> names
        yield number, record


SHARD = re.compile(r"^(?P<k>\d+)/(?P<n>\d+)$")
SHARD_SEED = 42
OPTIONS = ("columns", "shard")  # '::KEY=VALUE' options, applied in this order
SYNTAX = "LOCATION[::split][::columns=NEW:OLD,...][::shard=K/N]"


def parse_source(source: str) -> tuple[str, str | None, dict[str, str]]:
    """'LOCATION[::split][::columns=NEW:OLD,...][::shard=K/N]' -> (location, split, {option: value}).
    The split (a bare word) comes right after the location; the options after it, each at most once."""
    location, *parts = source.split("::")
    split = parts.pop(0) if parts and "=" not in parts[0] else None
    options: dict[str, str] = {}
    for part in parts:
        key, eq, value = part.partition("=")
        if not eq:
            raise DistilkitError(f"{source}: '::{part}' is not an option (a split comes right after the file): "
                                 f"write {SYNTAX}")
        if key not in OPTIONS:
            raise DistilkitError(f"{source}: unknown option '::{key}=': the options are ::columns=NEW:OLD,... and "
                                 f"::shard=K/N, as in {SYNTAX}")
        if key in options:
            raise DistilkitError(f"{source}: '::{key}=' is given twice: give it once")
        options[key] = value
    return location, split or None, options


def parse_columns(value: str, source: str) -> list[tuple[str, str]]:
    """'premise:sentence1,label:gold_label' -> [(new, old), ...]."""
    pairs = []
    for item in value.split(","):
        new, colon, old = (x.strip() for x in item.partition(":"))
        if not (colon and new and old):
            raise DistilkitError(f"{source}: '{item}' in ::columns= is not NEW:OLD: write e.g. "
                                 "::columns=premise:sentence1,hypothesis:sentence2")
        pairs.append((new, old))
    twice = sorted({new for new, _ in pairs if [n for n, _ in pairs].count(new) > 1})
    if twice:
        raise DistilkitError(f"{source}: ::columns= names the column '{twice[0]}' twice: name each new column once")
    return pairs


def rename_columns(rows: Records, pairs: list[tuple[str, str]], source: str) -> Records:
    """Each record with column OLD renamed to NEW (other columns kept; a swap such as a:b,b:a works)."""
    olds = {old for _, old in pairs}
    for row, record in rows:
        missing = [old for _, old in pairs if old not in record]
        if missing:
            raise DistilkitError(f"{source}: row {row} has no column '{missing[0]}' to rename (columns: "
                                 f"{', '.join(map(str, record))}): fix ::columns= to name one of those")
        renamed = {k: v for k, v in record.items() if k not in olds}
        renamed.update((new, record[old]) for new, old in pairs)
        yield row, renamed


def read_shard(rows: Records, k: int, n: int, source: str) -> Records:
    """Part k of n of a source: its rows shuffled with a fixed seed (42), cut into n near-equal parts,
    part k (1-based) yielded in file order. The same file always gives the same parts, and the parts
    never overlap, so one half can train while the other half, never seen, evaluates."""
    if not 1 <= k <= n:
        raise DistilkitError(f"{source}: shard={k}/{n} does not exist: use shard=K/N with 1 <= K <= N")
    rows = list(rows)
    order = list(range(len(rows)))
    random.Random(SHARD_SEED).shuffle(order)
    size, extra = divmod(len(rows), n)
    start = (k - 1) * size + min(k - 1, extra)
    keep = sorted(order[start:start + size + (1 if k <= extra else 0)])
    for i in keep:
        yield rows[i]


def read_location(location: str, split: str | None) -> Records:
    """Records of a file (reader by extension), a folder (layout by content) or 'hub:NAME[:CONFIG]'."""
    if location.startswith("hub:"):
        yield from read_hub(location[4:], split)
        return
    path = Path(location).expanduser()
    if path.is_dir():
        yield from read_folder(path, split)
        return
    if not path.is_file():
        hint = " (run from the repository root so ../shared/data resolves)" if "shared/data" in location else ""
        raise DistilkitError(f"data file {path} not found{hint}: check the path, or use hub:NAME::split")
    read = READERS.get(path.suffix.lower())
    if read is None:
        raise DistilkitError(f"{path}: unknown format '{path.suffix}': use one of {', '.join(sorted(READERS))}, "
                             f"a folder in a known layout ({', '.join(LAYOUTS)}), or hub:NAME::split")
    yield from read(path, split)


def read_records(source: str) -> Records:
    """Records of a data source, written as the module docstring says: the location's rows, their
    columns renamed (::columns=), then a fixed, seeded part of them taken (::shard=; see ``read_shard``)."""
    location, split, options = parse_source(source)
    rows = read_location(location, split)
    if "columns" in options:
        rows = rename_columns(rows, parse_columns(options["columns"], source), source)
    if "shard" in options:
        shard = SHARD.match(options["shard"])
        if not shard:
            raise DistilkitError(f"{source}: '::shard={options['shard']}' is not K/N: write e.g. ::shard=1/2")
        rows = read_shard(rows, int(shard["k"]), int(shard["n"]), source)
    yield from rows
