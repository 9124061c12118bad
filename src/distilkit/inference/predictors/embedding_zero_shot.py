"""Zero-shot classification by sentence embeddings: the 'embedding' method.

A text's score for a label comes from the cosine between the text's embedding and the label's: the mean of the
unit-length embeddings of the label's descriptions, each put through the hypothesis template, scaled back to unit
length. A label is 'name' or 'name=description|description|...' (``joy=joy|happiness|delight``). A text costs one
forward pass whatever the number of labels (NLI needs one per text and label), and a label set's embeddings are
computed once per template and kept (the ``LABEL_CACHE`` most recently used sets).

Cosines become scores through the label set's calibration (``inference.calibration``): softmax over the labels
(single-label), or per label a sigmoid around its threshold (multi-label, and a lone label). ``calibrate`` fits one
to a few labelled rows; it is kept in memory with its label set and template for the predictor's life, reported by
``metadata()`` and written beside batch outputs (``OUTPUT.meta.json``), never into the model folder.
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ...errors import DistilkitError
from ...tasks.entailment import check_template, parse_labels
from ..calibration import DEFAULT_TEMPERATURE, DEFAULT_THRESHOLD, Calibration, fit, scores
from ..pooling import resolve, unit
from ..settings import ModelSettings
from .embed import Embedder
from .zero_shot_base import NO_LABELS, Scored, ZeroShotBase

LABEL_CACHE = 256
"""Label sets (with their template) whose embeddings are kept; the least recently used goes first."""


def descriptions(name: str, words: str, where: str = "labels") -> tuple[str, ...]:
    """A label's descriptions: its words split at '|', each once; an empty one is an error."""
    parts = [p.strip() for p in words.split("|")]
    if not all(parts):
        raise DistilkitError(f"{where}: label '{name}' has an empty description in '{words}': remove the stray '|'")
    return tuple(dict.fromkeys(parts))


