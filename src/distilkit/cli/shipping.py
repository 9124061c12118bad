"""Commands that vet and ship a trained model: check (behaviour tests), export (ONNX, verified) and bench
(models and backends compared).

Apart from running.py (the commands that run a model on inputs: eval, predict, zero-shot, qa) because these act
on a model folder as a whole and write files that others read (a report, an exported folder, a card section), each
under the lock of what it writes. The registry (``COMMANDS`` in cli/__init__.py) names each command; the libraries
they need are imported inside each function, so that `distilkit --help` starts fast.
"""
from __future__ import annotations

import json

from ..options import BenchOptions, CheckOptions, ExportOptions
from .ranges import feeds


@feeds(CheckOptions)
def check(model: str, tests: str, *, backend: str | None = None, batch_size: int = 32, threads: int | None = None,
          output: str | None = None, failures: int = 3, card: str = "update"):
    """Behaviour tests (after CheckList): minimum-functionality, invariance and directional tests from a YAML file,
    for a QA or classification model. Prints a table per test with failing examples; exit code 1 when a test is
    below its threshold, 2 for a bad tests file.

    Args:
        model: Model folder (or hub id) of the kind the tests file names (task: question-answering, ...).
        tests: The tests file (see tests/behaviour/*.yaml and docs/behaviour-tests.md).
        backend: torch, torch-bf16, onnx, onnx-int8 or auto (auto: the fastest safe one for the folder here;
            default: the folder's own).
        batch_size: Inputs per batch.
        threads: CPU threads for the backend.
        output: JSON report (default: MODEL/behaviour_<tests file name>.json).
        failures: Failing examples shown per test.
        card: 'update': add the results to the model card's "Behaviour tests" section (folders distilkit trained);
            'keep': leave the card as it is.
    """
    from contextlib import nullcontext
    from pathlib import Path

    from ..card import RECORD, CardMode, RunRecord, add_behaviour
    from ..evaluation.behaviour import check as run_check, render_table
    from ..io import PathLock

    mode = CardMode.parse(card, "--card")
    # A folder distilkit trained gets the report in its record and card, under its lock, taken before the
    # report is written into it; any other folder's card is not ours to change. The report itself is written
    # under the lock of where it goes (the model folder by default, else --output): run_check takes that one.
    update = mode is CardMode.UPDATE and (Path(model) / RECORD).is_file()
    if update:
        RunRecord.read(model)  # a corrupt record is refused before the model runs and the report is written
    with PathLock(model, "MODEL") if update else nullcontext():
        report = run_check(model, tests, backend=backend, batch_size=batch_size, threads=threads, output=output,
                           lock=True)
        written = add_behaviour(report["folder"], report) if update else None
    print(render_table(report, failures))
    note = f"; card: {written}" if written else (
        f"; card unchanged (no {RECORD}: distilkit did not train this model)" if mode is CardMode.UPDATE else "")
    print(f"\n{report['passed']} of {report['examples']} examples passed; report: {report['written']}{note}")
    return 0 if report["ok"] else 1


@feeds(ExportOptions)
def export(model: str, backend: str = "onnx-int8", output: str | None = None, data: str | None = None,
           calibration_data: str | None = None, max_drop: float = 1.0, force: bool = False, threads: int | None = None,
           samples: int = 1000):
    """Export a model folder for ONNX Runtime (fp32 or int8), verified against the PyTorch model.

    Args:
        model: Trained model folder (text classifier or extractive QA).
        backend: onnx or onnx-int8.
        output: Folder to write (default: MODEL-BACKEND beside the model); must not exist or be empty.
        data: Labelled data (e.g. the validation split) to verify the export on: metric change and agreement.
        calibration_data: Texts (or questions and contexts) for static int8 quantisation; also verifies agreement.
        max_drop: Refuse the export when the metric drops by more than this many points.
        force: Keep the export even when it drops more than --max-drop.
        threads: CPU threads.
        samples: Verify on at most this many rows of the data.
    """
    from ..deploy import export_model

    print(json.dumps(export_model(model, backend, output, data, calibration_data, max_drop, force, threads, samples),
                     indent=2))


@feeds(BenchOptions)
def bench(models: list[str], *, data: str, backends: list[str] | None = None, threads: int | None = None,
          output: str = "bench-results", card: bool = False, latency_runs: int = 100, batch_size: int = 32,
          max_eval_samples: int | None = None):
    """Compare models and backends: metric, size, parameters, batch-1 latency, batched throughput.

    Args:
        models: Model folders (trained or exported).
        data: Labelled data to score every model on (e.g. the test split).
        backends: Backends to run each model with (default: torch,onnx,onnx-int8; auto: each model's fastest safe one
            here, reported as auto -> NAME).
        threads: CPU threads, the same for every backend.
        output: Folder for bench.json, bench.md and bench.png.
        card: Record the result in each model's run record and card (its Benchmark section, replaced by a later
            bench); every model must be a folder distilkit trained or exported.
        latency_runs: Single-input calls timed per row.
        batch_size: Batch size of the throughput measurement.
        max_eval_samples: Score on a seeded random sample of N rows.
    """
    from ..benchmark import bench_models, markdown, require_records, write_outputs
    from ..io import PathLock

    backends = backends or ["torch", "onnx", "onnx-int8"]
    if card:
        require_records(models)  # before anything is measured
    with PathLock(output, "--output"):  # before anything is measured: a refused run has not spent minutes first
        result = bench_models(models, data, backends, threads, latency_runs, batch_size, max_eval_samples)
        files = write_outputs(result, output, card, models)
    print(markdown(result))
    print(json.dumps(files, indent=2))
