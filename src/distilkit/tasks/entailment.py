"""Which output of an NLI classifier means entailment and which contradiction, read from its label names;
and the checks on zero-shot labels and hypothesis templates (light: the CLI checks arguments with them).

Zero-shot classification (``inference.predictors.zero_shot``) and the card of an NLI model both need it.
transformers' zero-shot pipeline looks for a label starting with 'entail' and silently uses the last logit
when there is none (cardiffnlp/xlm-t#3); here a model whose names do not say which is which is refused.
"""
from __future__ import annotations

from ..errors import DistilkitError

DEFAULT_TEMPLATE = "This example is {}."


def _norm(name) -> str:
    return str(name).lower().replace("-", "_").replace(" ", "_")


def nli_ids(id2label: dict, model: str) -> tuple[int, int]:
    """(entailment id, the id scored against it): contradiction on a three-way head; on a two-way head
    (entailment / not_entailment: RTE-style models, and universal classifiers trained on `make-nli-data` pairs
    as Laurer et al.'s are) 'not_entailment' (or HANS' 'non-entailment') stands in for contradiction, so that
    multi-label zero-shot is the softmax over (not_entailment, entailment) of each label's pair, P(entailment)."""
    names = {int(i): _norm(n) for i, n in id2label.items()}
    entail = [i for i, n in names.items() if n.startswith("entail")]
    contra = [i for i, n in names.items() if n.startswith("contradict")] or \
             [i for i, n in names.items() if n.startswith(("not_entail", "non_entail"))]
    if len(entail) != 1 or len(contra) != 1:
        shown = ", ".join(f"{i}={id2label[i]}" for i in sorted(id2label, key=int))
        raise DistilkitError(f"{model}: its labels ({shown}) do not name exactly one 'entailment' and one "
                             "'contradiction' (or 'not_entailment') label, so zero-shot cannot tell which logit means "
                             "what: use an NLI model, or fix id2label in its config.json")
    return entail[0], contra[0]


def is_nli(names: list[str]) -> bool:
    try:
        nli_ids(dict(enumerate(names)), "")
        return True
    except DistilkitError:
        return False


def check_template(template: str) -> str:
    if not isinstance(template, str) or template.count("{}") != 1:
        raise DistilkitError(f"--hypothesis-template: '{template}' must hold '{{}}' exactly once, where the label "
                             "goes, e.g. 'This example is {}.'")
    return template


def parse_labels(labels, where: str = "--labels") -> dict[str, str]:
    """Candidate labels as {name: verbalisation}: a dict, or a list of 'name' / 'name=words' strings
    (the CLI also splits 'a,b,c'). Empty and duplicate names are refused."""
    if isinstance(labels, dict):
        items = [(str(k).strip(), str(v).strip()) for k, v in labels.items()]
    else:
        if isinstance(labels, str):
            labels = [labels]
        items = []
        for entry in labels or []:
            if not isinstance(entry, str):
                raise DistilkitError(f"{where}: {entry!r} is not a label name: give label names as text")
            name, _, words = entry.partition("=")
            items.append((name.strip(), (words or name).strip()))
    if not items:
        raise DistilkitError(f"{where}: no labels: give the candidate labels, e.g. --labels sports,politics,tech")
    names = [n for n, _ in items]
    if any(not n or not w for n, w in items):
        raise DistilkitError(f"{where}: an empty label in {names}: remove it (or a stray comma)")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DistilkitError(f"{where}: label '{repeated[0]}' is given twice: give each label once")
    return dict(items)
