"""Labelled classification data turned into NLI pairs (data/to_nli.py, `distilkit make-nli-data`): caps per class
and per data set, one entailment and k not-entailment pairs per kept row (never the row's own class), seeded and
reproducible, duplicates and dropped rows counted, a manifest of what was done that the card of a model trained
on the pairs quotes, the output written under its lock; then a two-way model trained on such pairs runs zero-shot,
single- and multi-label."""
from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest

from distilkit.cli import main
from distilkit.config import DataConfig
from distilkit.data import load_split
from distilkit.data.nli_manifest import manifest_path, notes_for
from distilkit.data.to_nli import NliSource, convert, write_nli_data
from distilkit.options import NliDataOptions
from tests.children import held_by_another_process
from tests.conftest import one_line_error, tiny_config, write, write_jsonl

WORDS = {"joy": ["happy", "delighted", "cheerful", "glad"], "sadness": ["sad", "gloomy", "tearful", "down"],
         "anger": ["angry", "furious", "annoyed", "mad"], "fear": ["afraid", "scared", "terrified", "nervous"]}
FILLER = ["today", "i", "was", "really", "so", "at", "work", "home", "the", "news", "made", "me", "felt", "quite"]
TEMPLATE = "This example text expresses the emotion: {}."


def labelled_rows(counts: dict[str, int], seed: int = 0) -> list[dict]:
    """Distinct texts, each with one emotion word among filler words; ``counts`` rows per class, classes mixed."""
    rng, seen, rows = random.Random(seed), set(), []
    for label, n in counts.items():
        made = 0
        while made < n:
            words = rng.sample(FILLER, 4) + [rng.choice(WORDS[label])]
            rng.shuffle(words)
            text = " ".join(words)
            if text not in seen:
                seen.add(text)
                rows.append({"text": text, "label": label})
                made += 1
    rng.shuffle(rows)
    return rows


def pairs_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_caps_per_class_and_data_set_and_one_true_plus_k_false_pairs_per_row(tmp_path):
    rows = labelled_rows({"joy": 30, "sadness": 12, "anger": 5, "fear": 3})
    source = write_jsonl(tmp_path / "emo.jsonl", rows)
    own = {r["text"]: r["label"] for r in rows}
    pairs, manifest = convert([NliSource("emo", str(source), TEMPLATE)],
                              NliDataOptions(negatives=2, max_per_class=8, max_per_dataset=20, seed=3))
    report = manifest["datasets"][0]
    assert set(report["rows_per_class"]) == set(WORDS)
    assert all(n <= 8 for n in report["rows_per_class"].values()) and report["rows_kept"] == 20
    assert report["dropped"]["over_class_cap"] == (30 - 8) + (12 - 8) and report["dropped"]["over_dataset_cap"] == 4
    by_premise = defaultdict(list)
    for pair in pairs:
        assert pair["dataset"] == "emo" and set(pair) == {"premise", "hypothesis", "label", "dataset"}
        by_premise[pair["premise"]].append(pair)
    assert len(by_premise) == 20 and len(pairs) == 60 == report["pairs_written"]
    hypothesis = {label: TEMPLATE.format(label) for label in WORDS}
    for premise, its in by_premise.items():
        labels = Counter(p["label"] for p in its)
        assert labels == {"entailment": 1, "not_entailment": 2}
        true = next(p["hypothesis"] for p in its if p["label"] == "entailment")
        assert true == hypothesis[own[premise]]  # the row's own class is the true hypothesis ...
        false = [p["hypothesis"] for p in its if p["label"] == "not_entailment"]
        assert hypothesis[own[premise]] not in false and len(set(false)) == 2  # ... and never a false one
    assert manifest["pairs_per_label"] == {"entailment": 20, "not_entailment": 40}
    # negatives are capped by the other classes there are: two classes give one false pair per row
    two = write_jsonl(tmp_path / "two.jsonl", labelled_rows({"joy": 4, "fear": 4}, 1))
    pairs, manifest = convert([NliSource("two", str(two))], NliDataOptions(negatives=5))
    assert manifest["datasets"][0]["negatives_per_row"] == 1 and len(pairs) == 16


