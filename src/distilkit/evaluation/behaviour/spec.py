"""A behaviour-tests file, read and checked before any model runs (after CheckList, Ribeiro et al. 2020).

    task: question-answering          # or text-classification: the kind of model the tests are for
    threshold: 0.99                   # pass rate each test needs (a test may set its own)
    lexicons: {drug: [eylea, lucentis, avastin]}
    tests:
      - name: drug of each eye
        type: mft                     # minimum functionality: input -> expected output
        examples: [{context: "l) eylea r) avastin", questions: {"What is the drug used on the left eye?": eylea}}]
      - name: capitalisation
        type: inv                     # invariance: the perturbation must not change the output
        perturbation: lowercase       # or {name: replace, field: question, map: {"drug used on": "drug given to"}}
        template: {context: "l) {a} 4/52 rev", questions: {"What is the drug used on the left eye?": "{a}"}}
        fill: {a: "@drug"}            # a list, or @LEXICON
      - name: eye swap
        type: dir                     # directional: the output must change as 'after' states
        perturbation: swap_eyes
        template: {context: "l) {a} r) {b}", questions: {...: "{a}", ...: "{b}"}, after: {...: "{b}", ...: "{a}"}}
        fill: {a: "@drug", b: "@drug"}
        distinct: [[a, b]]            # placeholders that must differ (ignoring case)
        limit: 100                    # each template expands to at most this many examples (seeded sample)

Every mistake is one line naming the test and the fix (a DistilkitError): the file does not parse, a test type
or perturbation is unknown, a placeholder has no fill, or a perturbation leaves an example unchanged.
"""
from __future__ import annotations

import itertools
import random
import dataclasses
from dataclasses import dataclass
from pathlib import Path

from ...config import Choice
from ...errors import DistilkitError
from .perturb import get_perturbation
from .subjects import Example, get_subject


class TestType(Choice):
    __test__ = False  # not a pytest class
    MFT = "mft"  # minimum functionality: each input gives its expected output
    INV = "inv"  # invariance: the perturbed input gives the same output as the original
    DIR = "dir"  # directional: the perturbed input gives the output stated in 'after'


@dataclass
class BehaviourTest:
    __test__ = False
    name: str
    """Shown in the report and in every error about this test."""
    type: TestType
    """mft, inv or dir."""
    examples: list[Example]
    """Written out and expanded from templates, in file order."""
    threshold: float
    """Pass rate (passed examples / examples) the test needs."""
    perturbation: str | None = None
    """Registry name (inv and dir tests)."""
    field: str | None = None
    """Input field the perturbation changes."""
    args: dict = dataclasses.field(default_factory=dict)
    """Keyword arguments of the perturbation."""

    def perturbed(self, inputs: list[dict[str, str]], seed: int) -> list[dict[str, str]]:
        """The inputs of one example with the perturbation applied (``seed``: the example's index, so a drawn
        remark or typo is the same in every run)."""
        fn, rng = get_perturbation(self.perturbation, self.name), random.Random(seed)
        return [{**i, self.field: fn(i[self.field], rng, **self.args)} for i in inputs]


@dataclass
class BehaviourSuite:
    task: str
    """The predictor task the tests are for (question-answering, text-classification)."""
    tests: list[BehaviourTest]
    source: str = ""
    """The tests file."""


def _fill(value, values: dict, where: str):
    """A template value with its {placeholders} filled, through lists and dicts (keys too)."""
    if isinstance(value, str):
        try:
            return value.format_map(values)
        except KeyError as exc:
            raise DistilkitError(f"{where}: placeholder {{{exc.args[0]}}} has no entry in 'fill': add "
                                 f"fill: {{{exc.args[0]}: [...]}}") from None
        except (ValueError, IndexError) as exc:
            raise DistilkitError(f"{where}: bad template text {value!r} ({exc}): write {{{{ and }}}} for literal "
                                 "braces") from None
    if isinstance(value, dict):
        return {_fill(k, values, where): _fill(v, values, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values, where) for v in value]
    return value


def _combos(fill: dict[str, list], distinct: list[list[str]], limit: int, rng: random.Random) -> list[dict]:
    """Fill values for a template: every combination when there are few, else a seeded sample of them."""
    names = list(fill)
    ok = lambda c: all(len({c[n].lower() for n in group}) == len(group) for group in distinct)  # noqa: E731
    total = 1
    for values in fill.values():
        total *= len(values)
    if total <= 20 * limit:
        combos = [c for c in (dict(zip(names, p)) for p in itertools.product(*fill.values())) if ok(c)]
        return combos if len(combos) <= limit else rng.sample(combos, limit)
    seen, out = set(), []
    for _ in range(50 * limit):
        c = {n: rng.choice(fill[n]) for n in names}
        key = tuple(c.values())
        if ok(c) and key not in seen:
            seen.add(key)
            out.append(c)
            if len(out) == limit:
                break
    return out


