"""'::columns=NEW:OLD,...' composed with '::split' and '::shard=K/N', and TSV fields quoted CSV-style (CAD)
beside GLUE's unquoted ones."""
import json
from collections import Counter
from pathlib import Path

import pytest

from distilkit.config import DataConfig
from distilkit.data import load_split, read_records
from distilkit.data.formats import parse_source
from tests.conftest import one_line_error

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def rows(source: str) -> list[dict]:
    return [record for _, record in read_records(source)]


def nli_tsv(path: Path, n: int = 6) -> str:
    path.write_text("sentence1\tsentence2\tgold_label\n" + "".join(
        f"premise {i}\thypothesis {i}\t{['entailment', 'neutral'][i % 2]}\n" for i in range(n)), encoding="utf-8")
    return str(path)


def test_columns_rename_keeps_other_columns_and_feeds_a_pair_task(tmp_path):
    src = nli_tsv(tmp_path / "train.tsv") + "::columns=premise:sentence1,hypothesis:sentence2,label:gold_label"
    assert rows(src)[0] == {"premise": "premise 0", "hypothesis": "hypothesis 0", "label": "entailment"}
    split = load_split(src, DataConfig(text_column="premise", text_pair_column="hypothesis"))
    assert split.texts[1] == "premise 1" and split.pairs[1] == "hypothesis 1" and split.labels[1] == "neutral"
    assert split.rows[0] == 2  # still the file's line number
    swapped = rows(nli_tsv(tmp_path / "s.tsv") + "::columns=sentence1:sentence2,sentence2:sentence1")[0]
    assert swapped["sentence1"] == "hypothesis 0" and swapped["sentence2"] == "premise 0"


def test_columns_compose_with_split_and_shard_in_either_order(tmp_path):
    path = tmp_path / "s.json"
    path.write_text(json.dumps({"test": [{"context": f"c{i}", "label": "x"} for i in range(10)]}), encoding="utf-8")
    whole = rows(f"{path}::test::columns=premise:context")
    assert [r["premise"] for r in whole] == [f"c{i}" for i in range(10)] and "context" not in whole[0]
    first = rows(f"{path}::test::columns=premise:context::shard=1/2")
    assert first == rows(f"{path}::test::shard=1/2::columns=premise:context")
    second = rows(f"{path}::test::columns=premise:context::shard=2/2")
    assert sorted(r["premise"] for r in first + second) == sorted(r["premise"] for r in whole)
    assert parse_source("hub:glue:mnli::validation_matched::columns=a:b::shard=1/3") == (
        "hub:glue:mnli", "validation_matched", {"columns": "a:b", "shard": "1/3"})


def test_bad_source_options_are_one_line_naming_the_fix(tmp_path):
    src = nli_tsv(tmp_path / "d.tsv")
    message = one_line_error(lambda: rows(src + "::columns=premise:sentence9"))
    assert "row 2 has no column 'sentence9'" in message and "sentence1, sentence2, gold_label" in message
    assert "not NEW:OLD" in one_line_error(lambda: rows(src + "::columns=premise"))
    assert "twice" in one_line_error(lambda: rows(src + "::columns=a:sentence1,a:sentence2"))
    assert "unknown option '::cols='" in one_line_error(lambda: rows(src + "::cols=a:b"))
    assert "given twice" in one_line_error(lambda: rows(src + "::shard=1/2::shard=2/2"))
    assert "is not K/N" in one_line_error(lambda: rows(src + "::shard=half"))
    assert "split comes right after" in one_line_error(lambda: rows(src + "::shard=1/2::train"))


def test_tsv_unquotes_wholly_quoted_fields_with_doubled_quotes_only(tmp_path):
    path = tmp_path / "cad.tsv"
    path.write_text('sentence1\tsentence2\tgold_label\n'
                    '"The man walks into tents of the campy supply company ""Camden""."\tA man walks.\tentailment\n'
                    '"He said ""hi"" and ""bye"""\t""\tneutral\n'
                    '"Yes," she said, "no"\tit is "great\tneutral\n'
                    '"\t"""\tcontradiction\n', encoding="utf-8")
    got = [(r["sentence1"], r["sentence2"]) for r in rows(str(path))]
    assert got == [('The man walks into tents of the campy supply company "Camden".', "A man walks."),
                   ('He said "hi" and "bye"', ""),
                   ('"Yes," she said, "no"', 'it is "great'),  # GLUE-style stray quotes stay as they are
                   ('"', '"""')]


def test_csv_quoting_is_unchanged(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"a ""b""",x\n', encoding="utf-8")
    assert rows(str(path)) == [{"text": 'a "b"', "label": "x"}]


def test_cad_all_combined_train_reads_with_columns():
    path = SHARED / "cad_nli" / "all_combined" / "train.tsv"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    got = rows(f"{path}::columns=premise:sentence1,hypothesis:sentence2,label:gold_label")
    assert len(got) == 8330
    assert Counter(r["label"] for r in got) == {"entailment": 2770, "neutral": 2778, "contradiction": 2782}
    assert not any(r["premise"].startswith('"') and r["premise"].endswith('"') for r in got)
    assert any('""' not in r["premise"] and '"' in r["premise"] for r in got)  # the inner quotes, undoubled


def test_dnc_reads_with_context_renamed_to_premise():
    path = SHARED / "dnc" / "train" / "recast_sentiment_data.json"
    if not path.is_file():
        pytest.skip(f"{path} not present")
    split = load_split(f"{path}::columns=premise:context",
                       DataConfig(text_column="premise", text_pair_column="hypothesis"))
    assert len(split) == 4800 and Counter(split.labels) == {"entailed": 2400, "not-entailed": 2400}
