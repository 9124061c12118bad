"""The recipe's behaviour tests (data.behaviour_tests), run on the finished model onto its card.

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


def run_suites(out: Path, suites: list) -> dict[str, str]:
    """Run each suite on the model in ``out``, add its section to the card; returns 'N of M passed' per file."""
    if not suites:
        return {}
    from ..card import add_behaviour
    from ..evaluation.behaviour import check

    results = {}
    for suite in suites:
        report = check(str(out), suite.source)
        add_behaviour(out, report)
        results[suite.source] = f"{report['passed']} of {report['examples']} passed" + (
            "" if report["ok"] else " (below threshold: see the card)")
    return results
