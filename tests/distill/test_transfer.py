"""Transfer sets (distill.transfer): augmentations of the training texts and lines of a file, labelled by the
teacher once (cached) and learnt through the soft term only; bad sources refused in one line; the card says
what the student saw."""
from __future__ import annotations

import math

import pytest
import torch
import yaml

from distilkit import train
from distilkit.config import TransferSource
from distilkit.data import TextSplit
from distilkit.data.dataset import normalise
from distilkit.distill import teachers as teachers_mod
from distilkit.distill.transfer import build_transfer
from tests.conftest import NEGATIVE, POSITIVE, make_rows, one_line_error
from tests.distill.test_distill import distill_config

ROWS = make_rows(40, 1)
TRAIN = TextSplit("train.jsonl", [r["text"] for r in ROWS], None, [r["label"] for r in ROWS], list(range(1, 41)))


def source(**fields) -> TransferSource:
    s = TransferSource(**fields)
    s.check("distill.transfer[0]")
    return s


def texts(held_out=(), **fields) -> list[str]:
    return build_transfer([source(**fields)], TRAIN, held_out)[0][0].texts


@pytest.mark.parametrize("kind", ["mask", "replace", "ngram"])
def test_augmentations_are_seeded_new_and_distinct(kind):
    made = texts(kind=kind, size=30, seed=1, probability=0.3)
    assert made == texts(kind=kind, size=30, seed=1, probability=0.3)  # the same seed, the same texts
    assert made != texts(kind=kind, size=30, seed=2, probability=0.3)
    originals = {normalise(t) for t in TRAIN.texts}
    assert len(made) == 30 and len({normalise(t) for t in made}) == 30
    assert all(t.strip() and normalise(t) not in originals for t in made)


def test_masking_uses_the_mask_token_and_ngrams_their_lengths():
    assert all("<mask>" in t for t in texts(kind="mask", size=20, mask_token="<mask>", probability=0.2))
    assert all(2 <= len(t.split()) <= 3 for t in texts(kind="ngram", size=20, ngram_min=2, ngram_max=3))


def test_replacement_draws_only_words_of_the_same_class():
    vocab = {label: {w for t, lab in zip(TRAIN.texts, TRAIN.labels) if lab == label for w in t.split()}
             for label in ("pos", "neg")}
    made = texts(kind="replace", size=40, probability=0.5)
    for text in made:  # a positive text's words replaced by a negative text's would hold both kinds
        words = set(text.split())
        assert words <= vocab["pos"] or words <= vocab["neg"], text
        assert not (words & set(POSITIVE) and words & set(NEGATIVE)), text


def test_file_source_samples_size_usable_lines(tmp_path):
    lines = [f"wiki sentence number {i}" for i in range(30)]
    held = TextSplit("test.jsonl", ["wiki sentence number 3"], None, None, [1])
    path = tmp_path / "wiki.txt"  # a blank line, a repeat, a training text and a test text: all dropped
    path.write_text("\n".join(lines + ["", "Wiki  sentence number 0", TRAIN.texts[5]]) + "\n", encoding="utf-8")
    (split, report), = build_transfer([source(kind="file", path=str(path), size=26, seed=3)], TRAIN, [held])
    found = {normalise(t) for t in split.texts}  # the repeat differs in case and spacing only: either may be kept
    assert len(split.texts) == len(found) == 26 and found <= set(lines) - {"wiki sentence number 3"}
    assert sum(report["dropped"].values()) >= 1
    assert one_line_error(texts, [held], kind="file", path=str(path), size=30).startswith(
        "distill.transfer[0].size 30: only 29 usable texts")  # 30 lines, less the test text
    assert split.texts != texts(kind="file", path=str(path), size=26, seed=4)
    jsonl = tmp_path / "wiki.jsonl"
    jsonl.write_text("".join(f'{{"sentence": "{line}"}}\n' for line in lines), encoding="utf-8")
    assert len(texts(kind="file", path=str(jsonl), text_column="sentence", size=30)) == 30


@pytest.mark.parametrize("content, expected", [
    (b"", "distill.transfer[0].path: "),
    (b"\n  \n", "holds no text"),
    (b"\x89PNG\r\n\x1a\n\xff\xfe", "not valid UTF-8"),
    (b"abc\x00def\n", "NUL byte"),
    (b"one\ntwo\n", "distill.transfer[0].size 5: only 2 usable texts"),
])
def test_bad_transfer_files_are_one_line_errors(tmp_path, content, expected):
    path = tmp_path / "t.txt"
    path.write_bytes(content)
    message = one_line_error(texts, kind="file", path=str(path), size=5)
    assert expected in message and message.startswith("distill.transfer[0]"), message