def test_the_same_seed_gives_the_same_bytes_and_another_seed_another_sample(tmp_path):
    source = write_jsonl(tmp_path / "emo.jsonl", labelled_rows({"joy": 20, "sadness": 20, "anger": 20, "fear": 20}))
    runs = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        out = tmp_path / f"{name}.jsonl"
        write_nli_data(out, [NliSource("emo", str(source), TEMPLATE)],
                       NliDataOptions(max_per_class=10, max_per_dataset=30, seed=seed))
        runs[name] = (out.read_bytes(), json.loads(manifest_path(out).read_text())["sha256"])
    assert runs["a"] == runs["b"]
    assert runs["a"][0] != runs["c"][0]


def test_duplicates_conflicts_empty_texts_and_dropped_classes_are_counted(tmp_path):
    rows = labelled_rows({"joy": 6, "sadness": 6, "anger": 6}, 2)
    rows += [dict(rows[0]), {"text": "  " + rows[1]["text"].replace(" ", "  ") + " ", "label": rows[1]["label"]}]
    conflict = next(r for r in rows if r["label"] != rows[2]["label"])
    rows += [{"text": rows[2]["text"], "label": conflict["label"]}]  # one text, two classes: both rows go
    rows += [{"text": "", "label": "joy"}, {"text": "i am out of scope today", "label": "oos"}]
    source = write_jsonl(tmp_path / "d.jsonl", rows)
    pairs, manifest = convert([NliSource("d", str(source), drop_labels=["oos"])])
    report = manifest["datasets"][0]
    assert report["dropped"] == {"empty_text": 1, "dropped_label": 1, "duplicate_text": 2, "conflicting_labels": 2,
                                 "over_class_cap": 0, "over_dataset_cap": 0}
    assert report["rows_read"] == len(rows) == sum(report["dropped"].values()) + report["rows_kept"]
    assert report["rows_kept"] == 17 and len({p["premise"] for p in pairs}) == 17
    assert rows[2]["text"] not in {p["premise"] for p in pairs}
    assert not any("oos" in p["hypothesis"] for p in pairs)
    # the same pair reached from two data sets is written once, and counted where it was dropped
    pairs, manifest = convert([NliSource("d1", str(source), drop_labels=["oos"]),
                               NliSource("d2", str(source), drop_labels=["oos"])])
    second = manifest["datasets"][1]
    assert second["pairs"]["entailment"] == 0 and second["duplicate_pairs"] >= 17 == second["rows_kept"]
    assert second["pairs_written"] + second["duplicate_pairs"] == 34 and second["conflicting_pairs"] == 0
    assert len(pairs) == 34 + second["pairs_written"] == len({(p["premise"], p["hypothesis"]) for p in pairs})


def test_integer_labels_through_names_descriptions_and_whole_hypotheses(tmp_path):
    rows = [{"sentence": r["text"], "label": ["sadness", "joy", "anger"].index(r["label"])}
            for r in labelled_rows({"joy": 5, "sadness": 5, "anger": 5}, 4)]
    source = write(tmp_path / "d.csv", "sentence,label\n" + "".join(f"{r['sentence']},{r['label']}\n" for r in rows))
    dataset = NliSource("d", str(source), TEMPLATE, labels={"joy": "happiness"},
                        hypotheses={"anger": "The writer of this text is angry."}, text_column="sentence",
                        label_names=["sadness", "joy", "anger"])
    pairs, manifest = convert([dataset])
    assert manifest["datasets"][0]["hypotheses"] == {
        "anger": "The writer of this text is angry.", "joy": TEMPLATE.format("happiness"),
        "sadness": TEMPLATE.format("sadness")}
    assert {p["hypothesis"] for p in pairs} == set(manifest["datasets"][0]["hypotheses"].values())
    numbers = NliSource("d", str(source), text_column="sentence")  # 0, 1, 2 and no names: 'This example is 2.'
    assert "give label_names" in one_line_error(convert, [numbers])


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err.strip()


