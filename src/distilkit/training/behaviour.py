"""The recipe's behaviour tests (data.behaviour_tests), run on the finished model before it is published.

Here rather than in the CLI so that ``distilkit.train(cfg)`` from Python documents the same model as
``distilkit train``. The files are read before training: a bad one stops the run before any work is done."""
from __future__ import annotations

from pathlib import Path

from ..config import RunConfig
from ..errors import DistilkitError


def load_suites(cfg: RunConfig) -> list:
    """Every tests file of the recipe, parsed and checked against the recipe's task."""
    from ..evaluation.behaviour import load_suite

    suites = [load_suite(path) for path in cfg.data.behaviour_tests or []]
    for suite in suites:
        if suite.task != cfg.task:
            raise DistilkitError(f"data.behaviour_tests: {suite.source} holds tests for {suite.task} models, but "
                                 f"this recipe trains a {cfg.task} model: give a tests file with task: {cfg.task}")
    return suites


def run_suites(folder: Path, suites: list) -> tuple[list[dict], dict[str, str]]:
    """Run each suite on the model in ``folder`` (the run's staging folder: the results are part of the
    finished folder from the start, not added to it after it is published). Returns the reports and
    'N of M passed' per file."""
    if not suites:
        return [], {}
    from ..evaluation.behaviour import check

    reports, results = [], {}
    for suite in suites:
        report = check(str(folder), suite.source, lock=False)  # the run's own staging folder
        reports.append(report)
        results[suite.source] = f"{report['passed']} of {report['examples']} passed" + (
            "" if report["ok"] else " (below threshold: see the card)")
    return reports, results
