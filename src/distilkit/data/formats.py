"""Readers for the data formats distilkit accepts.

Every reader yields ``(row_number, record)`` so errors can name the row: the line number
for line-based files (csv/tsv count the header as line 1), the 1-based position otherwise.
Readers are chosen by file extension from ``READERS``; add a format by registering one. Any source
may end in '::shard=K/N' to read a fixed, seeded part of it (a held-out half, say).
"""
from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path
from typing import Callable, Iterator

from ..errors import DistilkitError

Records = Iterator[tuple[int, dict]]
READERS: dict[str, Callable[[Path, str | None], Records]] = {}


def reader(*extensions: str):
    def register(fn):
        for ext in extensions:
            READERS[ext] = fn
        return fn
    return register


def read_text(path: Path) -> str:
    """Read a whole file as UTF-8, naming the first bad line if it is not."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DistilkitError(f"{path}: line {line} is not valid UTF-8 (byte 0x{raw[exc.start]:02x}): re-save the "
                             f"file as UTF-8, e.g. iconv -f latin1 -t utf-8 {path.name} > fixed_{path.name}") from None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Stream a file's lines as UTF-8 (big files never sit in memory), naming the first bad line."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise DistilkitError(f"{path}: line {number} is not valid UTF-8 (byte 0x{raw[exc.start]:02x}): re-save "
                                     f"the file as UTF-8, e.g. iconv -f latin1 -t utf-8 {path.name} > fixed_{path.name}") from None


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
    for record in rows:
        if None in record:  # more fields than the header names
            raise DistilkitError(f"{path}: line {rows.line_num} has more fields than the header "
                                 f"({', '.join(rows.fieldnames or [])}): quote or remove the extra "
                                 f"'{delimiter}' in that line")
        yield rows.line_num, record


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
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DistilkitError(f"cannot load hub dataset '{name}' split '{split}': {first} "
                             "(is the hub reachable, or is it in the local cache?)") from None
    names = ds.features.get("label").names if hasattr(ds.features.get("label"), "names") else None
    for number, record in enumerate(ds, 1):
        if names is not None and isinstance(record.get("label"), int):
            record = {**record, "label": names[record["label"]]}  # ClassLabel ids -> names
        yield number, record


SHARD = re.compile(r"^(?P<inner>.*)::shard=(?P<k>\d+)/(?P<n>\d+)$")
SHARD_SEED = 42


def read_shard(inner: str, k: int, n: int, source: str) -> Records:
    """Part k of n of a source: its rows shuffled with a fixed seed (42), cut into n near-equal parts,
    part k (1-based) yielded in file order. The same file always gives the same parts, and the parts
    never overlap, so one half can train while the other half, never seen, evaluates."""
    if not 1 <= k <= n:
        raise DistilkitError(f"{source}: shard={k}/{n} does not exist: use shard=K/N with 1 <= K <= N")
    rows = list(read_records(inner))
    order = list(range(len(rows)))
    random.Random(SHARD_SEED).shuffle(order)
    size, extra = divmod(len(rows), n)
    start = (k - 1) * size + min(k - 1, extra)
    keep = sorted(order[start:start + size + (1 if k <= extra else 0)])
    for i in keep:
        yield rows[i]


def read_records(source: str) -> Records:
    """Records of a data source: 'FILE', 'FILE::split' or 'hub:NAME[:CONFIG]::split', each optionally
    followed by '::shard=K/N' (a fixed, seeded part K of N of its rows; see ``read_shard``)."""
    shard = SHARD.match(source)
    if shard:
        yield from read_shard(shard["inner"], int(shard["k"]), int(shard["n"]), source)
        return
    location, _, split = source.partition("::")
    if location.startswith("hub:"):
        yield from read_hub(location[4:], split or None)
        return
    path = Path(location).expanduser()
    if not path.is_file():
        hint = " (run from the repository root so ../shared/data resolves)" if "shared/data" in location else ""
        raise DistilkitError(f"data file {path} not found{hint}: check the path, or use hub:NAME::split")
    read = READERS.get(path.suffix.lower())
    if read is None:
        raise DistilkitError(f"{path}: unknown format '{path.suffix}': use one of {', '.join(sorted(READERS))} "
                             "or hub:NAME::split")
    yield from read(path, split or None)