def test_the_command_writes_pairs_and_a_manifest_of_what_it_did(tmp_path, capsys):
    emo = write_jsonl(tmp_path / "emo.jsonl", labelled_rows({"joy": 9, "sadness": 7, "anger": 3}, 5))
    intents = write_jsonl(tmp_path / "intents.jsonl",
                          [{"utterance": f"please {w} my {x}", "intent": i} for i, w in
                           enumerate(["play", "stop", "book"]) for x in ("song", "music", "table", "alarm")])
    spec = write(tmp_path / "spec.yaml", f"""
datasets:
  emo:
    source: {emo}
    hypothesis_template: "{TEMPLATE}"
    labels: [joy=joy, sadness=sorrow]
  intents:
    source: [{intents}]
    text_column: utterance
    label_column: intent
    label_names: [play_music, stop_music, book_table]
    hypothesis_template: "The intent of this example is {{}}."
    max_per_class: 2
    negatives: 2
""")
    out = tmp_path / "out" / "pairs.jsonl"
    code, stdout, err = run_cli(["make-nli-data", str(out), "--spec", str(spec), "--max-per-class", "8",
                                 "--seed", "5"], capsys)
    assert code == 0, err
    printed = json.loads(stdout)
    manifest = json.loads(manifest_path(out).read_text())
    assert printed["pairs"] == manifest["pairs"] == len(pairs_of(out))
    assert (manifest["seed"], manifest["negatives"], manifest["max_per_class"], manifest["max_per_dataset"]) == \
        (5, 1, 8, 5000)
    assert manifest["labels"] == ["entailment", "not_entailment"] and manifest["file"] == "pairs.jsonl"
    emo_report, intent_report = manifest["datasets"]
    assert emo_report["sources"] == [str(emo)] and emo_report["splits"] == [None]
    assert emo_report["hypotheses"]["sadness"] == TEMPLATE.format("sorrow")
    assert emo_report["rows_read"] == 19 and emo_report["rows_kept"] == 8 + 7 + 3
    assert (intent_report["max_per_class"], intent_report["negatives"], intent_report["rows_kept"]) == (2, 2, 6)
    assert intent_report["hypotheses"]["book_table"] == "The intent of this example is book_table."
    assert intent_report["pairs"] == {"entailment": 6, "not_entailment": 12}
    assert Counter(p["dataset"] for p in pairs_of(out)) == {"emo": 36, "intents": 18}

    # the same run from flags: one data set per --source
    flags = tmp_path / "flags.jsonl"
    code, _, err = run_cli(["make-nli-data", str(flags), "--source", f"emo={emo}", "--hypothesis-template", TEMPLATE,
                            "--labels", "joy=joy,sadness=sorrow", "--max-per-class", "8", "--seed", "5"], capsys)
    assert code == 0, err
    # the same data set, settings and seed give the same pairs (the file's order is the mix's own shuffle)
    assert sorted(map(json.dumps, pairs_of(flags))) == \
        sorted(json.dumps(p) for p in pairs_of(out) if p["dataset"] == "emo")


def test_a_split_read_from_the_pairs_notes_its_data_sets_and_hypotheses(tmp_path):
    emo = write_jsonl(tmp_path / "emo.jsonl", labelled_rows({"joy": 5, "sadness": 5, "anger": 5}, 6))
    out = tmp_path / "pairs.jsonl"
    write_nli_data(out, [NliSource("emo", f"{emo}", TEMPLATE, labels={"joy": "happiness"})])
    cfg = DataConfig(text_column="premise", text_pair_column="hypothesis")
    notes = load_split(f"{out}::shard=1/2", cfg).notes
    assert "NLI pairs made by `distilkit make-nli-data` from 1 labelled data set(s) (emo)" in notes[0]
    assert f'emo (`{emo}`): 15 of 15 rows, 30 pairs' in notes[1]
    assert f'"{TEMPLATE}" with anger, joy=happiness, sadness' in notes[1]
    assert load_split(str(emo), DataConfig()).notes == []  # any other file: nothing
    with open(out, "a", encoding="utf-8") as f:  # changed after it was written: the manifest is not believed
        f.write(json.dumps({"premise": "p", "hypothesis": "h", "label": "entailment", "dataset": "x"}) + "\n")
    assert notes_for(str(out)) == [("pairs.manifest.json does not describe this file (the file changed after "
                                    "distilkit make-nli-data wrote it): which data sets and hypotheses it holds is "
                                    "unknown; write it again with the same command")]


