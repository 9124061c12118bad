"""Behaviour tests for trained models, after CheckList (Ribeiro et al., ACL 2020) and contrast sets (Gardner et
al., 2020): minimum-functionality, invariance and directional tests from a YAML file, run through the model's
predictor. ``check(model, tests)`` is what ``distilkit check`` runs.

    spec.py      the tests file: test types, templates and lexicons, checked before any model loads
    perturb.py   perturbations by name (swap_eyes, remove_treatment, lowercase, replace, add_remark, typo)
    subjects.py  what a test asks of each kind of model (QA, classification), by task
    run.py       pass rates, failures and the markdown table
"""
from __future__ import annotations

import contextlib
import json
from pathlib import Path

from ...errors import DistilkitError
from ...io import write_atomic
from ..evaluate import report_lock
from .run import render_table, run_suite
from .spec import BehaviourSuite, BehaviourTest, TestType, load_suite


def check(model: str, tests: str, backend: str | None = None, batch_size: int = 32, threads: int | None = None,
          output: str | None = None, lock: bool = True) -> dict:
    """Run the tests file on a model folder; writes the report as JSON (default MODEL/behaviour_<tests>.json)
    and returns it (``distilkit.card.add_behaviour(report["folder"], report)`` puts it on the card). The file is
    read and checked first, then the model's kind, then the weights are loaded. The report is written atomically,
    under the model folder's lock when it goes into it, else under its own; ``lock=False`` when the caller owns
    the folder alone (training, its staging folder)."""
    from ...inference import load_predictor
    from ...inference.predictors import COMMANDS, task_of

    suite = load_suite(tests)
    found = task_of(model)
    if found != suite.task:
        raise DistilkitError(f"{tests} holds tests for {suite.task} models, but {model} is a {found} model: give "
                             f"a tests file with task: {found} (or check it with `distilkit "
                             f"{COMMANDS.get(found, 'eval')}`)")
    predictor = load_predictor(model, backend, task=suite.task, batch_size=batch_size, threads=threads)
    report = {**run_suite(suite, predictor), "model": str(model), "backend": predictor.backend_name}
    path = Path(output) if output else Path(predictor.folder) / f"behaviour_{Path(tests).stem}.json"
    with report_lock(path, predictor.folder) if lock else contextlib.nullcontext():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    report["written"], report["folder"] = str(path), str(predictor.folder)
    return report


__all__ = ["BehaviourSuite", "BehaviourTest", "TestType", "check", "load_suite", "render_table", "run_suite"]