class EmbeddingZeroShot(ZeroShotBase, Embedder):
    """A sentence-embedding folder (MiniLM, mpnet, any encoder with ``pooling=``) as a zero-shot classifier.

    >>> zsc = EmbeddingZeroShot("minilm-l6", labels=["joy=joy|happiness", "sadness=sadness|grief"])
    >>> zsc.predict(["what a lovely day"])
    [{'sequence': 'what a lovely day', 'labels': ['joy', 'sadness'], 'scores': [0.93, 0.07]}]
    >>> zsc.calibrate([("i cried all night", "sadness"), ("best day ever", "joy")])
    """

    method = "embedding"
    model_tasks = ("feature-extraction",)

    def __init__(self, model: str, backend: str | None = None, temperature: float = DEFAULT_TEMPERATURE, **kwargs):
        """``temperature``: τ of label sets not calibrated (``inference.calibration``). Keywords: ``labels``,
        ``hypothesis_template``, ``multi_label`` (``ZeroShotBase``), ``pooling``, ``normalize`` (``Embedder``) and
        the ``Predictor``'s."""
        if not isinstance(temperature, (int, float)) or not 0 < temperature <= 100:
            raise DistilkitError(f"temperature {temperature!r}: give a number above 0 and at most 100 (default "
                                 f"{DEFAULT_TEMPERATURE})")
        self.default = Calibration(float(temperature))
        self.calibrations: dict[tuple, Calibration] = {}  # fitted ones, by (template, label set, multi-label)
        self.label_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()  # unit label embeddings, by (template, set)
        super().__init__(model, backend, **kwargs)

    @classmethod
    def unfit(cls, folder, task: str, config, options: dict) -> str | None:
        why = super().unfit(folder, task, config, options)
        if why is None:
            try:
                resolve(folder, ModelSettings.read(folder), options.get("pooling"), options.get("normalize"))
            except DistilkitError as exc:
                return str(exc)
        return why

    @classmethod
    def label_set(cls, labels, where: str = "labels") -> dict[str, str]:
        found = parse_labels(labels, where)
        for name, words in found.items():
            descriptions(name, words, where)
        return found

    def passes_per_text(self, labels: int) -> int:
        return 1

    def label_vectors(self, labels: dict[str, str], template: str) -> np.ndarray:
        """[labels, dimension] unit label embeddings, from the cache when this set was embedded before."""
        key = (template, tuple(labels.items()))
        if key in self.label_cache:
            self.label_cache.move_to_end(key)
            return self.label_cache[key]
        per_label = [descriptions(name, words) for name, words in labels.items()]
        texts = list(dict.fromkeys(template.format(d) for ds in per_label for d in ds))
        where = {t: i for i, t in enumerate(texts)}
        vectors = unit(self.embed(texts, normalize=False))  # unit first: each description weighs the same
        matrix = unit(np.stack([vectors[[where[template.format(d)] for d in ds]].mean(0) for ds in per_label]))
        self.label_cache[key] = matrix
        if len(self.label_cache) > LABEL_CACHE:
            self.label_cache.popitem(last=False)
        return matrix

    def cosines(self, texts: list[str], sets: list[dict[str, str]], template: str,
                progress: bool = False) -> list[np.ndarray]:
        """Per text, the cosine to each label of its set, in the set's order."""
        vectors = unit(self.embed(texts, normalize=False, progress=progress))
        groups: dict[tuple, list[int]] = {}
        for i, labels in enumerate(sets):
            groups.setdefault(tuple(labels.items()), []).append(i)
        out: list[np.ndarray] = [None] * len(texts)
        for key, rows in groups.items():
            values = vectors[rows] @ self.label_vectors(dict(key), template).T
            for i, row in zip(rows, values):
                out[i] = row
        return out

    def calibration(self, labels: dict[str, str], template: str | None = None,
                    multi_label: bool | None = None) -> Calibration:
        """The calibration a label set is scored with: the fitted one, else the defaults."""
        multi = self.multi_label if multi_label is None else multi_label
        return self.calibrations.get((template or self.template, tuple(labels.items()), multi), self.default)

    def label_scores(self, texts: list[str], labels=None, multi_label: bool | None = None,
                     hypothesis_template: str | None = None, progress: bool = False) -> Scored:
        """Per text, (scores, calibrated logits (cos - t) / τ) of its labels."""
        multi = self.multi_label if multi_label is None else multi_label
        template = check_template(hypothesis_template) if hypothesis_template else self.template
        sets = self._label_sets(texts, labels)
        out = []
        for values, labels_ in zip(self.cosines(texts, sets, template, progress), sets):
            logits = self.calibration(labels_, template, multi).logits(values, list(labels_))
            out.append((scores(logits, multi), logits))
        return out

    def calibrate(self, rows, labels=None, multi_label: bool | None = None, hypothesis_template: str | None = None,
                  source: str | None = None) -> Calibration:
        """Fit the temperature and thresholds of a label set (default: the candidates) to labelled rows:
        (text, label) pairs or {"text", "label"} dicts; multi-label rows give a list of labels (or 'a,b').
        The result is kept for this label set and template, and returned."""
        found = self.label_set(labels) if labels is not None else self.candidates
        if found is None:
            raise DistilkitError(NO_LABELS)
        multi = self.multi_label if multi_label is None else multi_label
        template = check_template(hypothesis_template) if hypothesis_template else self.template
        texts, gold = self._gold(rows, list(found), multi, source or "calibration")
        values = np.stack(self.cosines(texts, [found] * len(texts), template))
        start = self.calibration(found, template, multi)
        fitted = fit(values, gold, list(found), multi, start, source)
        self.calibrations[(template, tuple(found.items()), multi)] = fitted
        return fitted

    @staticmethod
    def _gold(rows, names: list[str], multi: bool, where: str) -> tuple[list[str], np.ndarray]:
        index = {n: i for i, n in enumerate(names)}
        texts, gold = [], []
        for i, row in enumerate(rows, 1):
            text, label = (row.get("text"), row.get("label")) if isinstance(row, dict) else row
            if not isinstance(text, str) or not text.strip():
                raise DistilkitError(f"{where}: row {i} has an empty text: fill it in or remove the row")
            values = list(label) if isinstance(label, (list, tuple)) else str(label).split(",") if multi else [label]
            given = [str(x).strip() for x in values]
            if not multi and len(given) != 1:
                raise DistilkitError(f"{where}: row {i} has {len(given)} labels: single-label calibration takes one "
                                     "per row; calibrate multi-label (--multi-label) for rows with several")
            unknown = [x for x in given if x not in index]
            if unknown or not given:
                raise DistilkitError(f"{where}: row {i} has label '{unknown[0] if unknown else ''}', not among the "
                                     f"candidate labels ({', '.join(names)}): fix the row, or add it to --labels")
            texts.append(text)
            gold.append(np.isin(np.arange(len(names)), [index[x] for x in given]) if multi else index[given[0]])
        if not texts:
            raise DistilkitError(f"{where}: no labelled rows to calibrate on: give a few rows per label")
        return texts, np.array(gold)

    def metadata(self) -> dict:
        out = {**super().metadata(), **self.info(), "default_temperature": self.default.temperature,
               "default_threshold": DEFAULT_THRESHOLD}
        if self.candidates is not None:
            out["calibration"] = self.calibration(self.candidates).as_dict()
        return out
