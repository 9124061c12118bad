"""Where batch predictions go, chunk by chunk, so that a killed run resumes where it stopped.

Two sinks, picked by the output's extension: JSON Lines (appended, flushed and synced per chunk) and
Parquet (one part file per chunk, renamed into place when whole; merged into the output at the end,
one part at a time). After every chunk a small progress file beside the output (``OUTPUT.progress.json``)
records how many input rows are done and, for JSON Lines, how many bytes of output they made. A run
started again with the same input and options finds it, cuts off anything written after the last
recorded chunk, skips the rows already done, and goes on; the progress file is removed when the run
completes. A different input (size or modification time) or other options start from scratch.
"""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from ..errors import DistilkitError
from ..io import write_atomic


def fingerprint(source: str, options: dict) -> dict:
    """What must match for a run to resume: the input file's identity and the options that shape the output."""
    location = source.partition("::")[0]
    stat = Path(location).stat() if Path(location).is_file() else None
    return {"source": source, "size": stat.st_size if stat else None, "mtime_ns": stat.st_mtime_ns if stat else None,
            "options": options}


class Sink:
    """Chunks of result rows into ``output``; ``done`` input rows already there when resuming."""

    def __init__(self, output: str, identity: dict):
        self.path = Path(output)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.progress_path = self.path.with_name(self.path.name + ".progress.json")
        self.identity = identity
        self.done = self.written = 0
        state = self._read_progress()
        if state is not None and state.get("identity") == identity:
            self.done, self.written = state["rows_done"], state["written"]
            self.resume(state)
        else:
            self.start()

    def _read_progress(self) -> dict | None:
        try:
            return json.loads(self.progress_path.read_text())
        except (OSError, ValueError):
            return None

    @property
    def resumed(self) -> bool:
        return self.done > 0

    def add(self, rows_read: int, results: list[dict]) -> None:
        """Results of the input rows up to ``rows_read`` (accepted or skipped) are safely written."""
        self.write(results)
        self.done, self.written = rows_read, self.written + len(results)
        write_atomic(self.progress_path, json.dumps({"identity": self.identity, "rows_done": self.done,
                                                     "written": self.written, **self.state()}))

    def close(self) -> None:
        self.finish()
        self.progress_path.unlink(missing_ok=True)

    # per format
    def start(self) -> None: ...
    def resume(self, state: dict) -> None: ...
    def write(self, results: list[dict]) -> None: ...
    def state(self) -> dict: return {}
    def finish(self) -> None: ...


class JsonlSink(Sink):
    def start(self) -> None:
        self.file = self.path.open("w", encoding="utf-8")

    def resume(self, state: dict) -> None:
        self.file = self.path.open("r+b")
        self.file.truncate(state["bytes"])  # anything written after the last recorded chunk is dropped
        self.file.close()
        self.file = self.path.open("a", encoding="utf-8")

    def write(self, results: list[dict]) -> None:
        self.file.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in results))
        self.file.flush()
        os.fsync(self.file.fileno())

    def state(self) -> dict:
        return {"bytes": self.file.tell()}

    def finish(self) -> None:
        self.file.close()


class ParquetSink(Sink):
    @property
    def parts(self) -> Path:
        return self.path.with_name(self.path.name + ".parts")

    def start(self) -> None:
        shutil.rmtree(self.parts, ignore_errors=True)
        self.parts.mkdir()
        self.count = 0

    def resume(self, state: dict) -> None:
        self.count = state["parts"]
        for extra in self.parts.glob("part-*"):  # parts after the last recorded chunk, or half-written ones
            if not extra.name.endswith(".parquet") or int(extra.name[5:11]) >= self.count:
                extra.unlink()

    def write(self, results: list[dict]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not results:  # a chunk whose rows were all skipped: a part without columns could not be merged
            return
        final = self.parts / f"part-{self.count:06d}.parquet"
        tmp = final.with_suffix(".tmp")
        pq.write_table(pa.Table.from_pylist(results), tmp)
        os.replace(tmp, final)
        self.count += 1

    def state(self) -> dict:
        return {"parts": self.count}

    def finish(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        files = sorted(self.parts.glob("part-*.parquet"))
        tmp = self.path.with_name(self.path.name + ".tmp")
        writer = None
        try:
            for part in files:  # one part in memory at a time
                table = pq.read_table(part)
                if writer is None:
                    writer = pq.ParquetWriter(tmp, table.schema)
                elif table.schema != writer.schema:
                    try:
                        table = table.cast(writer.schema)
                    except (pa.ArrowInvalid, ValueError, TypeError):
                        raise DistilkitError(f"{self.path}: chunk {part.name} has columns of other types "
                                             f"({table.schema}) than the first: make the input columns consistent, "
                                             "or write .jsonl") from None
                writer.write_table(table)
        finally:
            if writer is not None:
                writer.close()
        if writer is None:
            pq.write_table(pa.table({}), tmp)
        os.replace(tmp, self.path)
        shutil.rmtree(self.parts, ignore_errors=True)


SINKS = {".jsonl": JsonlSink, ".parquet": ParquetSink}


def open_sink(output: str, identity: dict) -> Sink:
    suffix = Path(output).suffix.lower()
    if suffix not in SINKS:
        raise DistilkitError(f"--output {output}: write .jsonl or .parquet (got '{suffix or 'no extension'}')")
    return SINKS[suffix](output, identity)
