"""Reading text files as UTF-8 with errors that name the line, and row numbers that name their file.

Shared by the file readers (formats.py) and the folder layouts (layouts.py); it lives apart from both so
that formats.py can dispatch to layouts.py without an import circle.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from ..errors import DistilkitError


def _not_utf8(path: Path, line: int, byte: int) -> DistilkitError:
    return DistilkitError(f"{path}: line {line} is not valid UTF-8 (byte 0x{byte:02x}): re-save the file as UTF-8, "
                          f"e.g. iconv -f latin1 -t utf-8 {path.name} > fixed_{path.name}")


def read_text(path: Path, cesu8: bool = False) -> str:
    """Read a whole file as UTF-8, naming the first bad line if it is not. ``cesu8`` also accepts characters
    outside the BMP stored as two encoded surrogates (CESU-8, as in SNIPS' train_PlayMusic_full.json) and
    joins each pair into its character, so an emoji stored that way is kept, not replaced."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if cesu8:
            try:
                text = raw.decode("utf-8-sig", "surrogatepass")
                return text.encode("utf-16", "surrogatepass").decode("utf-16")
            except UnicodeError:  # bytes that are not even CESU-8, or a lone surrogate
                pass
        raise _not_utf8(path, raw[: exc.start].count(b"\n") + 1, raw[exc.start]) from None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Stream a file's lines as UTF-8 (big files never sit in memory), naming the first bad line."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                yield number, raw.decode("utf-8-sig" if number == 1 else "utf-8").rstrip("\r\n")
            except UnicodeDecodeError as exc:
                raise _not_utf8(path, number, raw[exc.start]) from None


class Row(int):
    """A row number that also says where the row is (``file line N``), for sources read from many files:
    it counts and compares as the running 1-based number (batch inference resumes by it), while an error
    message that formats it names the file and line, e.g. 'row 57 (GetWeather/validate_GetWeather.json
    utterance 3)'."""

    def __new__(cls, number: int, where: str) -> "Row":
        row = super().__new__(cls, number)
        row.where = where
        return row

    def __str__(self) -> str:
        return f"{int(self)} ({self.where})"

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)

    def __reduce__(self):
        return Row, (int(self), self.where)
