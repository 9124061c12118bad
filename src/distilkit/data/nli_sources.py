"""What `distilkit make-nli-data` is given: one ``NliSource`` per labelled data set (its source, columns,
hypothesis template or per-class descriptions, caps), built from the command's flags (``parse_sources``) or a YAML
spec file (``load_spec``), each checked as it is built so that a bad setting fails before anything is read.

Apart from the conversion (``to_nli.py``, which re-exports every name here) because these are the user-facing
inputs, read and refused in the user's words, while the conversion only reads data; the command (cli/training.py)
builds its sources here and hands them over.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from pathlib import Path

from ..bounds import check_bounds, like
from ..errors import DistilkitError
from ..options import NliDataOptions

DEFAULT_TEMPLATE = "This example is {}."  # transformers' zero-shot pipeline's default, and `distilkit zero-shot`'s
NAME = re.compile(r"[A-Za-z0-9_.-]+")


@dataclass
class NliSource:
    """One labelled data set to convert. Caps and negatives left at None take the run's (``NliDataOptions``)."""

    name: str
    """The data set's name: the ``dataset`` column of its pairs, and its name in the manifest and the card."""
    source: str | list[str]
    """A data source as `distilkit train --train` takes it (a list is joined)."""
    hypothesis_template: str = DEFAULT_TEMPLATE
    """The hypothesis; '{}' marks where a class's description goes."""
    labels: dict[str, str] | None = None
    """Class name -> the words put in the template (default: the class name itself)."""
    hypotheses: dict[str, str] | None = None
    """Class name -> a whole hypothesis sentence of its own, instead of the template."""
    text_column: str = "text"
    """Column holding the text (the premise)."""
    label_column: str = "label"
    """Column holding the class."""
    label_names: list[str] | None = None
    """Names of integer labels 0, 1, ... in id order."""
    drop_labels: list[str] | None = None
    """Classes left out (no pairs, neither true nor false)."""
    negatives: int | None = like(NliDataOptions, "negatives", None)
    """False hypotheses per row (None: the run's)."""
    max_per_class: int | None = like(NliDataOptions, "max_per_class", None)
    """Rows per class (None: the run's)."""
    max_per_dataset: int | None = like(NliDataOptions, "max_per_dataset", None)
    """Rows of this data set (None: the run's)."""

    def __post_init__(self):
        where = f"data set '{self.name}'"
        if not isinstance(self.name, str) or not NAME.fullmatch(self.name):
            raise DistilkitError(f"data set name {self.name!r}: use letters, digits, '_', '-' or '.' (it names the "
                                 "data set in every pair and on the card)")
        if isinstance(self.source, str):
            self.source = [self.source]
        if not self.source or not all(isinstance(s, str) and s.strip() for s in self.source):
            raise DistilkitError(f"{where}: no source: give a file (or a list of files) to read")
        self.hypothesis_template = check_template(self.hypothesis_template, f"{where}: hypothesis_template")
        self.labels = _label_dict(self.labels, f"{where}: labels")
        self.hypotheses = _label_dict(self.hypotheses, f"{where}: hypotheses")
        both = sorted(set(self.labels or {}) & set(self.hypotheses or {}))
        if both:
            raise DistilkitError(f"{where}: class '{both[0]}' has both a description (labels) and a whole hypothesis "
                                 "(hypotheses): give it one of them")
        if self.label_names is not None and not (isinstance(self.label_names, list) and self.label_names):
            raise DistilkitError(f"{where}: label_names must be a list of names, e.g. [anger, joy, optimism, sadness]")
        self.label_names = None if self.label_names is None else [str(n) for n in self.label_names]
        self.drop_labels = [str(x) for x in (self.drop_labels or [])]
        check_bounds(self, f"{where}: ")

    def resolved(self, options: NliDataOptions) -> dict:
        """negatives and caps: this data set's own, else the run's."""
        return {key: getattr(options, key) if getattr(self, key) is None else getattr(self, key)
                for key in ("negatives", "max_per_class", "max_per_dataset")}


