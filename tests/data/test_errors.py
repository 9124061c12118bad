"""Every bad data input is a one-line DistilkitError naming the file, the place and a fix."""
import json

import pytest

from distilkit.config import DataConfig
from distilkit.data import LabelSpace, load_split
from distilkit.errors import DistilkitError
from tests.conftest import one_line_error, write


def load_error(source, cfg=None, **kwargs) -> str:
    """The one-line message of the DistilkitError that loading ``source`` raises."""
    return one_line_error(load_split, str(source), cfg or DataConfig(), **kwargs)


def test_missing_file(tmp_path):
    message = load_error(tmp_path / "nope.csv")
    assert "nope.csv" in message and "not found" in message and "check the path" in message


def test_unknown_extension_lists_supported_formats(tmp_path):
    path = write(tmp_path / "sheet.xlsx", "whatever")
    message = load_error(path)
    assert "sheet.xlsx" in message and ".xlsx" in message
    for ext in (".csv", ".tsv", ".jsonl", ".json", ".parquet", ".txt"):
        assert ext in message


def test_missing_text_column_lists_available_columns(tmp_path):
    path = write(tmp_path / "d.csv", "review,label\ngood,1\n")
    message = load_error(path)
    assert "d.csv" in message and "row 2" in message and "'text'" in message
    assert "review, label" in message and "data.text_column" in message


def test_missing_custom_text_column_suggests_text_column(tmp_path):
    # A text column whose name lacks the substring 'text' (SST-2's 'sentence') is still the text column.
    path = write(tmp_path / "d.tsv", "review\tlabel\ngood\t1\n")
    message = load_error(path, DataConfig(text_column="sentence"))
    assert "'sentence'" in message and "review, label" in message
    assert "data.text_column" in message, message


def test_missing_text_pair_column_suggests_text_pair_column(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"premise": "p", "label": "x"}\n')
    message = load_error(path, DataConfig(text_column="premise", text_pair_column="hypothesis"))
    assert "'hypothesis'" in message and "premise, label" in message
    assert "data.text_pair_column" in message, message


def test_missing_label_column_lists_available_columns(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "gold": "x"}\n')
    message = load_error(path)
    assert "d.jsonl" in message and "row 1" in message and "'label'" in message
    assert "text, gold" in message and "data.label_column" in message


def test_empty_text_names_row_and_suggests_skip(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\nfine,a\n   ,b\nok,a\n")
    message = load_error(path)
    assert "d.csv" in message and "row 3" in message and "on_empty=skip" in message


def test_empty_text_skipped_and_counted_with_on_empty_skip(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "fine", "label": "a"}\n{"text": "", "label": "b"}\n'
                                       '{"text": null, "label": "b"}\n{"text": "ok", "label": "b"}\n')
    split = load_split(str(path), DataConfig(on_empty="skip"))
    assert split.texts == ["fine", "ok"] and split.rows == [1, 4]
    assert split.skipped_empty == 2
    assert any("skipped 2" in note for note in split.notes)


def test_all_rows_empty_is_an_error_even_when_skipping(tmp_path):
    path = write(tmp_path / "d.txt", " ;a\n;b\n")
    message = load_error(path, DataConfig(on_empty="skip"))
    assert "d.txt" in message and "no usable rows" in message and "skipped 2" in message