def _expand(raw: dict, where: str, lexicons: dict, seed: int) -> list[tuple[dict, str]]:
    """(example as written, where it came from) for the test's examples and its templates' expansions."""
    out = [(ex, f"examples[{i}]") for i, ex in enumerate(raw.get("examples") or [])]
    templates = raw.get("template")
    templates = [templates] if isinstance(templates, dict) else (templates or [])
    fill = {}
    for name, values in (raw.get("fill") or {}).items():
        if isinstance(values, str) and values.startswith("@"):
            if values[1:] not in lexicons:
                raise DistilkitError(f"{where}: fill {name}: lexicon '{values[1:]}' is not defined: add it under "
                                     f"lexicons: at the top of the file (defined: {', '.join(lexicons) or 'none'})")
            values = lexicons[values[1:]]
        if not isinstance(values, list) or not values:
            raise DistilkitError(f"{where}: fill {name}: give a non-empty list of values or @LEXICON")
        fill[name] = [str(v) for v in values]
    distinct = raw.get("distinct") or []
    if any(n not in fill for group in distinct for n in group):
        raise DistilkitError(f"{where}: 'distinct' names a placeholder that is not in 'fill'")
    rng = random.Random(f"{seed}:{raw.get('name')}")
    for t, template in enumerate(templates):
        for combo in _combos(fill, distinct, int(raw.get("limit", 100)), rng):
            out.append((_fill(template, combo, f"{where} template {t}"), f"template {t} with {combo}"))
    if not out:
        raise DistilkitError(f"{where}: no examples: give 'examples' or a 'template' with 'fill'")
    return out


def parse_test(raw: dict, index: int, subject, lexicons: dict, threshold: float, seed: int) -> BehaviourTest:
    if not isinstance(raw, dict) or not raw.get("name"):
        raise DistilkitError(f"tests[{index}]: every test needs a name: and a type: (mft, inv or dir)")
    where = f"test '{raw['name']}'"
    kind = TestType.parse(raw.get("type"), f"{where}: type")
    test = BehaviourTest(raw["name"], kind, [], float(raw.get("threshold", threshold)))
    if not 0.0 <= test.threshold <= 1.0:
        raise DistilkitError(f"{where}: threshold {test.threshold} must be a pass rate in [0, 1]")
    if kind is not TestType.MFT:
        spec = raw.get("perturbation")
        if spec is None:
            raise DistilkitError(f"{where}: a {kind.value} test needs a perturbation: (e.g. lowercase, swap_eyes)")
        spec = {"name": spec} if isinstance(spec, str) else dict(spec)
        test.perturbation = str(spec.pop("name", ""))
        get_perturbation(test.perturbation, where)
        test.field = spec.pop("field", subject.fields[0])
        if test.field not in subject.fields:
            raise DistilkitError(f"{where}: field '{test.field}' is not an input of {subject.task} models; "
                                 f"use one of: {', '.join(subject.fields)}")
        test.args = spec
    for i, (ex, source) in enumerate(_expand(raw, where, lexicons, seed)):
        example = subject.parse(ex, f"{where}, {source}", kind is TestType.DIR)
        example.source = source
        if kind is TestType.MFT and example.expected is None:
            raise DistilkitError(f"{where}, {source}: a minimum-functionality example needs its expected output")
        if kind is not TestType.MFT:
            try:
                changed = test.perturbed(example.inputs, i)
            except TypeError as exc:
                raise DistilkitError(f"{where}: perturbation '{test.perturbation}' arguments: {exc}") from None
            if changed == example.inputs:
                raise DistilkitError(f"{where}, {source}: perturbation '{test.perturbation}' leaves this example "
                                     f"unchanged: change the example or the perturbation's arguments")
        test.examples.append(example)
    return test


def load_suite(path: str) -> BehaviourSuite:
    """Read and check a tests file; every error names the test and the fix."""
    import yaml

    p = Path(path)
    if not p.is_file():
        raise DistilkitError(f"{path}: tests file not found")
    try:
        raw = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" at line {mark.line + 1}" if mark else ""
        raise DistilkitError(f"{path}: not valid YAML{line} ({getattr(exc, 'problem', exc)}): fix the file") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("tests"), list) or "task" not in raw:
        raise DistilkitError(f"{path}: a tests file is a mapping with task: and a list under tests:")
    subject = get_subject(str(raw["task"]), path)
    lexicons = {k: [str(v) for v in vs] for k, vs in (raw.get("lexicons") or {}).items()}
    threshold, seed = float(raw.get("threshold", 0.99)), int(raw.get("seed", 0))
    tests = [parse_test(t, i, subject, lexicons, threshold, seed) for i, t in enumerate(raw["tests"])]
    names = [t.name for t in tests]
    if len(set(names)) != len(names):
        raise DistilkitError(f"{path}: test names must differ ('{next(n for n in names if names.count(n) > 1)}' "
                             "is used twice)")
    return BehaviourSuite(subject.task, tests, str(path))
