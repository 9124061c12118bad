"""data.exclude_overlap: training (and validation) rows whose text also occurs in a named source, such as the
test set, are dropped and counted, so a model is never scored on texts it was trained on."""
import glob
import json
from pathlib import Path

import pytest

from distilkit.config import DataConfig
from distilkit.data import load_split
from distilkit.data.dataset import normalise
from distilkit.tasks.classification import ClassificationTask
from tests.conftest import one_line_error

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def jsonl(path: Path, rows: list[dict]) -> str:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return str(path)


def pairs(premises: list[str]) -> list[dict]:
    return [{"premise": p, "hypothesis": f"h{i}", "label": ["entailment", "neutral"][i % 2]}
            for i, p in enumerate(premises)]


def nli_config(tmp_path: Path, **kw) -> DataConfig:
    test = jsonl(tmp_path / "test.jsonl", pairs(["The cat sat.", "A dog ran", "unique test premise"]))
    train = jsonl(tmp_path / "train.jsonl", pairs(["  the   CAT sat. ", "a dog ran", "fresh one", "fresh two",
                                                   "The cat sat", "fresh three"]))
    return DataConfig(train=train, test=test, text_column="premise", text_pair_column="hypothesis",
                      exclude_overlap=[test], **kw)


def test_normalise_strips_collapses_whitespace_and_lowercases():
    assert normalise("  The\tCAT \n sat. ") == "the cat sat."


def test_training_and_validation_rows_in_an_excluded_source_are_dropped_and_counted(tmp_path):
    cfg = nli_config(tmp_path, validation=jsonl(tmp_path / "val.jsonl", pairs(["A DOG  RAN", "val a", "val b"])))
    data = ClassificationTask(cfg).load()
    assert data.train.texts == ["fresh one", "fresh two", "The cat sat", "fresh three"]  # "sat" != "sat."
    assert data.train.rows == [3, 4, 5, 6]
    assert data.validation.texts == ["val a", "val b"]
    assert data.test.texts == ["The cat sat.", "A dog ran", "unique test premise"]  # the test set is never filtered
    assert f"{cfg.train}: dropped 2 training rows whose premise occurs in {cfg.test} (data.exclude_overlap)" in data.notes
    assert any("dropped 1 validation rows whose premise" in n for n in data.notes)


def test_a_held_out_validation_comes_from_the_guarded_train(tmp_path):
    data = ClassificationTask(nli_config(tmp_path, validation_fraction=0.25)).load()
    texts = {normalise(t) for t in data.train.texts + data.validation.texts}
    assert texts == {"fresh one", "fresh two", "the cat sat", "fresh three"}


def test_without_the_field_nothing_is_dropped_and_lists_of_sources_are_guarded_once(tmp_path):
    cfg = nli_config(tmp_path)
    plain = DataConfig(**{**cfg.__dict__, "exclude_overlap": None})
    assert len(load_split(cfg.train, plain)) == 6
    joined = DataConfig(**{**cfg.__dict__, "train": [cfg.train, cfg.train]})
    split = load_split(joined.train, joined)
    assert len(split) == 8 and [n for n in split.notes if "dropped" in n] == [
        f"dropped 4 training rows whose premise occurs in {cfg.test} (data.exclude_overlap)"]
    assert len(load_split(cfg.train, cfg, exclude_overlap=False)) == 6


def test_the_field_is_validated_and_bad_sources_are_one_line(tmp_path):
    assert DataConfig(exclude_overlap="a.jsonl").exclude_overlap == ["a.jsonl"]
    assert "data.exclude_overlap" in one_line_error(lambda: DataConfig(exclude_overlap=[""]))
    assert "data.exclude_overlap" in one_line_error(lambda: DataConfig(exclude_overlap={"a": 1}))
    cfg = nli_config(tmp_path)
    other = jsonl(tmp_path / "other.jsonl", [{"sentence1": "x", "label": "y"}])
    cfg.exclude_overlap = [other]
    message = one_line_error(lambda: load_split(cfg.train, cfg))
    assert "has no column 'premise'" in message and f"{other}::columns=premise:sentence1" in message
    cfg.exclude_overlap = [f"{other}::columns=premise:sentence1"]
    assert len(load_split(cfg.train, cfg)) == 6
    cfg.exclude_overlap = [cfg.train]
    assert "none is left" in one_line_error(lambda: load_split(cfg.train, cfg))


def test_lingnli_premises_in_multinli_dev_matched_are_dropped():
    """The reason for the field: 608 distinct LingNLI premises are MultiNLI dev-matched premises."""
    files = sorted(glob.glob(str(SHARED / "lingnli" / "*" / "*.jsonl")))
    dev = SHARED / "mnli" / "dev_matched.jsonl"
    if not files or not dev.is_file():
        pytest.skip("LingNLI or MultiNLI dev-matched not present")
    cfg = DataConfig(train=files, text_column="premise", text_pair_column="hypothesis", exclude_overlap=[str(dev)])
    everything = load_split(files, cfg, exclude_overlap=False)
    kept = load_split(files, cfg)
    dropped = {normalise(t) for t in everything.texts} - {normalise(t) for t in kept.texts}
    assert len(dropped) == 608
    assert f"dropped {len(everything) - len(kept)} training rows whose premise occurs in {dev}" in kept.notes[-1]