def check_template(template, where: str = "--hypothesis-template") -> str:
    if not isinstance(template, str) or template.count("{}") != 1:
        raise DistilkitError(f"{where}: '{template}' must hold '{{}}' exactly once, where a class's description goes, "
                             "e.g. 'This example tweet expresses the emotion: {}.'")
    return template


def _label_dict(value, where: str) -> dict[str, str] | None:
    """{class: text} from a mapping or a list of 'NAME=WORDS' strings; empty names or texts, repeats refused."""
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if isinstance(value, dict):
        items = [(str(k).strip(), "" if v is None else str(v).strip()) for k, v in value.items()]
    elif isinstance(value, list):
        items = []
        for entry in value:
            name, sep, words = str(entry).partition("=")
            if not sep:
                raise DistilkitError(f"{where}: '{entry}' is not NAME=WORDS: write each as class=description, "
                                     "e.g. joy=happiness")
            items.append((name.strip(), words.strip()))
    else:
        raise DistilkitError(f"{where}: give a mapping of class to text, or NAME=WORDS items")
    names = [n for n, _ in items]
    empty = [n for n, w in items if not n or not w]
    if empty:
        raise DistilkitError(f"{where}: an empty class or text ('{empty[0]}'): give both, as NAME=WORDS")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise DistilkitError(f"{where}: class '{repeated[0]}' is given twice: give each class once")
    return dict(items)


SPEC_KEYS = {f.name for f in dataclasses.fields(NliSource)} - {"name"}


def load_spec(path: str | Path) -> list[NliSource]:
    """The data sets of a YAML spec file::

        datasets:
          emotion:
            source: ../shared/data/emotion/train.txt        # or a list of sources, joined
            hypothesis_template: "This example tweet expresses the emotion: {}."
            labels: {joy: joy, sadness: sadness}            # or [joy=joy, ...]; other classes: their own name
            hypotheses: {others: "This example tweet expresses none of these emotions."}
            text_column: text                                # the defaults: text, label
            label_column: label
            label_names: [anger, joy, optimism, sadness]     # integer labels 0, 1, ...
            drop_labels: [oos]
            max_per_class: 300                               # negatives, max_per_class, max_per_dataset: the
                                                             # command's flags unless set here

    The run's numbers (seed, negatives, caps) come from the command's flags."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise DistilkitError(f"--spec: {path} not found: check the path")
    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DistilkitError(f"--spec: {path} is not valid YAML ({str(exc).splitlines()[0]}): fix the file") from None
    if not isinstance(spec, dict) or set(spec) != {"datasets"} or not isinstance(spec["datasets"], dict) \
            or not spec["datasets"]:
        raise DistilkitError(f"--spec: {path} must hold one key, datasets: a mapping of data set name to its source "
                             "and settings (see `distilkit make-nli-data --help`)")
    datasets = []
    for name, settings in spec["datasets"].items():
        if isinstance(settings, str):
            settings = {"source": settings}
        if not isinstance(settings, dict) or "source" not in settings:
            raise DistilkitError(f"--spec: data set '{name}' needs a source: write {name}: {{source: FILE}}")
        unknown = sorted(set(settings) - SPEC_KEYS)
        if unknown:
            raise DistilkitError(f"--spec: data set '{name}': unknown setting '{unknown[0]}' (known: "
                                 f"{', '.join(sorted(SPEC_KEYS))})")
        datasets.append(NliSource(name=str(name), **settings))
    return datasets


def parse_sources(items: list[str]) -> dict[str, list[str]]:
    """'NAME=SOURCE' items -> {name: [sources]}, in order (a name given again adds a source to that data set)."""
    found: dict[str, list[str]] = {}
    for item in items:
        name, sep, source = item.partition("=")
        if not sep or not name.strip() or not source.strip():
            raise DistilkitError(f"--source '{item}': write NAME=SOURCE, e.g. emotion=../shared/data/emotion/train.txt")
        found.setdefault(name.strip(), []).append(source.strip())
    return found