def test_the_command_writes_only_under_the_lock_of_its_output(tmp_path, capsys):
    emo = write_jsonl(tmp_path / "emo.jsonl", labelled_rows({"joy": 3, "sadness": 3}, 7))
    out = tmp_path / "pairs.jsonl"
    out.write_text("the file a training run is reading\n")
    with held_by_another_process(out):
        code, _, err = run_cli(["make-nli-data", str(out), "--source", f"emo={emo}"], capsys)
    assert code == 2 and "\n" not in err and "is being written by another run" in err and "OUTPUT" in err, err
    assert out.read_text() == "the file a training run is reading\n" and not manifest_path(out).exists()
    assert run_cli(["make-nli-data", str(out), "--source", f"emo={emo}"], capsys)[0] == 0
    assert len(pairs_of(out)) == 12 and manifest_path(out).is_file()


@pytest.mark.parametrize("extra, rows, expected", [
    (["--text-column", "sentence"], None, "no column 'sentence' (columns: text, label): set text_column"),
    (["--label-column", "gold"], None, "no column 'gold'"),
    ([], [{"text": f"only joy {i}", "label": "joy"} for i in range(4)],
     "1 class(es) (joy) after reading: NLI pairs need at least 2"),
    (["--hypothesis-template", "This example is about"], None, "must hold '{}' exactly once"),
    (["--labels", "joyy=happiness"], None, "labels names 'joyy', which is not one of its classes"),
    (["--labels", "joy"], None, "'joy' is not NAME=WORDS"),
    (["--drop-labels", "oos"], None, "drop_labels names 'oos'"),
    (["--negatives", "0"], None, "--negatives 0: must be >= 1 (false hypotheses per row)"),
    (["--max-per-class", "0"], None, "--max-per-class 0: must be >= 1"),
])
def test_bad_input_is_one_line_naming_the_fix(tmp_path, capsys, extra, rows, expected):
    source = write_jsonl(tmp_path / "d.jsonl", rows or labelled_rows({"joy": 3, "sadness": 3}, 8))
    code, _, err = run_cli(["make-nli-data", str(tmp_path / "p.jsonl"), "--source", f"d={source}", *extra], capsys)
    assert code == 2 and "\n" not in err and expected in err, err
    assert not (tmp_path / "p.jsonl").exists()


def test_bad_command_lines_and_spec_files(tmp_path, capsys):
    source = write_jsonl(tmp_path / "d.jsonl", labelled_rows({"joy": 3, "sadness": 3}, 9))
    spec = write(tmp_path / "s.yaml", f"datasets:\n  d:\n    source: {source}\n    templat: 'x {{}}'\n")
    cases = [(["--source", str(source)], "write NAME=SOURCE"),
             ([], "no data sets: give --source NAME=FILE"),
             (["--spec", str(spec), "--source", f"d={source}"], "either with --source or in --spec"),
             (["--spec", str(spec)], "unknown setting 'templat'"),
             (["--spec", str(spec), "--text-column", "x"], "--text-column is a setting per data set"),
             (["--source", f"d={source}", "--source", "e=no/such.jsonl"], "no/such.jsonl not found")]
    for extra, expected in cases:
        code, _, err = run_cli(["make-nli-data", str(tmp_path / "p.jsonl"), *extra], capsys)
        assert code == 2 and "\n" not in err and expected in err, (extra, err)
    code, _, err = run_cli(["make-nli-data", str(tmp_path / "p.csv"), "--source", f"d={source}"], capsys)
    assert code == 2 and "name the output FILE.jsonl" in err
    code, _, err = run_cli(["make-nli-data", str(source), "--source", f"d={source}"], capsys)
    assert code == 2 and "is also a source" in err