def test_empty_label_names_row(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\nfine,a\nhello,\n")
    message = load_error(path)
    assert "row 3" in message and "'label'" in message


def test_unseen_eval_label_names_row_and_label(tmp_path):
    train = load_split(str(write(tmp_path / "train.txt", "a;joy\nb;anger\n")), DataConfig())
    evaluation = load_split(str(write(tmp_path / "val.txt", "c;joy\nd;love\n")), DataConfig())
    space = LabelSpace.from_split(train)
    with pytest.raises(DistilkitError) as info:
        space.encode(evaluation)
    message = str(info.value)
    assert "\n" not in message
    assert "val.txt" in message and "row 2" in message and "'love'" in message
    assert "anger" in message and "joy" in message  # the known labels


@pytest.mark.parametrize("name, body", [
    ("d.txt", b"ok;joy\nfine;joy\ncaf\xe9;joy\n"),
    ("d.csv", b"text,label\nok,joy\ncaf\xe9,joy\n"),  # the header is line 1
    ("d.jsonl", b'{"text": "ok", "label": "joy"}\n{"text": "fine", "label": "joy"}\n'
                b'{"text": "caf\xe9", "label": "joy"}\n'),
])
def test_non_utf8_bytes_name_the_line(tmp_path, name, body):
    # latin-1 'e-acute' (byte 0xe9) on line 3
    path = tmp_path / name
    path.write_bytes(body)
    message = load_error(path)
    assert name in message and "line 3" in message and "UTF-8" in message and "0xe9" in message


def test_non_utf8_json_names_the_line(tmp_path):
    path = tmp_path / "d.json"
    path.write_bytes(b'[\n{"text": "ok", "label": "a"},\n{"text": "caf\xe9", "label": "b"}\n]\n')
    assert "line 3" in load_error(path)


def test_malformed_jsonl_line(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n{"text": "b", "label": \n')
    message = load_error(path)
    assert "d.jsonl" in message and "line 2" in message and "not valid JSON" in message


def test_jsonl_line_that_is_not_an_object(tmp_path):
    path = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n["b", "y"]\n')
    message = load_error(path)
    assert "line 2" in message and "list" in message


def test_malformed_json_names_line(tmp_path):
    path = write(tmp_path / "d.json", '[\n{"text": "a", "label": "x"},\n{"text": "b" "label": "y"}\n]')
    message = load_error(path)
    assert "d.json" in message and "line 3" in message and ".jsonl" in message


def test_txt_line_without_semicolon(tmp_path):
    path = write(tmp_path / "d.txt", "good;joy\nno separator here\n")
    message = load_error(path)
    assert "d.txt" in message and "line 2" in message and "text;label" in message


def test_clinc_file_without_split_suggests_train(tmp_path):
    path = write(tmp_path / "clinc.json", json.dumps({"train": [["hi", "greet"]], "oos_train": [["x", "oos"]],
                                                      "val": [], "oos_val": [], "test": [], "oos_test": []}))
    message = load_error(path)
    assert "clinc.json" in message and "clinc.json::train" in message
    assert load_split(f"{path}::train", DataConfig()).labels == ["greet", "oos"]


def test_split_on_single_split_format_is_rejected(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\na,b\n")
    message = load_error(f"{path}::train")
    assert "d.csv" in message and "'::train'" in message and "drop it" in message


def test_label_id_out_of_range_of_label_names(tmp_path):
    path = write(tmp_path / "d.tsv", "sentence\tlabel\ngood\t1\nodd\t2\n")
    message = load_error(path, DataConfig(text_column="sentence", label_names=["negative", "positive"]))
    assert "d.tsv" in message and "row 3" in message and "label id 2" in message and "label_names" in message


def test_single_label_training_data_is_rejected(tmp_path):
    split = load_split(str(write(tmp_path / "d.txt", "a;joy\nb;joy\n")), DataConfig())
    with pytest.raises(DistilkitError) as info:
        LabelSpace.from_split(split)
    assert "1 distinct label" in str(info.value) and "joy" in str(info.value) and "at least 2" in str(info.value)


def test_csv_line_with_more_fields_than_header(tmp_path):
    path = write(tmp_path / "d.csv", "text,label\nfine,a\nhello, world,b\n")
    message = load_error(path)
    assert "d.csv" in message and "line 3" in message and "more fields" in message and "quote" in message


def test_corrupt_parquet(tmp_path):
    path = write(tmp_path / "d.parquet", "this is not parquet")
    message = load_error(path)
    assert "d.parquet" in message and "Parquet" in message
