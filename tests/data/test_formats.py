"""Reading every supported format, column mapping, label spaces, hub datasets and sampling."""
import json
from pathlib import Path

import pytest

from distilkit.config import DataConfig
from distilkit.data import LabelSpace, load_split, read_records
from distilkit.errors import DistilkitError

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"
CLINC_PLUS = SHARED / "clinc150" / "data_oos_plus.json"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="shared data not present")


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_csv_reads_quoted_fields_and_keeps_row_numbers(tmp_path):
    src = write(tmp_path / "d.csv", 'text,label\n"hello, world",pos\nplain text,neg\n')
    split = load_split(src, DataConfig())
    assert split.texts == ["hello, world", "plain text"]
    assert split.labels == ["pos", "neg"]
    assert split.rows == [2, 3]  # the header is line 1


def test_tsv_stray_quote_does_not_swallow_following_lines(tmp_path):
    # GLUE TSVs are unquoted; a csv-style reader would treat '"' as opening a quoted field.
    src = write(tmp_path / "d.tsv", 'sentence\tlabel\nit is "great\t1\nawful movie\t0\nfine\t1\n')
    split = load_split(src, DataConfig(text_column="sentence", label_names=["negative", "positive"]))
    assert split.texts == ['it is "great', "awful movie", "fine"]
    assert split.labels == ["positive", "negative", "positive"]
    assert split.rows == [2, 3, 4]


def test_jsonl_skips_blank_lines_and_numbers_rows_by_line(tmp_path):
    src = write(tmp_path / "d.jsonl", '{"text": "a", "label": "x"}\n\n{"text": "b", "label": "y"}\n')
    split = load_split(src, DataConfig())
    assert split.texts == ["a", "b"]
    assert split.rows == [1, 3]


def test_json_list_of_objects_and_data_wrapper(tmp_path):
    records = [{"text": "a", "label": "x"}, {"text": "b", "label": "y"}]
    plain = write(tmp_path / "list.json", json.dumps(records))
    wrapped = write(tmp_path / "wrapped.json", json.dumps({"data": records}))
    for src in (plain, wrapped):
        split = load_split(src, DataConfig())
        assert split.texts == ["a", "b"] and split.labels == ["x", "y"] and split.rows == [1, 2]


def test_json_dict_of_splits_selected_with_double_colon(tmp_path):
    src = write(tmp_path / "s.json", json.dumps({
        "train": [{"text": "t1", "label": "a"}, {"text": "t2", "label": "b"}],
        "test": [{"text": "only test", "label": "a"}]}))
    assert load_split(src + "::test", DataConfig()).texts == ["only test"]
    assert load_split(src + "::train", DataConfig()).texts == ["t1", "t2"]
    with pytest.raises(DistilkitError, match="no split 'dev'"):
        load_split(src + "::dev", DataConfig())


def test_parquet_with_integer_labels_and_label_names(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"review": ["good", "bad", "meh"], "stars": [1, 0, 1]}), path)
    split = load_split(str(path), DataConfig(text_column="review", label_column="stars", label_names=["neg", "pos"]))
    assert split.texts == ["good", "bad", "meh"]
    assert split.labels == ["pos", "neg", "pos"]


def test_txt_keeps_semicolons_inside_text(tmp_path):
    src = write(tmp_path / "d.txt", "i feel fine; really;joy\nso sad;sadness \n\nwhy; oh why;anger\n")
    split = load_split(src, DataConfig())
    assert split.texts == ["i feel fine; really", "so sad", "why; oh why"]
    assert split.labels == ["joy", "sadness", "anger"]
    assert split.rows == [1, 2, 4]


def test_text_pair_column_is_read(tmp_path):
    src = write(tmp_path / "nli.jsonl", '{"premise": "p1", "hypothesis": "h1", "gold": "entailment"}\n'
                                        '{"premise": "p2", "hypothesis": "h2", "gold": "neutral"}\n')
    cfg = DataConfig(text_column="premise", text_pair_column="hypothesis", label_column="gold")
    split = load_split(src, cfg)
    assert split.texts == ["p1", "p2"] and split.pairs == ["h1", "h2"]
    assert split.labels == ["entailment", "neutral"]
    assert load_split(src, DataConfig(text_column="premise", label_column="gold")).pairs is None


def test_string_labels_are_kept_even_with_label_names(tmp_path):
    src = write(tmp_path / "d.jsonl", '{"text": "a", "label": "positive"}\n{"text": "b", "label": 0}\n'
                                      '{"text": "c", "label": 1.0}\n')
    split = load_split(src, DataConfig(label_names=["negative", "positive"]))
    assert split.labels == ["positive", "negative", "positive"]


def test_integer_labels_without_names_become_strings(tmp_path):
    src = write(tmp_path / "d.jsonl", '{"text": "a", "label": 3}\n{"text": "b", "label": 10}\n')
    assert load_split(src, DataConfig()).labels == ["3", "10"]


def test_unlabelled_data_allowed_when_label_not_required(tmp_path):
    src = write(tmp_path / "d.jsonl", '{"text": "a"}\n{"text": "b"}\n')
    split = load_split(src, DataConfig(), require_label=False)
    assert split.texts == ["a", "b"] and split.labels is None


def test_label_space_sorts_numeric_labels_numerically(tmp_path):
    src = write(tmp_path / "d.csv", "text,label\na,10\nb,2\nc,1\nd,2\n")
    space = LabelSpace.from_split(load_split(src, DataConfig()))
    assert space.names == ["1", "2", "10"]  # a string sort would give 1, 10, 2
    assert space.id2label == {0: "1", 1: "2", 2: "10"}
    assert all(space.label2id[name] == i for i, name in space.id2label.items())