def test_a_two_way_model_trained_on_the_pairs_runs_zero_shot(tmp_path, tiny_bert):
    """The universal classifier end to end: pairs -> `distilkit.train` (labels entailment / not_entailment) ->
    its card names the data sets and hypotheses -> ZeroShotClassifier, single- and multi-label."""
    from distilkit import ZeroShotClassifier, train

    emo = write_jsonl(tmp_path / "emo.jsonl", labelled_rows({"joy": 40, "sadness": 40, "anger": 40, "fear": 40}, 10))
    pairs = tmp_path / "pairs.jsonl"
    write_nli_data(pairs, [NliSource("emo", str(emo), TEMPLATE)], NliDataOptions(negatives=1))
    data = {"train": str(pairs), "text_column": "premise", "text_pair_column": "hypothesis",
            "validation_fraction": 0.1}
    out = tmp_path / "universal"
    summary = train(tiny_config(tiny_bert, data, out, epochs=4))
    assert summary["labels"] == ["entailment", "not_entailment"]
    assert summary["loss_curve"][-1][1] < summary["loss_curve"][0][1]
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "NLI pairs made by `distilkit make-nli-data` from 1 labelled data set(s) (emo)" in card
    assert f'"{TEMPLATE}" with anger, fear, joy, sadness' in card
    assert "a two-way head, as Laurer et al.'s universal classifiers" in card

    labels = ["joy", "sadness", "anger"]
    zsc = ZeroShotClassifier(str(out), labels=labels, hypothesis_template=TEMPLATE)
    assert zsc.config.id2label[zsc.entailment_id] == "entailment"
    assert zsc.config.id2label[zsc.contradiction_id] == "not_entailment"  # the two-way head's 'against' logit
    texts = ["today i felt so happy", "the news made me sad"]
    single = zsc.predict(texts)
    assert all(sorted(r["labels"]) == sorted(labels) and abs(sum(r["scores"]) - 1) < 1e-4 for r in single)
    multi = zsc.predict(texts, multi_label=True)
    logits = zsc.entailment_logits(texts)
    for result, rows in zip(multi, logits):  # per label: softmax over (not_entailment, entailment)
        e, ne = rows[:, zsc.entailment_id], rows[:, zsc.contradiction_id]
        expected = dict(zip(labels, 1 / (1 + np.exp(ne - e))))
        assert {k: round(float(v), 4) for k, v in expected.items()} == \
            {k: round(v, 4) for k, v in zip(result["labels"], result["scores"])}
    one = zsc.predict(texts[:1], labels=["joy"])[0]  # one label: scored as multi-label, never a constant 1.0
    assert 0 < one["scores"][0] < 1
    from transformers import pipeline

    # transformers' pipeline finds the two-way head's entailment logit too, and gives the same answers
    theirs = pipeline("zero-shot-classification", model=str(out))(texts, candidate_labels=labels,
                                                                 hypothesis_template=TEMPLATE)
    assert [r["labels"] for r in theirs] == [r["labels"] for r in single]
    assert np.allclose([r["scores"] for r in theirs], [r["scores"] for r in single], atol=1e-4)


@pytest.mark.parametrize("names, against", [(["entailment", "not_entailment"], 1), (["non-entailment", "entailment"], 0),
                                            (["contradiction", "entailment", "neutral"], 0)])
def test_two_way_and_three_way_heads_name_what_entailment_is_scored_against(names, against):
    from distilkit.tasks.entailment import nli_ids

    assert nli_ids(dict(enumerate(names)), "m") == (names.index(next(n for n in names if n.startswith("entail"))),
                                                    against)