def test_bad_sources_are_refused_by_the_config_and_the_cli(tmp_path, tiny_bert, toy_data, capsys):
    from distilkit.cli import main

    empty = tmp_path / "empty.txt"
    empty.write_text("")
    for entry, expected in (({"kind": "file", "path": str(empty), "size": 3}, "holds no text"),
                            ({"kind": "mask", "size": 0}, "distill.transfer[0].size 0: must be >= 1"),
                            ({"kind": "file", "size": 3}, "distill.transfer[0].path: a 'file' source needs a file")):
        cfg = distill_config(tiny_bert, toy_data, tmp_path / "s", teacher=tiny_bert).to_dict()
        cfg["distill"]["transfer"] = [entry]
        recipe = tmp_path / "r.yaml"
        recipe.write_text(yaml.safe_dump(cfg))
        assert main(["distill", str(recipe)]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("error: ") and "\n" not in err and expected in err, err


def test_hard_loss_skips_transfer_rows_for_every_registry_loss():
    from distilkit.config import LossConfig
    from distilkit.distill import DistillationLoss
    from distilkit.distill.loss import UNLABELLED
    from distilkit.losses import LOSSES, build_loss

    torch.manual_seed(0)
    logits, teacher = torch.randn(4, 3), torch.randn(4, 3)
    labels = torch.tensor([0, UNLABELLED, 2, UNLABELLED])
    other = logits.clone()
    other[1, 0] += 5.0  # a transfer row's outputs: the hard term must not see them
    for name in LOSSES:
        hard = build_loss(LossConfig(name=name), [3, 5, 2])
        only_hard = DistillationLoss(hard, 1.0, 2.0)
        assert torch.allclose(only_hard(logits, labels, teacher_logits=teacher), hard(logits[[0, 2]], labels[[0, 2]]))
        assert torch.allclose(only_hard(logits, labels, teacher_logits=teacher),
                              only_hard(other, labels, teacher_logits=teacher))
        mixed = DistillationLoss(hard, 0.5, 2.0)  # the soft term does see every row
        assert not torch.allclose(mixed(logits, labels, teacher_logits=teacher),
                                  mixed(other, labels, teacher_logits=teacher))
        assert only_hard(logits, torch.full((4,), UNLABELLED), teacher_logits=teacher).item() == 0.0


def test_distilling_with_transfer_sets_trains_reports_and_caches(tmp_path, toy_runs, tiny_bert, toy_data, monkeypatch):
    from huggingface_hub import ModelCard
    from transformers import AutoModelForSequenceClassification

    teacher = str(toy_runs["bert"][0])
    wiki = tmp_path / "wiki.txt"
    wiki.write_text("".join(f"the day {w} felt {v}\n" for w in POSITIVE for v in ("long", "short", "odd")))
    transfer = [{"kind": "file", "path": str(wiki), "size": 20, "seed": 1}, {"kind": "mask", "size": 30}]
    cfg = distill_config(tiny_bert, toy_data, tmp_path / "s", teacher=teacher, transfer=transfer)
    cfg.training.epochs = 1
    cfg.loss.name, cfg.loss.base = "class_balanced", "focal"  # class weights from labelled rows only
    summary = train(cfg)
    assert all(math.isfinite(loss) for _, loss in summary["loss_curve"]) and summary["loss_curve"]
    assert summary["derived"]["train_examples"] == 160 + 50
    assert summary["data"]["validation"]["rows"] == 40 and summary["data"]["test"]["rows"] == 40
    report = summary["distillation"]
    assert report["training_rows"] == {"labelled": 160, "transfer": 50}
    assert [(t["kind"], t["texts"], t["seed"], t.get("path")) for t in report["transfer"]] == [
        ("file", 20, 1, str(wiki)), ("mask", 30, 42, None)]
    assert report["teacher_cache_hits"]["transfer[0]"] is False
    AutoModelForSequenceClassification.from_pretrained(tmp_path / "s")
    body = ModelCard.load(tmp_path / "s" / "README.md").text
    assert "160 labelled training rows and 50 transfer texts" in body and f"`{wiki}`" in body
    assert "| mask | 30 | 42 | training texts | probability `0.1`, mask_token `[MASK]` |" in body
    assert "| distill.transfer | 2 entries (in distilkit_recipe.yaml) |" in body

    # A second run (or search trial) labels nothing: every set's logits come from the cache.
    from distilkit.distill import Distiller
    from distilkit.models import load_tokenizer
    from distilkit.tasks import get_task

    def boom(*args, **kwargs):
        raise AssertionError("the teacher was run although its logits are cached")
    monkeypatch.setattr(teachers_mod.ModelTeacher, "logits", boom)
    task = get_task(cfg.task).from_config(cfg)
    data = task.load(cfg.training.seed)
    tokenizer = load_tokenizer(tiny_bert)
    distiller = Distiller(cfg, task)
    dataset = distiller.attach(task.preprocess(data.train, tokenizer), data.train, tokenizer,
                               [data.validation, data.test])
    assert distiller.cache_hits == {"train": True, "transfer[0]": True, "transfer[1]": True}
    assert len(dataset) == 210 and dataset["labels"][160:] == [-100] * 50


def test_card_section_lists_the_sources_in_either_teacher_mode():
    from distilkit.card.sections import distillation_section

    report = {"teachers": ["t"], "teacher_results": {}, "teacher_mode": "online", "alpha": 0.5, "temperature": 2.0,
              "hidden_weight": 0.0, "layer_map": None, "comparison": [], "training_rows": {"labelled": 9, "transfer": 4},
              "transfer": [{"kind": "ngram", "size": 4, "seed": 7, "ngram_min": 1, "ngram_max": 5, "texts": 4,
                            "dropped": {"empty": 0, "in_data": 2, "repeated": 1}}]}
    text = distillation_section(report)
    assert "Distilled from `t`, teacher run online (teacher run on every batch)." in text
    assert "| ngram | 4 | 7 | training texts | ngram_min `1`, ngram_max `5` | 2 / 1 / 0 | online (every batch) |" in text
    assert "9 labelled training rows and 4 transfer texts" in text
    assert "transfer texts" not in distillation_section({**report, "transfer": [], "teacher_mode": "cached"})
