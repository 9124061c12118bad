"""Training on one's own file with no recipe: `distilkit train --train FILE`, `distilkit init`, and the
one-line errors for the data mistakes a new user makes."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from .conftest import make_rows


def write_csv(path: Path, rows: list[dict], columns=("text", "category")) -> str:
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(columns)
        for r in rows:
            out.writerow([r["text"], r["label"]])
    return str(path)


@pytest.fixture(scope="module")
def own_csv(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("own")
    return {"train": write_csv(folder / "intents.csv", make_rows(200, 1)),
            "test": write_csv(folder / "intents_test.csv", make_rows(40, 3))}


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    from distilkit.cli import main

    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_no_recipe_training_chooses_settings_and_writes_an_honest_card(tmp_path, own_csv, tiny_distilbert, capsys):
    out_dir = tmp_path / "mine"
    code, out, err = cli(["train", "--train", own_csv["train"], "--test", own_csv["test"], "--label-column",
                          "category", "--model", tiny_distilbert, "--output-dir", str(out_dir),
                          "--epochs", "6", "--set", "training.learning_rate=3e-3",  # a tiny random model: big steps
                          "--set", "training.batch_size=16"], capsys)
    assert code == 0, err
    # the chosen settings are printed with their reasons
    assert "settings chosen from the data" in err
    for key in ("data.validation_fraction = 0.1   # no validation file", "model.max_length = 32   # 99% of",
                "training.epochs = 6   # your setting (chosen from the data: 20)"):
        assert key in err, err
    results = json.loads(out)["results"]
    assert set(results) == {"validation", "test"} and results["test"]["accuracy"] > 0.6
    recipe = yaml.safe_load((out_dir / "distilkit_recipe.yaml").read_text())
    assert recipe["training"]["learning_rate"] == 3e-3 and recipe["training"]["epochs"] == 6
    assert recipe["data"]["label_column"] == "category"
    card = (out_dir / "README.md").read_text()
    front = yaml.safe_load(card.split("---")[1])
    assert front["license"] == "other" and "datasets" not in front  # no hub dataset is claimed
    assert "intents.csv" in card and "intents_test.csv" in card and "yours to fill in" in card
    assert "apache-2.0" not in card and "emotion" not in card.lower()


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_init_writes_the_recipe_that_train_would_run(tmp_path, own_csv, tiny_bert, tiny_distilbert, arch, capsys):
    from distilkit import config_from_dict
    from distilkit.recipe import load_recipe
    from distilkit.suggest import suggest

    model = tiny_bert if arch == "bert" else tiny_distilbert
    path = tmp_path / "recipe.yaml"
    code, out, err = cli(["init", "--train", own_csv["train"], "--label-column", "category", "--model", model,
                          "--output", str(path)], capsys)
    assert code == 0, err
    text = path.read_text()
    assert "# no validation file" in text and "# 99% of 200 sampled training texts" in text
    written = load_recipe(path).to_dict()
    direct = config_from_dict(suggest(own_csv["train"], label_column="category", model=model)[0]).to_dict()
    assert written == direct
    assert written["training"]["output_dir"] == "runs/intents" and written["training"]["learning_rate"] == 1e-4
    # never overwrites
    code, _, err = cli(["init", "--train", own_csv["train"], "--output", str(path)], capsys)
    assert code == 2 and "exists" in err


def test_settings_follow_the_data(tmp_path, tiny_bert):
    from distilkit.suggest import suggest

    rows = [{"text": " ".join(["word"] * (10 + i % 90)), "label": f"c{i % 40}"} for i in range(4000)]
    path = write_csv(tmp_path / "many.csv", rows, ("text", "label"))
    recipe, why = suggest(path, validation=path, model=tiny_bert)
    assert "validation_fraction" not in recipe["data"]  # a validation file was given
    assert recipe["model"]["max_length"] == 112  # p99 of 2,000 sampled texts (~100 words + 2) rounded up to 16
    assert recipe["training"]["epochs"] == 13  # 125 steps per epoch, ~1,640 wanted for 40 classes
    small = suggest(write_csv(tmp_path / "few.csv", make_rows(60), ("text", "label")), model=tiny_bert)[0]
    assert small["training"]["epochs"] == 20  # capped


def test_hub_ids_read_like_files():
    from distilkit.suggest import source

    assert source("dair-ai/emotion", "train") == "hub:dair-ai/emotion::train"
    assert source("hub:imdb::test", "test") == "hub:imdb::test"
    assert source("data/train.csv", "train") == "data/train.csv"  # a file path stays a path (and errors if absent)


BAD = {
    "one label": ([{"text": f"text {i}", "label": "joy"} for i in range(30)], [],
                  ["column 'category' holds a single label ('joy')", "--label-column"]),
    "missing column": (make_rows(30), ["--label-column", "intent"],
                       ["no column 'intent'", "columns: text, category", "--label-column"]),
    "integer labels": ([{"text": r["text"], "label": i % 3} for i, r in enumerate(make_rows(30))], [],
                       ["integer labels (0, 1, 2) without names", "--label-names"]),
    "empty text": ([*make_rows(5), {"text": "  ", "label": "pos"}, *make_rows(5)], [],
                   ["row 7 has an empty 'text'", "data.on_empty=skip"]),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_own_data_gives_one_line_and_exit_2(tmp_path, tiny_bert, capsys, case):
    rows, flags, expected = BAD[case]
    path = write_csv(tmp_path / "bad.csv", rows)
    if "--label-column" not in flags:
        flags = flags + ["--label-column", "category"]
    code, _, err = cli(["train", "--train", path, "--model", tiny_bert, "--output-dir", str(tmp_path / "o"),
                        *flags], capsys)
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert line.startswith("error: ") and str(path) in line, err
    for text in expected:
        assert text in line, line
    assert not (tmp_path / "o").exists()


def test_unseen_test_label_is_refused_before_training(tmp_path, tiny_bert, capsys):
    train = write_csv(tmp_path / "train.csv", make_rows(40))
    test = write_csv(tmp_path / "test.csv", [*make_rows(4), {"text": "what now", "label": "confused"}])
    code, _, err = cli(["train", "--train", train, "--test", test, "--label-column", "category", "--model",
                        tiny_bert, "--output-dir", str(tmp_path / "o")], capsys)
    line = err.strip().splitlines()[-1]
    assert code == 2 and f"{test}: row 6 has label 'confused'" in line and "known: neg, pos" in line


def test_integer_labels_with_names(tmp_path, tiny_bert):
    from distilkit.suggest import suggest

    rows = [{"text": r["text"], "label": int(r["label"] == "pos")} for r in make_rows(40)]
    path = write_csv(tmp_path / "ints.csv", rows, ("text", "label"))
    assert suggest(path, label_names="negative,positive", model=tiny_bert)[0]["data"]["label_names"] == \
        ["negative", "positive"]
    assert suggest(path, label_names="keep", model=tiny_bert)[0]["data"]["label_names"] is None


def test_data_flags_need_no_recipe(tmp_path, capsys):
    code, _, err = cli(["train", "recipes/emotion.yaml", "--train", "x.csv"], capsys)
    assert code == 2 and "--train is for training without a recipe" in err
    code, _, err = cli(["train"], capsys)
    assert code == 2 and "distilkit train --train FILE" in err
