"""Batch prediction at scale: Parquet in and out, a run killed part-way resumes without redoing finished
chunks (and drops a half-written one), and Ray Data with two actors gives the single-process labels."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

from distilkit.cli import main
from tests.conftest import ROOT, make_rows, write_jsonl


def _rows(n: int) -> list[dict]:
    return [{"id": i, "text": r["text"]} for i, r in enumerate(make_rows(n, seed=7))]


def test_parquet_in_and_out_equals_jsonl(toy_runs, tmp_path, capsys):
    model = str(toy_runs["distilbert"][0])
    rows = _rows(300)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    write_jsonl(tmp_path / "in.jsonl", rows)
    assert main(["predict", model, "--file", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "out.parquet"),
                 "--batch-size", "32"]) == 0
    assert main(["predict", model, "--file", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "out.jsonl")]) == 0
    got = pq.read_table(tmp_path / "out.parquet").to_pylist()
    expected = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(r["id"], r["prediction"]) for r in got] == [(r["id"], r["prediction"]) for r in expected]
    assert len(got) == 300 and not (tmp_path / "out.parquet.parts").exists()
    assert not (tmp_path / "out.parquet.progress.json").exists()
    assert main(["predict", model, "--file", str(tmp_path / "in.jsonl"), "--output", str(tmp_path / "o.csv")]) == 2
    assert ".jsonl or .parquet" in capsys.readouterr().err


def _predict_cmd(model, source, output):
    return [sys.executable, "-m", "distilkit.cli", "predict", model, "--file", str(source), "--output", str(output),
            "--batch-size", "16", "--chunk-size", "256"]


def test_a_killed_run_resumes_after_its_last_finished_chunk(toy_runs, tmp_path):
    model = str(toy_runs["bert"][0])
    source = write_jsonl(tmp_path / "in.jsonl", _rows(6000))
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for suffix in (".jsonl", ".parquet"):
        output, progress = tmp_path / f"out{suffix}", tmp_path / f"out{suffix}.progress.json"
        process = subprocess.Popen(_predict_cmd(model, source, output), env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 120
        while not (progress.exists() and json.loads(progress.read_text())["rows_done"] >= 512):
            assert process.poll() is None and time.time() < deadline, process.stderr.read()
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        done = json.loads(progress.read_text())["rows_done"]
        assert 0 < done < 6000
        if suffix == ".jsonl":
            with output.open("a") as f:
                f.write('{"row": 99999, "half-written')  # what a kill during a write leaves behind
        resumed = subprocess.run(_predict_cmd(model, source, output), env=env, capture_output=True, text=True)
        assert resumed.returncode == 0, resumed.stderr
        assert f"resuming {output}: {done} input rows were done" in resumed.stderr
        rows = ([json.loads(line) for line in output.read_text().splitlines()] if suffix == ".jsonl"
                else pq.read_table(output).to_pylist())
        assert [r["row"] for r in rows] == list(range(1, 6001))  # each row once, in order
        assert not progress.exists()
    fresh = tmp_path / "fresh.jsonl"
    assert main(["predict", model, "--file", str(source), "--output", str(fresh)]) == 0
    assert [json.loads(x)["prediction"] for x in fresh.read_text().splitlines()] == \
        [json.loads(x)["prediction"] for x in (tmp_path / "out.jsonl").read_text().splitlines()]


def test_ray_with_two_actors_matches_single_process(toy_runs, tmp_path):
    model = str(toy_runs["distilbert"][0])
    rows = _rows(400)
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    assert main(["predict", model, "--file", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "one.jsonl")]) == 0
    assert main(["predict", model, "--file", str(tmp_path / "in.parquet"), "--output", str(tmp_path / "ray"),
                 "--engine", "ray", "--actors", "2", "--chunk-size", "50"]) == 0
    import ray

    ray.shutdown()
    got = sorted(pq.read_table(tmp_path / "ray").to_pylist(), key=lambda r: r["id"])  # Ray's order is its own
    single = [json.loads(line) for line in (tmp_path / "one.jsonl").read_text().splitlines()]
    assert [(r["id"], r["prediction"]) for r in got] == [(r["id"], r["prediction"]) for r in single]
    assert all(abs(a["score"] - b["score"]) < 1e-5 for a, b in zip(got, single))


def test_a_last_chunk_of_skipped_rows_still_makes_a_whole_parquet_file(toy_runs, tmp_path):
    rows = _rows(200) + [{"id": 200 + i, "text": " "} for i in range(30)]  # the last chunk is only empty texts
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    assert main(["predict", str(toy_runs["bert"][0]), "--file", str(tmp_path / "in.parquet"), "--output",
                 str(tmp_path / "out.parquet"), "--chunk-size", "100", "--on-empty", "skip"]) == 0
    assert [r["id"] for r in pq.read_table(tmp_path / "out.parquet").to_pylist()] == list(range(200))
