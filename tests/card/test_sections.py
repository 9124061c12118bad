"""One writer for the card: `bench --card`, `check` and `export` put their results in the run record, and card/
renders every section from it; record and card change together, even when a write fails."""
from __future__ import annotations

import errno
import json
import shutil

import pytest
import yaml
from huggingface_hub import ModelCard, metadata_load

from distilkit.card import RunRecord, add_benchmark, render_card
from distilkit.cli import main

BENCH = "## Benchmark (distilkit bench)"
BEHAVIOUR = "### Behaviour tests"
TESTS = {"task": "text-classification", "threshold": 0.5, "tests": [
    {"name": "sentiment word", "type": "mft", "fill": {"w": ["great", "wonderful", "happy", "excellent"]},
     "template": {"text": "the movie was {w} today", "label": "pos"}}]}
RESULT = {"data": "toy.jsonl", "hardware": "a cpu, 1 threads", "threads": 1, "date": "2025-01-02",
          "rows": [{"model": "m", "backend": "torch", "metric": "accuracy", "score": 0.9, "size_mb": 1.5,
                    "parameters": 100, "latency_p50_ms": 1.0, "latency_p95_ms": 2.0, "throughput_batch32": 50.0}]}


@pytest.fixture
def model(toy_runs, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(toy_runs["bert"][0], folder)
    return folder


def _bench(folder, data, out):
    assert main(["bench", str(folder), "--data", data, "--backends", "torch", "--threads", "1", "--latency-runs",
                 "2", "--output", str(out), "--card"]) == 0


def _check(folder, tests_file):
    assert main(["check", str(folder), str(tests_file)]) == 0


def _section(card: str, heading: str) -> str:
    """From ``heading`` to the next heading of its level or above."""
    start = card.index(heading)
    ends = [card.find(h, start + len(heading)) for h in ("\n## ", "\n### ")]
    return card[start:min([e for e in ends if e > 0] or [len(card)])]


def _agree(folder) -> bool:
    """The card on disk is the one card/ renders from the record on disk."""
    return (folder / "README.md").read_text(encoding="utf-8") == render_card(RunRecord.read(folder))


@pytest.mark.parametrize("bench_first", [True, False])
def test_bench_and_check_keep_each_others_sections(model, toy_data, tmp_path, capsys, bench_first):
    tests_file = tmp_path / "sentiment.yaml"
    tests_file.write_text(yaml.safe_dump(TESTS), encoding="utf-8")
    steps = [lambda: _bench(model, toy_data["test"], tmp_path / "b"), lambda: _check(model, tests_file)]
    for step in steps if bench_first else steps[::-1]:
        step()
    card = (model / "README.md").read_text(encoding="utf-8")
    assert card.count(BENCH) == 1 and card.count(BEHAVIOUR) == 1 and "## Training procedure" in card
    assert f"`{toy_data['test']}`" in _section(card, BENCH) and "| sentiment word | mft |" in card
    record = json.loads((model / "training_summary.json").read_text())
    assert record["benchmark"]["rows"][0]["backend"] == "torch" and len(record["behaviour"]) == 1
    assert _agree(model)
    meta = metadata_load(model / "README.md")  # the front matter still parses, model-index included
    assert meta["pipeline_tag"] == "text-classification" and meta["model-index"][0]["results"]
    assert ModelCard.load(model / "README.md").data.eval_results

    # Rerunning one replaces its own section and leaves the other byte for byte.
    behaviour = _section(card, BEHAVIOUR)
    _bench(model, toy_data["validation"], tmp_path / "b2")
    card = (model / "README.md").read_text(encoding="utf-8")
    assert card.count(BENCH) == 1 and f"`{toy_data['validation']}`" in _section(card, BENCH)
    assert _section(card, BEHAVIOUR) == behaviour
    bench = _section(card, BENCH)
    tests_file.write_text(yaml.safe_dump({**TESTS, "threshold": 0.25}), encoding="utf-8")  # the same file, changed
    _check(model, tests_file)
    card = (model / "README.md").read_text(encoding="utf-8")
    assert card.count(BEHAVIOUR) == 1 and "| 25% |" in _section(card, BEHAVIOUR) and _section(card, BENCH) == bench
    assert len(json.loads((model / "training_summary.json").read_text())["behaviour"]) == 1
    capsys.readouterr()


def test_folders_without_a_record_keep_their_card(model, toy_data, tmp_path, capsys):
    (model / "training_summary.json").unlink()
    (model / "README.md").write_text("# someone else's card\n", encoding="utf-8")
    tests_file = tmp_path / "t.yaml"
    tests_file.write_text(yaml.safe_dump(TESTS), encoding="utf-8")
    _check(model, tests_file)
    assert "card unchanged (no training_summary.json" in capsys.readouterr().out
    # bench --card refuses before measuring anything, in one line, and writes nothing.
    assert main(["bench", str(model), "--data", toy_data["test"], "--backends", "torch", "--output",
                 str(tmp_path / "b"), "--card"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --card: ") and "training_summary.json" in err and "\n" not in err
    assert not (tmp_path / "b").exists()
    assert (model / "README.md").read_text(encoding="utf-8") == "# someone else's card\n"


def test_a_locked_folder_is_refused(model, toy_data, tmp_path, capsys):
    from tests.children import held_by_another_process

    tests_file = tmp_path / "t.yaml"
    tests_file.write_text(yaml.safe_dump(TESTS), encoding="utf-8")
    before = (model / "README.md").read_text(encoding="utf-8")
    with held_by_another_process(model):  # as a training run writing this folder holds it
        assert main(["check", str(model), str(tests_file)]) == 2
    assert "is being written by another run" in capsys.readouterr().err
    assert (model / "README.md").read_text(encoding="utf-8") == before


def _full_disk_at(monkeypatch, fail_at: int) -> list[str]:
    """Every write the update makes (a file opened for writing, a rename) is counted; the ``fail_at``-th raises
    ENOSPC, as a full disk would. Counting writes, not io.py's helpers, keeps this true however io.py does it."""
    import builtins
    import os

    calls, real_open, real_replace = [], builtins.open, os.replace

    def hit(path) -> None:
        calls.append(str(path))
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))

    def open_(file, mode="r", *args, **kwargs):
        if any(c in mode for c in "wax+"):
            hit(file)
        return real_open(file, mode, *args, **kwargs)

    def replace(src, dst, *args, **kwargs):
        hit(dst)
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(os, "replace", replace)
    return calls


def test_a_failed_write_leaves_record_and_card_agreeing(toy_runs, tmp_path, monkeypatch):
    """A full disk at each write of an update leaves record and card both old, or (after the journal is
    replayed, as the next PathLock does) both new; never one of each, and no stray files."""
    from distilkit import io

    source = toy_runs["bert"][0]
    old = {name: (source / name).read_text(encoding="utf-8") for name in ("README.md", "training_summary.json")}
    listing = sorted(p.name for p in source.iterdir())
    dry = shutil.copytree(source, tmp_path / "dry")
    writes = _full_disk_at(monkeypatch, 0)  # a dry run counts the writes of one update
    add_benchmark(dry, RESULT)
    monkeypatch.undo()
    assert len(writes) >= 2, writes
    for fail_at in range(1, len(writes) + 1):
        model = shutil.copytree(source, tmp_path / f"fail-{fail_at}")
        _full_disk_at(monkeypatch, fail_at)
        with pytest.raises(OSError):
            add_benchmark(model, RESULT)
        monkeypatch.undo()
        io.replay_journal(model)
        now = {name: (model / name).read_text(encoding="utf-8") for name in old}
        assert _agree(model), fail_at
        assert now == old or (RunRecord.read(model).benchmark.rows == RESULT["rows"] and BENCH in now["README.md"])
        assert sorted(p.name for p in model.iterdir()) == listing, fail_at
