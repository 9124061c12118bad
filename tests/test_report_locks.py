"""The commands that write reports others may read (eval, check, bench, distill --search, check-qa --output)
take the lock of where they write before touching it: while another process holds that lock, each exits 2
with one line naming the flag that chose the target, and changes nothing. (A lock is re-entrant within one
process, so the holder here is always a forked child: tests.children.held_by_another_process.)"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from distilkit.cli import main
from tests.conftest import make_qa_rows, tiny_config, write_jsonl
from tests.children import held_by_another_process


def files(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` and its bytes (the lock files beside a target are not under it)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def refused(capsys, argv: list[str], flag: str) -> str:
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in err and "Traceback" not in err, err
    assert "is being written by another run" in err and f"choose another {flag}" in err, err
    return err


def copy(folder, to: Path) -> Path:
    shutil.copytree(folder, to)  # the session's fixture folders stay as they are
    return to


def test_eval_writes_its_report_only_under_the_lock_of_where_it_goes(toy_runs, toy_data, tmp_path, capsys):
    model = copy(toy_runs["distilbert"][0], tmp_path / "model")
    before = files(tmp_path)
    with held_by_another_process(model):  # the default report goes into the model folder
        refused(capsys, ["eval", str(model), "--data", toy_data["test"]], "MODEL")
    assert files(tmp_path) == before
    report = tmp_path / "reports" / "e.json"
    with held_by_another_process(report):  # --output elsewhere: that file's own lock
        refused(capsys, ["eval", str(model), "--data", toy_data["test"], "--output", str(report)], "--output")
    assert files(tmp_path) == before and not report.exists()
    assert main(["eval", str(model), "--data", toy_data["test"]]) == 0  # free again: written
    assert json.loads((model / "eval_test.json").read_text())["examples"] == 40
    assert (model / "eval_test.png").is_file() and not list(model.glob(".*distilkit-tmp*"))
    capsys.readouterr()


def test_qa_eval_writes_its_errors_file_under_the_lock(qa_runs, qa_data, tmp_path, capsys):
    model = copy(qa_runs["bert"][0], tmp_path / "model")
    before = files(tmp_path)
    with held_by_another_process(model):
        refused(capsys, ["eval", str(model), "--data", qa_data["test"]], "MODEL")
    assert files(tmp_path) == before
    assert main(["eval", str(model), "--data", qa_data["test"]]) == 0
    summary = json.loads((model / "eval_test.json").read_text())
    errors = (model / "eval_test_errors.jsonl").read_text().splitlines()
    assert summary["wrong"] == len(errors)
    capsys.readouterr()


def test_check_writes_its_report_under_the_lock_of_where_it_goes(qa_runs, tmp_path, capsys):
    from tests.evaluation.test_behaviour import QA_TESTS, write_tests

    model = copy(qa_runs["distilbert"][0], tmp_path / "model")
    tests = write_tests(tmp_path, QA_TESTS)
    before = files(tmp_path)
    with held_by_another_process(model):
        refused(capsys, ["check", str(model), tests], "MODEL")  # the card is updated: refused before it runs
        # With the card kept, the report still goes into the model folder by default: its lock all the same.
        refused(capsys, ["check", str(model), tests, "--card", "keep"], "MODEL")
    report = tmp_path / "out" / "behaviour.json"
    with held_by_another_process(report):
        refused(capsys, ["check", str(model), tests, "--card", "keep", "--output", str(report)], "--output")
    assert files(tmp_path) == before and not report.exists()


def test_bench_is_refused_before_it_measures(toy_runs, toy_data, tmp_path, capsys):
    out = tmp_path / "bench"
    out.mkdir()
    (out / "bench.json").write_text("{}")  # an earlier result, being read or written by someone else
    before = files(tmp_path)
    with held_by_another_process(out):
        refused(capsys, ["bench", str(toy_runs["bert"][0]), "--data", toy_data["test"], "--backends", "torch",
                         "--latency-runs", "2", "--output", str(out)], "--output")
    assert files(tmp_path) == before


def test_distill_search_is_refused_before_any_trial(toy_runs, tiny_distilbert, toy_data, tmp_path, capsys):
    from distilkit.config import DistillConfig

    out = tmp_path / "search"
    cfg = tiny_config(tiny_distilbert, toy_data, out)
    cfg.distill = DistillConfig(teacher=str(toy_runs["bert"][0]), cache_dir=str(tmp_path / "cache"))
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(cfg.to_dict()))
    before = files(tmp_path)
    with held_by_another_process(out):
        refused(capsys, ["distill", str(recipe), "--search", "alpha", "--trials", "1"], "--output-dir")
    assert files(tmp_path) == before and not out.exists()


def test_check_qa_output_is_written_whole_under_its_lock(tmp_path, capsys):
    data = write_jsonl(tmp_path / "qa.jsonl", make_qa_rows(12, 7))
    output = tmp_path / "fixed.jsonl"
    output.write_text("the file a training run is reading\n")
    before = files(tmp_path)
    with held_by_another_process(output):
        refused(capsys, ["check-qa", str(data), "--fix-offsets", "--output", str(output)], "--output")
    assert files(tmp_path) == before
    assert main(["check-qa", str(data), "--fix-offsets", "--output", str(output)]) == 0
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == [f"q7-{i}" for i in range(12)]
    assert json.loads(capsys.readouterr().out)["written"]["examples"] == 12
