"""Folder layouts as sources (TweetEval task folders, SNIPS, HWU64 folds): each mimicked in miniature, and
each read once from ../shared/data, checked against the counts in its PROVENANCE.md."""
import json
from collections import Counter
from pathlib import Path

import pytest

from distilkit.config import DataConfig
from distilkit.data import load_split, read_records
from distilkit.data.layouts import LAYOUTS
from tests.conftest import one_line_error

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def shared(*parts: str) -> Path:
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not present")
    return path


def rows(source) -> list[dict]:
    return [record for _, record in read_records(str(source))]


# ----------------------------------------------------------------------------------------- TweetEval

def tweeteval(folder: Path, splits=("train", "val", "test"), mapping="0\tneg\n1\tpos") -> Path:
    folder.mkdir(parents=True)
    if mapping is not None:
        (folder / "mapping.txt").write_text(mapping, encoding="utf-8")  # the source's lack a final newline
    for split in splits:
        (folder / f"{split}_text.txt").write_text(f"{split} good\n{split} bad\n\n", encoding="utf-8")
        (folder / f"{split}_labels.txt").write_text("1\n0\n0\n", encoding="utf-8")
    return folder


def test_tweeteval_maps_label_ids_to_names_and_keeps_line_numbers(tmp_path):
    folder = tweeteval(tmp_path / "somename")
    split = load_split(f"{folder}::test", DataConfig(on_empty="skip"))
    assert split.texts == ["test good", "test bad"] and split.labels == ["pos", "neg"]
    assert split.rows == [1, 2] and split.skipped_empty == 1  # the empty tweet (as in hate/) is counted
    assert rows(f"{folder}::validation") == rows(f"{folder}::val")


def test_tweeteval_emoji_mapping_uses_the_name_and_stance_shares_its_parent_mapping(tmp_path):
    emoji = tweeteval(tmp_path / "emoji", mapping="0\t❤\t_red_heart_\t\n1\t😂\t_face_with_tears_of_joy_\t\n")
    assert [r["label"] for r in rows(f"{emoji}::train")] == ["_face_with_tears_of_joy_", "_red_heart_", "_red_heart_"]
    (tmp_path / "stance").mkdir()
    (tmp_path / "stance" / "mapping.txt").write_text("0\tnone\n1\tagainst", encoding="utf-8")
    target = tweeteval(tmp_path / "stance" / "abortion", mapping=None)
    assert [r["label"] for r in rows(f"{target}::val")] == ["against", "none", "none"]
    message = one_line_error(lambda: rows(f"{tmp_path / 'stance'}::test"))
    assert "no known layout" in message and f"{target}::test" in message  # the sub-folder to name instead


def test_tweeteval_missing_split_bad_split_and_bad_files_are_one_line(tmp_path):
    folder = tweeteval(tmp_path / "sentiment", splits=("val", "test"))
    (folder / "train_labels.txt").write_text("0\n", encoding="utf-8")  # labels without text, as in sentiment/
    message = one_line_error(lambda: rows(f"{folder}::train"))
    assert "no train_text.txt" in message and "val, test" in message
    assert "train, val, validation, test" in one_line_error(lambda: rows(f"{folder}::dev"))
    assert "needs a split" in one_line_error(lambda: rows(folder))
    (folder / "val_labels.txt").write_text("1\n7\n0\n", encoding="utf-8")
    assert "val_labels.txt: line 2 has label '7'" in one_line_error(lambda: rows(f"{folder}::val"))
    (folder / "test_labels.txt").write_text("1\n", encoding="utf-8")
    assert "3 lines but test_labels.txt has 1" in one_line_error(lambda: rows(f"{folder}::test"))


def test_tweeteval_real_counts():
    emotion = shared("tweeteval", "emotion")
    test = rows(f"{emotion}::test")
    assert len(test) == 1421
    assert Counter(r["label"] for r in test) == {"anger": 558, "joy": 358, "optimism": 123, "sadness": 382}
    assert len(rows(f"{emotion}::validation")) == 374 and len(rows(f"{emotion}::train")) == 3257
    assert len(rows(f"{shared('tweeteval', 'stance', 'climate')}::test")) == 169
    assert "no train_text.txt" in one_line_error(lambda: rows(f"{shared('tweeteval', 'sentiment')}::train"))


# ----------------------------------------------------------------------------------------- SNIPS

