"""The ``data:`` section of a recipe (``DataConfig``): where the splits come from, their columns and labels,
extra test and validation sets, and the out-of-scope threshold.

Apart from the other sections (``config.py``) because it is the biggest and the one the data readers, tasks and
evaluation all take on their own; ``distilkit.config`` re-exports it, so ``from distilkit.config import
DataConfig`` is the way to import it. Fields are documented, bounded and checked as every section's are
(``config.py``'s docstring).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .bounds import bounded, check_bounds
from .choices import OnEmpty, OOSDetector, ThresholdObjective, require
from .errors import DistilkitError


@dataclass
class DataConfig:
    train: str | list[str] | None = None
    """Training data (a list of sources is joined): a file (csv, tsv, jsonl, json, parquet, txt 'text;label'), 'FILE::split' for
    multi-split files such as CLINC150 JSON, 'FOLDER::split' for a folder in a known layout (TweetEval, SNIPS,
    HWU64), or 'hub:NAME[:CONFIG]::split' for a hub dataset; any of them may add '::columns=NEW:OLD,...' and
    '::shard=K/N' (docs/data.md)."""
    validation: str | None = None
    """Validation data (same forms). Used for per-epoch evaluation, early stopping and model selection."""
    test: str | None = None
    """Test data, evaluated once after training for the final report (never used to choose anything)."""
    validation_fraction: float = bounded(0.0, "fraction of train held out", at_least=0, below=1)
    """If no validation data is given, hold out this fraction of train (stratified, seeded) instead."""
    text_column: str = "text"
    """Column holding the text."""
    text_pair_column: str | None = None
    """Column holding the second text of a pair (NLI, paraphrase); none for single texts."""
    label_column: str = "label"
    """Column holding the label (string names or integers)."""
    label_names: list[str] | None = None
    """Names for integer labels 0..k-1 (e.g. [negative, positive]); default: labels as found."""
    label_map: dict[str, str | None] | None = None
    """Rename labels as they are read, e.g. {not_entailment: null, 0: negative}; a label mapped to null drops
    its rows (counted in the run's notes). Applies to every split."""
    exclude_overlap: list[str] | None = None
    """Sources whose texts must not be trained on (leakage), e.g. [../shared/data/mnli/dev_matched.jsonl] when
    that is the test set: every train and validation row whose text (data.text_column: the premise, for NLI)
    occurs in one of them is dropped, counted in the run's notes. Texts compare stripped, with whitespace
    collapsed and lower-cased. Each source's data.text_column is read (rename with ::columns=NEW:OLD)."""
    max_train_samples: int | None = bounded(None, "training rows", at_least=1)
    """Keep only the first N training rows (after shuffling with the seed)."""
    max_eval_samples: int | None = bounded(None, "evaluation rows", at_least=1)
    """Keep only the first N validation and test rows."""
    on_empty: OnEmpty = OnEmpty.ERROR
    """What an empty text does: 'error' (default) or 'skip' (skipped rows are counted and reported)."""
    oos_label: str | None = None
    """Out-of-scope label (CLINC150: 'oos'); adds in-scope accuracy and out-of-scope recall."""
    oos_threshold: float | str = bounded("tune", "a probability", at_least=0, at_most=1)
    """With oos_label: below this top probability a prediction becomes the out-of-scope label. 'tune' picks
    it on validation data (never test), 'off' disables it, a number fixes it. Stored in distilkit.json and
    applied by every predictor and backend."""
    oos_detector: OOSDetector = OOSDetector.MAX_SOFTMAX
    """With oos_label and a tuned threshold: the score the threshold applies to. 'max_softmax' (the top
    probability), 'energy' (logsumexp of the logits), 'mahalanobis' or 'knn' (on the features the classifier
    head reads, fitted on the training set and stored in ood.safetensors), or 'auto': each fitted, the best on
    validation kept. Every predictor and backend applies the stored one."""
    oos_objective: ThresholdObjective = ThresholdObjective.BALANCED
    """What 'tune' maximises on validation: 'balanced' (mean of in-scope accuracy and OOS recall; does not
    depend on validation's share of out-of-scope rows) or 'accuracy'."""
    extra_tests: dict[str, str] | None = None
    """More test sets scored once after training, by name, each a row of the card's results beside test, e.g.
    {unseen: data/clinic/test_unseen.jsonl, handwritten: data/clinic/handwritten.jsonl}: data the model's own
    test split cannot stand for (another hand, held-out phrasings). Never used to choose anything."""
    extra_validation: dict[str, str] | None = None
    """More validation sets, by name, scored after training beside validation and joined with it wherever a
    decision threshold is chosen (qa.null_threshold 'auto', data.oos_threshold 'tune'), e.g. {val_handwritten:
    data/clinic/validation_handwritten.jsonl}: the threshold then suits notes of both kinds. The best checkpoint is
    still chosen on data.validation alone; never list test data here."""
    behaviour_tests: list[str] | None = None
    """Behaviour-test files (`distilkit check`, tests/behaviour/*.yaml) that the `distilkit train` and `distill`
    commands run on the finished model, adding a "Behaviour tests" section to its card; checked before training
    starts. (The Python `distilkit.train` leaves them to `distilkit.check`.)"""

    def __post_init__(self):
        self.on_empty = OnEmpty.parse(self.on_empty, "data.on_empty")
        if self.extra_tests is not None:
            require(isinstance(self.extra_tests, dict) and all(isinstance(v, str) and v for v in
                                                               self.extra_tests.values()), "data.extra_tests",
                    "give a mapping of name to one data source, e.g. {handwritten: data/clinic/handwritten.jsonl}")
            self.extra_tests = {str(k): v for k, v in self.extra_tests.items()}
            for name in self.extra_tests:  # names become file names: eval_<name>.json
                require(re.fullmatch(r"[A-Za-z0-9_.-]+", name) is not None, "data.extra_tests",
                        f"'{name}' is not a usable name: use letters, digits, '_', '-' or '.'")
            taken = sorted(set(self.extra_tests) & {"train", "validation", "test"})
            require(not taken, "data.extra_tests", f"'{', '.join(taken)}' is a split of its own: name it otherwise")
        if self.extra_validation is not None:
            require(isinstance(self.extra_validation, dict) and all(isinstance(v, str) and v for v in
                                                                    self.extra_validation.values()),
                    "data.extra_validation", "give a mapping of name to one data source, e.g. "
                    "{val_handwritten: data/clinic/validation_handwritten.jsonl}")
            self.extra_validation = {str(k): v for k, v in self.extra_validation.items()}
            for name in self.extra_validation:  # names become file names: eval_<name>.json
                require(re.fullmatch(r"[A-Za-z0-9_.-]+", name) is not None, "data.extra_validation",
                        f"'{name}' is not a usable name: use letters, digits, '_', '-' or '.'")
            taken = sorted(set(self.extra_validation) & ({"train", "validation", "test"} | set(self.extra_tests or {})))
            require(not taken, "data.extra_validation", f"'{', '.join(taken)}' is already a split or an extra test "
                    "set: name it otherwise")
            require(bool(self.validation), "data.extra_validation", "joins data.validation, which is not set: give "
                    "data.validation too")
        if isinstance(self.exclude_overlap, str):
            self.exclude_overlap = [self.exclude_overlap]
        require(self.exclude_overlap is None or (isinstance(self.exclude_overlap, list) and all(
            isinstance(s, str) and s for s in self.exclude_overlap)), "data.exclude_overlap",
            "give a list of data sources, e.g. [../shared/data/mnli/dev_matched.jsonl]")
        if isinstance(self.behaviour_tests, str):
            self.behaviour_tests = [self.behaviour_tests]
        require(self.behaviour_tests is None or (isinstance(self.behaviour_tests, list) and all(
            isinstance(t, str) and t for t in self.behaviour_tests)), "data.behaviour_tests",
            "give a list of tests files, e.g. [tests/behaviour/clinic.yaml]")
        self.oos_objective = ThresholdObjective.parse(self.oos_objective, "data.oos_objective")
        self.oos_detector = OOSDetector.parse(self.oos_detector, "data.oos_detector")
        if self.oos_threshold not in ("tune", "off"):
            try:
                self.oos_threshold = float(self.oos_threshold)
            except (TypeError, ValueError):
                raise DistilkitError(f"data.oos_threshold: '{self.oos_threshold}' is not 'tune', 'off' or a "
                                     "probability") from None
        check_bounds(self, "data.")
        require(self.oos_threshold in ("tune", "off") or self.oos_label is not None, "data.oos_threshold",
                "a threshold needs an out-of-scope label: set data.oos_label (e.g. oos) or remove the threshold")
        require(self.oos_detector is OOSDetector.MAX_SOFTMAX or self.oos_label is not None, "data.oos_detector",
                "out-of-scope detection needs an out-of-scope label in the data: set data.oos_label (e.g. oos) or "
                "remove oos_detector")
        require(not isinstance(self.oos_threshold, float) or self.oos_detector is OOSDetector.MAX_SOFTMAX,
                "data.oos_threshold", f"a fixed threshold is a probability, for oos_detector max_softmax; with "
                f"{self.oos_detector.value} set oos_threshold: tune")
        if self.label_map is not None:
            require(isinstance(self.label_map, dict), "data.label_map", "give a mapping, e.g. {not_entailment: null}")
            self.label_map = {str(k): None if v is None else str(v) for k, v in self.label_map.items()}
