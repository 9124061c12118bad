"""NLI as a pair-classification task: several sources joined, labels mapped or dropped, a seeded shard held
out; the trained folder runs zero-shot (ours and transformers' pipeline find its entailment label)."""
from __future__ import annotations

import json
import random

import pytest

from distilkit import ZeroShotClassifier, train
from distilkit.config import DataConfig
from distilkit.data import load_split, read_records
from tests.conftest import NEGATIVE, POSITIVE, one_line_error, tiny_config, write_jsonl


def nli_rows(n: int, seed: int) -> list[dict]:
    """Premise: filler words with one sentiment word. Hypothesis: 'it was good' (entailed by a positive
    premise, contradicted by a negative one), 'it was bad' (the reverse) or 'it was about food' (neutral)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        positive = rng.random() < 0.5
        premise = " ".join(rng.sample(["the", "movie", "really", "today", "story", "felt"], 4)
                           + [rng.choice(POSITIVE if positive else NEGATIVE)])
        kind = i % 3
        hypothesis = ["it was good", "it was bad", "it was about food"][kind]
        label = "neutral" if kind == 2 else ("entailment" if (kind == 0) == positive else "contradiction")
        rows.append({"premise": premise, "hypothesis": hypothesis, "label": label})
    return rows


def test_shards_are_disjoint_seeded_halves(tmp_path):
    source = write_jsonl(tmp_path / "d.jsonl", [{"text": f"t{i}", "label": "a"} for i in range(11)])
    first = [r for r, _ in read_records(f"{source}::shard=1/2")]
    second = [r for r, _ in read_records(f"{source}::shard=2/2")]
    assert sorted(first + second) == list(range(1, 12)) and not set(first) & set(second)
    assert {len(first), len(second)} == {5, 6} and first == sorted(first)
    assert first == [r for r, _ in read_records(f"{source}::shard=1/2")]  # the same file gives the same halves
    assert first != list(range(1, len(first) + 1))  # shuffled, not the first rows
    assert "shard=3/2" in one_line_error(lambda: list(read_records(f"{source}::shard=3/2")))


def test_sources_join_and_label_map_drops_counted_rows(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", nli_rows(6, 0))
    b = write_jsonl(tmp_path / "b.jsonl", [{"premise": "p", "hypothesis": "h", "label": lab}
                                           for lab in ("entailment", "not_entailment", "not_entailment")])
    cfg = DataConfig(text_column="premise", text_pair_column="hypothesis", label_map={"not_entailment": None})
    split = load_split([str(a), str(b)], cfg)
    assert len(split) == 7 and split.labels[-1] == "entailment" and split.pairs[-1] == "h"
    assert any("dropped 2 row(s)" in note for note in split.notes)
    unlabelled = write_jsonl(tmp_path / "u.jsonl", [{"premise": "p", "hypothesis": "h"}])
    assert "some of these sources have labels" in one_line_error(load_split, [str(a), str(unlabelled)], cfg, False)


@pytest.fixture(scope="session")
def nli_run(tmp_path_factory, tiny_distilbert):
    folder = tmp_path_factory.mktemp("nli-data")
    rte_like = [{"premise": r["premise"], "hypothesis": r["hypothesis"],
                 "label": "entailment" if r["label"] == "entailment" else "not_entailment"} for r in nli_rows(60, 5)]
    data = {"train": [str(write_jsonl(folder / "a.jsonl", nli_rows(240, 1))),
                      str(write_jsonl(folder / "rte.jsonl", rte_like))],
            "test": str(write_jsonl(folder / "dev.jsonl", nli_rows(120, 2))) + "::shard=2/2",
            "validation_fraction": 0.1, "text_column": "premise", "text_pair_column": "hypothesis",
            "label_map": {"not_entailment": None}}
    out = tmp_path_factory.mktemp("nli-run")
    return out, train(tiny_config(tiny_distilbert, data, out, epochs=8))


def test_nli_recipe_shape_trains_and_serves_zero_shot(nli_run):
    out, summary = nli_run
    assert summary["labels"] == ["contradiction", "entailment", "neutral"]
    assert summary["loss_curve"][-1][1] < summary["loss_curve"][0][1]
    assert summary["data"]["test"]["rows"] == 60
    dropped = sum(r["label"] != "entailment" for r in nli_rows(60, 5))  # the RTE-style not_entailment rows
    assert any(f"dropped {dropped} row(s)" in n for n in summary["notes"])
    config = json.loads((out / "config.json").read_text())
    assert config["label2id"]["entailment"] == 1
    zsc = ZeroShotClassifier(str(out), labels=["good", "bad"], hypothesis_template="it was {}")
    result = zsc.predict(["the movie felt wonderful"])[0]
    assert sorted(result["labels"]) == ["bad", "good"] and abs(sum(result["scores"]) - 1) < 1e-4
    from transformers import pipeline

    theirs = pipeline("zero-shot-classification", model=str(out), device=-1)(
        "the movie felt wonderful", candidate_labels=["good", "bad"], hypothesis_template="it was {}")
    assert theirs["labels"] == result["labels"]  # transformers finds our entailment label too