def snips_file(path: Path, intent: str, texts: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {intent: [{"data": [{"text": t} if i % 2 == 0 else {"text": t, "entity": "x"} for i, t in enumerate(u)]}
                     for u in texts]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_snips_joins_segments_labels_by_intent_and_names_the_file(tmp_path):
    root = tmp_path / "intents"
    for intent in ("GetWeather", "PlayMusic"):
        snips_file(root / intent / f"train_{intent}_full.json", intent, [["Will it ", "rain", " today?"], ["hi"]])
        snips_file(root / intent / f"validate_{intent}.json", intent, [["play ", "jazz"]])
    train = rows(f"{root}::train")
    assert train[0] == {"text": "Will it rain today?", "label": "GetWeather"} and len(train) == 4
    assert [r["label"] for r in rows(f"{root}::test")] == ["GetWeather", "PlayMusic"]
    numbers = [n for n, _ in read_records(f"{root}::train")]
    assert numbers == [1, 2, 3, 4] and str(numbers[2]) == "3 (PlayMusic/train_PlayMusic_full.json utterance 1)"
    assert "train, test" in one_line_error(lambda: rows(f"{root}::validation"))
    (root / "PlayMusic" / "validate_PlayMusic.json").write_text('{"PlayMusic": [{"data": "oops"}]}', encoding="utf-8")
    assert "validate_PlayMusic.json: utterance 1" in one_line_error(lambda: rows(f"{root}::test"))


def test_snips_reads_a_cesu8_emoji_as_the_emoji(tmp_path):
    """train_PlayMusic_full.json stores 🍕 as two encoded surrogates (not valid UTF-8): PROVENANCE.md's way."""
    path = tmp_path / "s" / "PlayMusic" / "train_PlayMusic_full.json"
    path.parent.mkdir(parents=True)
    pizza = "🍕".encode("utf-16-le")
    cesu = "".join(chr(int.from_bytes(pizza[i:i + 2], "little")) for i in (0, 2)).encode("utf-8", "surrogatepass")
    path.write_bytes(b'{"PlayMusic": [{"data": [{"text": "some Pop Punk ' + cesu + b' off Deezer"}]}]}')
    assert rows(f"{tmp_path / 's'}::train") == [{"text": "some Pop Punk 🍕 off Deezer", "label": "PlayMusic"}]


def test_snips_real_counts():
    root = shared("snips")
    test, train = rows(f"{root}::test"), rows(f"{root}::train")
    assert len(test) == 700 and set(Counter(r["label"] for r in test).values()) == {100}
    assert len(train) == 13784 and Counter(r["label"] for r in train)["BookRestaurant"] == 1973
    assert "I want toi hear some Pop Punk Perfection 🍕 off of Deezer" in {r["text"] for r in train}
    assert {"text": "What will the weather be faraway from here?", "label": "GetWeather"} in test


# ----------------------------------------------------------------------------------------- HWU64

HEADER = "answerid;scenario;intent;answer_annotation;answer_from_anno;answer_from_user\n"


def hwu_fold(folder: Path) -> Path:
    for sub, n in (("trainset", 2), ("testset", 1)):
        (folder / sub).mkdir(parents=True)
        (folder / sub / "alarm_set.csv").write_text(HEADER + "".join(
            f'{i};alarm;set;"wake me at [time : {i}]";"wake me at {i}";"Wake me at {i}!"\n' for i in range(n)),
            encoding="utf-8")
        (folder / sub / "qa_maths.csv").write_text(HEADER + '9;qa;maths;"what is 2; 2";"what is 2; 2";"x"\n',
                                                   encoding="utf-8")
    return folder


def test_hwu64_fold_reads_answer_from_anno_as_scenario_intent(tmp_path):
    fold = hwu_fold(tmp_path / "fold")
    assert rows(f"{fold}::train") == [{"text": "wake me at 0", "label": "alarm_set"},
                                      {"text": "wake me at 1", "label": "alarm_set"},
                                      {"text": "what is 2; 2", "label": "qa_maths"}]
    assert str([n for n, _ in read_records(f"{fold}::test")][1]) == "2 (testset/qa_maths.csv line 2)"
    assert "train, test" in one_line_error(lambda: rows(f"{fold}::validation"))
    (fold / "testset" / "qa_maths.csv").write_text(HEADER + "1;qa;maths\n", encoding="utf-8")
    assert "qa_maths.csv: line 2 does not have the header's 6" in one_line_error(lambda: rows(f"{fold}::test"))


def test_hwu64_real_fold_counts():
    fold = shared("hwu64", "KFold_1")
    test = rows(f"{fold}::test")
    assert len(test) == 1076 and len(rows(f"{fold}::train")) == 9960
    assert len({r["label"] for r in test}) == 64
    message = one_line_error(lambda: rows(f"{shared('hwu64')}::test"))
    assert "KFold_1::test" in message


# ----------------------------------------------------------------------------------------- the registry

def test_a_folder_in_no_layout_names_the_layouts(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.jsonl").write_text("{}\n", encoding="utf-8")
    message = one_line_error(lambda: rows(f"{tmp_path / 'notes'}::train"))
    assert "no known layout" in message and "name a file inside it" in message
    assert all(name in message for name in LAYOUTS)


def test_layout_rows_feed_load_split_and_shards(tmp_path):
    folder = tweeteval(tmp_path / "t")
    halves = [rows(f"{folder}::test::shard={k}/2") for k in (1, 2)]
    assert sorted(r["text"] for r in halves[0] + halves[1]) == ["", "test bad", "test good"]
