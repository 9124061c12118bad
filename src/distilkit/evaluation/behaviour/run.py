"""Run a behaviour suite through a predictor and report each test's pass rate and failures.

All inputs of a test (before and after its perturbation) go through the predictor in one call, so the
batching loop sorts them by length as for any other prediction. An example passes when every input of it
does: a both-eye note passes the eye-swap test only when both eyes are answered right before the swap and
after it.
"""
from __future__ import annotations

from .spec import BehaviourSuite, BehaviourTest, TestType
from .subjects import get_subject, matches

SHOWN_FAILURES = 3


def _short(inputs: list[dict[str, str]]) -> str:
    first = inputs[0]
    text = " | ".join(f"{k}: {v}" for k, v in first.items())
    return text + (f" (+{len(inputs) - 1} more)" if len(inputs) > 1 else "")


def _scores(key: str, outputs: list) -> dict:
    """The model's confidence in each output, where its subject records one (QA answers): {key: [...]}."""
    scores = [getattr(o, "score", None) for o in outputs]
    return {key: scores} if any(s is not None for s in scores) else {}


def run_test(test: BehaviourTest, subject, predictor) -> dict:
    # Each example's perturbed inputs, made once: they are predicted and, on a failure, shown.
    perturbed = [] if test.type is TestType.MFT else [test.perturbed(ex.inputs, n) for n, ex in enumerate(test.examples)]
    before_inputs = [i for ex in test.examples for i in ex.inputs]
    outputs = subject.outputs(predictor, before_inputs + [i for inputs in perturbed for i in inputs])
    before, after = outputs[:len(before_inputs)], outputs[len(before_inputs):]
    passed, failures, at = 0, [], 0
    for n, ex in enumerate(test.examples):
        k = len(ex.inputs)
        got, got_after = before[at:at + k], after[at:at + k]
        at += k
        ok = ex.expected is None or all(matches(g, e) for g, e in zip(got, ex.expected))
        if test.type is TestType.INV:
            ok = ok and got == got_after
        elif test.type is TestType.DIR:
            ok = ok and all(matches(g, e) for g, e in zip(got_after, ex.after))
        passed += ok
        if not ok:
            failures.append({"input": _short(ex.inputs), "expected": [str(e) for e in ex.expected or []],
                             "got": got, **_scores("got_scores", got),
                             **({"perturbed": _short(perturbed[n]), "got_after": got_after,
                                 "expected_after": [str(e) for e in ex.after or []],
                                 **_scores("got_after_scores", got_after)} if perturbed else {}),
                             "source": ex.source})
    total = len(test.examples)
    rate = passed / total
    return {"name": test.name, "type": test.type.value, "perturbation": test.perturbation, "examples": total,
            "passed": passed, "pass_rate": round(rate, 4), "threshold": test.threshold,
            "ok": rate >= test.threshold, "failures": failures}


def run_suite(suite: BehaviourSuite, predictor) -> dict:
    """{'tests': [per-test results], 'ok': every test at or above its threshold}."""
    subject = get_subject(suite.task, suite.source)
    for test in suite.tests:
        subject.validate(test.examples, predictor, f"test '{test.name}'")
    results = [run_test(t, subject, predictor) for t in suite.tests]
    return {"tests_file": suite.source, "task": suite.task, "tests": results, "ok": all(r["ok"] for r in results),
            "examples": sum(r["examples"] for r in results), "passed": sum(r["passed"] for r in results)}


def render_table(report: dict, failures: int = SHOWN_FAILURES) -> str:
    """The report as markdown: one row per test, then up to ``failures`` failing examples of each test."""
    cell = lambda s: " ".join(str(s).split()).replace("|", "\\|")  # noqa: E731
    lines = ["| test | type | examples | passed | pass rate | needed | result |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {cell(r['name'])} | {r['type']}{' (' + r['perturbation'] + ')' if r['perturbation'] else ''} | "
              f"{r['examples']} | {r['passed']} | {r['pass_rate']:.2%} | {r['threshold']:.0%} | "
              f"{'pass' if r['ok'] else '**FAIL**'} |" for r in report["tests"]]
    for r in report["tests"]:
        if r["failures"] and failures:
            lines += ["", f"Failures of '{r['name']}' ({len(r['failures'])}; first {min(failures, len(r['failures']))}):"]
            for f in r["failures"][:failures]:
                after = (f"; perturbed `{cell(f['perturbed'])}` gave {f['got_after']}, expected "
                         f"{f['expected_after'] or 'the same'}") if "perturbed" in f else ""
                lines.append(f"- `{cell(f['input'])}` gave {f['got']}, expected {f['expected'] or 'any'}{after}")
    return "\n".join(lines)