def test_label_space_string_labels_and_encode(tmp_path):
    src = write(tmp_path / "d.txt", "a;joy\nb;anger\nc;joy\nd;sadness\n")
    split = load_split(src, DataConfig())
    space = LabelSpace.from_split(split)
    assert space.names == ["anger", "joy", "sadness"]
    ids = space.encode(split)
    assert [space.names[i] for i in ids] == split.labels
    assert space.counts(ids) == [1, 2, 1]


def test_label_space_uses_label_names_order_when_given(tmp_path):
    src = write(tmp_path / "d.txt", "a;pos\nb;neg\n")
    space = LabelSpace.from_split(load_split(src, DataConfig()), ["pos", "neg", "neutral"])
    assert space.names == ["pos", "neg", "neutral"]
    assert space.label2id["neutral"] == 2


@needs_shared
def test_real_emotion_train_loads():
    split = load_split(str(SHARED / "emotion" / "train.txt"), DataConfig())
    assert len(split) == 16000
    assert LabelSpace.from_split(split).names == sorted(["sadness", "joy", "love", "anger", "fear", "surprise"])


@needs_shared
def test_real_clinc_plus_splits():
    train = load_split(f"{CLINC_PLUS}::train", DataConfig())
    assert len(train) == 15250
    space = LabelSpace.from_split(train)
    assert len(space.names) == 151 and "oos" in space.names
    assert len(load_split(f"{CLINC_PLUS}::validation", DataConfig())) == 3100
    assert len(load_split(f"{CLINC_PLUS}::test", DataConfig())) == 5500
    assert len(load_split(f"{SHARED / 'clinc150' / 'data_full.json'}::train", DataConfig())) == 15100


def _fake_hub_dataset():
    import datasets

    features = datasets.Features({"text": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["sadness", "joy", "love"])})
    return datasets.Dataset.from_dict({"text": ["x", "y", "z"], "label": [2, 0, 1]}, features=features)


def test_hub_dataset_with_config_maps_classlabel_ids_to_names(monkeypatch):
    import datasets

    calls = []

    def fake_load(*args, **kwargs):
        calls.append((args, kwargs))
        return _fake_hub_dataset()

    monkeypatch.setattr(datasets, "load_dataset", fake_load)
    split = load_split("hub:dair-ai/emotion:split::validation", DataConfig())
    assert calls == [(("dair-ai/emotion", "split"), {"split": "validation"})]
    assert split.texts == ["x", "y", "z"]
    assert split.labels == ["love", "sadness", "joy"]


def test_hub_dataset_without_config_passes_none(monkeypatch):
    import datasets

    calls = []
    monkeypatch.setattr(datasets, "load_dataset", lambda *a, **k: calls.append((a, k)) or _fake_hub_dataset())
    records = list(read_records("hub:emotion::train"))
    assert calls == [(("emotion", None), {"split": "train"})]
    assert [r["label"] for _, r in records] == ["love", "sadness", "joy"]


def test_hub_dataset_needs_a_split():
    with pytest.raises(DistilkitError, match="::train"):
        list(read_records("hub:emotion"))


def test_hub_unreachable_gives_one_line_error_naming_dataset(monkeypatch):
    import datasets  # noqa: F401  (import first so the flags below are the ones it reads)
    import huggingface_hub.constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True, raising=False)
    with pytest.raises(DistilkitError) as info:
        load_split("hub:nonexistent-org/nonexistent-ds::train", DataConfig())
    message = str(info.value)
    assert "nonexistent-org/nonexistent-ds" in message and "train" in message
    assert "\n" not in message


def test_subset_is_seeded_deterministic_and_sized(tmp_path):
    src = write(tmp_path / "d.txt", "".join(f"text {i};{'ab'[i % 2]}\n" for i in range(100)))
    split = load_split(src, DataConfig())
    a, b, c = split.subset(10, seed=1), split.subset(10, seed=1), split.subset(10, seed=2)
    assert len(a) == 10 and a.texts == b.texts and a.rows == b.rows
    assert a.texts != c.texts
    # rows stay aligned with their texts and labels
    assert all(t == f"text {r - 1}" and lab == "ab"[(r - 1) % 2] for t, r, lab in zip(a.texts, a.rows, a.labels))
    assert any("sampled 10 of 100" in note for note in a.notes)
    assert split.subset(None, seed=1) is split and split.subset(500, seed=1) is split


@needs_shared
def test_subset_of_label_sorted_clinc_spans_many_labels():
    train = load_split(f"{CLINC_PLUS}::train", DataConfig())
    sample = train.subset(500, seed=0)
    assert len(sample) == 500
    # The first 500 rows of this label-sorted file hold only 5 intents.
    assert len(set(train.labels[:500])) <= 5
    assert len(set(sample.labels)) > 100


def test_a_joined_split_is_named_shortly_by_folder():
    from distilkit.data.dataset import joined_name

    many = [f"../d/nli/round{i}.jsonl" for i in range(1, 11)]
    name = joined_name(["../d/snli/dev.jsonl", *many, "../d/cad/train.tsv::columns=premise:sentence1"])
    assert name == ("../d/snli/dev.jsonl + ../d/nli/ (10 files: round1.jsonl … round10.jsonl) + "
                    "../d/cad/train.tsv::columns=premise:sentence1")
    assert joined_name(["a.jsonl", "b.jsonl"]) == "a.jsonl + b.jsonl"
