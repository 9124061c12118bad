"""Knowledge distillation end to end on tiny models: teachers (model, ensemble, logits file), the
teacher cache, the composed loss, students cut from a teacher, the card, and the search."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from distilkit import train
from distilkit.config import DistillConfig
from distilkit.distill import teachers as teachers_mod
from tests.conftest import one_line_error, tiny_config


def distill_config(student, data, out, keep_layers=None, **distill):
    cfg = tiny_config(student, data, out)
    cfg.model.keep_layers = keep_layers
    cfg.distill = DistillConfig(cache_dir=str(Path(out).parent / "cache"), **distill)
    return cfg


@pytest.fixture
def teacher(toy_runs):
    return str(toy_runs["bert"][0])


def test_student_cut_from_teacher_learns_and_saves_as_smaller_model(tmp_path, teacher, toy_data):
    from transformers import AutoModelForSequenceClassification

    summary = train(distill_config(teacher, toy_data, tmp_path / "s", keep_layers=[1], teacher=teacher))
    student = AutoModelForSequenceClassification.from_pretrained(tmp_path / "s")
    full = AutoModelForSequenceClassification.from_pretrained(teacher)
    assert student.config.num_hidden_layers == 1 and full.config.num_hidden_layers == 2
    assert summary["results"]["test"]["accuracy"] >= 0.8
    report = summary["distillation"]
    assert report["teacher_results"]["test"]["accuracy"] >= 0.8
    rows = {r["model"].split(":")[0]: r for r in report["comparison"]}
    assert rows["student (this model)"]["parameters"] < rows["teacher"]["parameters"]


def test_keep_layers_copies_the_chosen_layers(tiny_bert, tiny_distilbert):
    from transformers import AutoModel

    from distilkit.distill import keep_layers

    for folder, prefix in ((tiny_bert, "encoder.layer"), (tiny_distilbert, "transformer.layer")):
        full = AutoModel.from_pretrained(folder)
        cut = keep_layers(full, [1])
        a = {k: v for k, v in full.state_dict().items() if f"{prefix}.1." in k}
        b = cut.state_dict()
        assert a and all(torch.equal(v, b[k.replace(f"{prefix}.1.", f"{prefix}.0.")]) for k, v in a.items())


def test_out_of_range_layers_refused_before_any_work(tmp_path, tiny_distilbert):
    # The data file does not exist: the layer error must come first, before anything is read.
    cfg = distill_config(tiny_distilbert, {"train": str(tmp_path / "missing.jsonl")}, tmp_path / "s",
                         keep_layers=[0, 5], teacher=tiny_distilbert)
    message = one_line_error(train, cfg)
    assert "[5]" in message and "2 layers (0..1)" in message


def test_second_run_reuses_the_cache_and_never_calls_the_teacher(tmp_path, teacher, tiny_distilbert, toy_data,
                                                                  monkeypatch):
    first = train(distill_config(tiny_distilbert, toy_data, tmp_path / "a", teacher=teacher))
    assert first["distillation"]["teacher_cache_hits"] == {"train": False, "validation": False, "test": False}

    def boom(*args, **kwargs):
        raise AssertionError("the teacher was run although its logits are cached")
    monkeypatch.setattr(teachers_mod.ModelTeacher, "logits", boom)
    second = train(distill_config(tiny_distilbert, toy_data, tmp_path / "b", teacher=teacher))
    assert second["distillation"]["teacher_cache_hits"] == {"train": True, "validation": True, "test": True}
    assert second["results"] == first["results"]  # same soft labels, same seed: the same student


def test_changed_teacher_or_data_invalidates_the_cache(tmp_path, toy_runs, tiny_bert, toy_data):
    cache = tmp_path / "cache"
    bert, distil = str(toy_runs["bert"][0]), str(toy_runs["distilbert"][0])
    train(distill_config(tiny_bert, toy_data, tmp_path / "a", teacher=bert))
    other_teacher = train(distill_config(tiny_bert, toy_data, tmp_path / "b", teacher=distil))
    assert other_teacher["distillation"]["teacher_cache_hits"]["train"] is False
    fewer = train(distill_config(tiny_bert, {**toy_data, "max_train_samples": 100}, tmp_path / "c", teacher=bert))
    assert fewer["distillation"]["teacher_cache_hits"]["train"] is False
    assert len(list(cache.glob("teacher-*.npy"))) == 7  # 3 splits x 2 teachers + the smaller train split


def test_ensemble_averages_aligned_teacher_logits(toy_runs, toy_data):
    from distilkit.config import DataConfig
    from distilkit.data import load_split

    split = load_split(toy_data["test"], DataConfig())
    names = [str(toy_runs[a][0]) for a in ("bert", "distilbert")]
    labels = ["pos", "neg"]  # reversed order on purpose: columns must be aligned by name
    ensemble = teachers_mod.EnsembleTeacher(names).logits(split, labels)
    members = [teachers_mod.ModelTeacher(n).logits(split, labels) for n in names]
    np.testing.assert_allclose(ensemble, np.mean(members, axis=0), rtol=1e-5)
    plain = teachers_mod.ModelTeacher(names[0]).logits(split, ["neg", "pos"])
    np.testing.assert_allclose(members[0], plain[:, ::-1], rtol=1e-6)


def test_teacher_with_other_labels_is_refused_with_the_difference():
    message = one_line_error(teachers_mod.align_columns, ["neg", "pos", "meh"], ["neg", "pos", "great"], "teacher T")
    assert "missing in teacher: great" in message and "only in teacher: meh" in message


def _logits_file(path: Path, rows: list[dict], header: list[str] | None = None) -> str:
    lines = ([json.dumps({"labels": header})] if header else []) + [json.dumps(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def test_logits_file_teacher_trains_a_student(tmp_path, tiny_bert, toy_data):
    rows = [json.loads(line) for line in Path(toy_data["train"]).read_text().splitlines()]
    # A sharp, correct "external" teacher, columns given in reversed order through the header line.
    out = [{"text": r["text"], "probabilities": [0.9, 0.1] if r["label"] == "pos" else [0.1, 0.9]} for r in rows]
    path = _logits_file(tmp_path / "t.jsonl", out, header=["pos", "neg"])
    summary = train(distill_config(tiny_bert, toy_data, tmp_path / "s", teacher_logits=path, alpha=0.0))
    assert summary["results"]["test"]["accuracy"] >= 0.8
    assert summary["distillation"]["teachers"] == [path]


@pytest.mark.parametrize("bad, expected", [
    ("missing", "no teacher output for"),
    ("extra", "line 161 is not a training example"),
    ("width", "line 3 has 3 values, expected 2"),
    ("nan", "line 5 has a NaN"),
])
def test_bad_logits_file_names_the_first_bad_row(tmp_path, tiny_bert, toy_data, bad, expected):
    rows = [json.loads(line) for line in Path(toy_data["train"]).read_text().splitlines()]
    out = [{"text": r["text"], "logits": [1.0, -1.0]} for r in rows]
    if bad == "missing":
        out.pop(7)
    elif bad == "extra":
        out.append({"text": "not in the training data", "logits": [0.0, 0.0]})
    elif bad == "width":
        out[2]["logits"] = [1.0, 2.0, 3.0]
    else:
        out[4]["logits"] = [float("nan"), 0.0]
    path = _logits_file(tmp_path / "t.jsonl", out)
    assert expected in one_line_error(train, distill_config(tiny_bert, toy_data, tmp_path / "s", teacher_logits=path))


def test_missing_logits_file_is_a_one_line_error(tmp_path, tiny_bert, toy_data):
    cfg = distill_config(tiny_bert, toy_data, tmp_path / "s", teacher_logits=str(tmp_path / "nope.jsonl"))
    assert "nope.jsonl not found" in one_line_error(train, cfg)


def test_distillation_loss_terms():
    from distilkit.distill import DistillationLoss
    from distilkit.losses import CrossEntropyLoss

    torch.manual_seed(0)
    logits = torch.randn(4, 3, requires_grad=True)
    teacher, labels = torch.randn(4, 3), torch.tensor([0, 1, 2, 1])
    hard = CrossEntropyLoss()
    assert torch.allclose(DistillationLoss(hard, 1.0, 2.0)(logits, labels, teacher_logits=teacher), hard(logits, labels))
    t = 3.0
    p_t, log_p_s = torch.softmax(teacher / t, -1), torch.log_softmax(logits / t, -1)
    manual = (p_t * (p_t.log() - log_p_s)).sum(-1).mean() * t * t  # KL(teacher || student), batch mean
    assert torch.allclose(DistillationLoss(hard, 0.0, t)(logits, labels, teacher_logits=teacher), manual, atol=1e-6)
    message = one_line_error(DistillationLoss(hard, 0.5, 2.0), logits, labels)
    assert "without teacher logits" in message
    with torch.no_grad():  # evaluation scores the hard loss, no teacher needed
        assert torch.allclose(DistillationLoss(hard, 0.5, 2.0)(logits, labels), hard(logits, labels))


def test_online_teacher_and_hidden_state_loss_train(tmp_path, teacher, toy_data):
    online = train(distill_config(teacher, toy_data, tmp_path / "o", keep_layers=[1], teacher=teacher,
                                  teacher_mode="online"))
    assert online["results"]["test"]["accuracy"] >= 0.8 and "train" not in online["distillation"]["teacher_cache_hits"]
    hidden = train(distill_config(teacher, toy_data, tmp_path / "h", keep_layers=[1], teacher=teacher,
                                  hidden_weight=1.0, layer_map=[1]))
    assert hidden["results"]["test"]["accuracy"] >= 0.8
    assert "| distill.hidden_weight | 1.0 |" in (tmp_path / "h" / "README.md").read_text()


def test_hidden_loss_needs_matching_hidden_size(tmp_path, teacher, tiny_bert, toy_data):
    from transformers import AutoModel, BertConfig

    wide = tmp_path / "wide"
    AutoModel.from_config(BertConfig(vocab_size=30522, hidden_size=48, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=128)).save_pretrained(wide)
    from transformers import AutoTokenizer
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(wide)
    message = one_line_error(train, distill_config(str(wide), toy_data, tmp_path / "s", teacher=teacher,
                                                   hidden_weight=1.0, layer_map=[1]))
    assert "hidden size 32 != student 48" in message


def test_student_card_names_teacher_and_settings(tmp_path, teacher, tiny_distilbert, toy_data):
    from huggingface_hub import ModelCard

    train(distill_config(tiny_distilbert, toy_data, tmp_path / "s", teacher=teacher, alpha=0.3, temperature=4.0))
    body = ModelCard.load(tmp_path / "s" / "README.md").text
    assert "### Knowledge distillation" in body and teacher in body
    assert "| distill.alpha | 0.3 |" in body and "| distill.temperature | 4.0 |" in body and "| loss.name |" in body
    assert "| Model | Validation accuracy | Test accuracy | Parameters | Size mb | Latency ms batch1 |" in body
    assert "teacher: " in body and "student (this model)" in body


def test_search_reports_trials_on_validation_only(tmp_path, teacher, tiny_distilbert, toy_data):
    from distilkit.distill.search import search

    cfg = distill_config(tiny_distilbert, toy_data, tmp_path / "s", teacher=teacher)
    cfg.training.epochs = 2
    result = search(cfg, ["alpha", "temperature"], trials=2)
    assert len(result["trials"]) == 2 and set(result["best_params"]) == {"alpha", "temperature"}
    assert all(0 <= t["alpha"] <= 1 and 1 <= t["temperature"] <= 10 for t in result["trials"])
    assert (tmp_path / "s" / "search.md").read_text().count("\n") == 4  # header, rule, two trials
    trial = json.loads((Path(result["best_model"]) / "training_summary.json").read_text())
    assert "test" not in trial["results"]


def test_search_sizes_epochs_and_transfer_sets(tmp_path, teacher, tiny_distilbert, toy_data, monkeypatch):
    from distilkit.config import TransferSource
    from distilkit.distill import search as search_module
    from tests.conftest import one_line_error

    cfg = distill_config(tiny_distilbert, toy_data, tmp_path / "s", teacher=teacher)
    assert "no distill.transfer sources" in one_line_error(search_module.search, cfg, ["transfer_share"], 1)
    cfg.distill.transfer = [TransferSource(kind="mask", size=40, seed=1), TransferSource(kind="ngram", size=2, seed=2)]
    seen = []
    monkeypatch.setattr("distilkit.training.train", lambda c: seen.append(c) or {
        "results": {"validation": {"accuracy": c.training.epochs / 10}}})
    result = search_module.search(cfg, ["epochs", "transfer_share"], trials=4)
    for row, trial_cfg in zip(result["trials"], seen):
        assert isinstance(row["epochs"], int) and 1 <= row["epochs"] <= 10 and trial_cfg.training.epochs == row["epochs"]
        assert row["transfer_share"] in (0.0, 0.25, 0.5, 0.75, 1.0)
        sizes = [s.size for s in trial_cfg.distill.transfer]
        expected = [n for n in (round(40 * row["transfer_share"]), round(2 * row["transfer_share"])) if n >= 1]
        assert sizes == expected and trial_cfg.data.test is None
    assert result["best_params"]["epochs"] == max(r["epochs"] for r in result["trials"])


def test_distill_command_requires_a_teacher(capsys):
    from distilkit.cli import main

    root = Path(__file__).resolve().parents[2]
    assert main(["distill", str(root / "recipes" / "emotion.yaml")]) == 2
    assert "no teacher" in capsys.readouterr().err


def test_teacher_with_a_different_tokenizer_teaches_through_raw_text(tmp_path, tiny_bert, toy_data):
    # A word-level teacher (its own 40-word vocabulary) teaching a WordPiece student: the teacher
    # reads the raw text with its own tokenizer, so the vocabularies need not match.
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoModel, BertConfig, PreTrainedTokenizerFast

    from tests.conftest import FILLER, NEGATIVE, POSITIVE

    vocab = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]"] + FILLER + POSITIVE + NEGATIVE)}
    core = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    core.pre_tokenizer = pre_tokenizers.Whitespace()
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                  sep_token="[SEP]")
    folder = tmp_path / "word-teacher-base"
    AutoModel.from_config(BertConfig(vocab_size=len(vocab), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                     intermediate_size=64, max_position_embeddings=64)).save_pretrained(folder)
    tok.save_pretrained(folder)
    teacher = train(tiny_config(str(folder), toy_data, tmp_path / "word-teacher"))
    assert teacher["results"]["test"]["accuracy"] >= 0.8
    student = train(distill_config(tiny_bert, toy_data, tmp_path / "s", teacher=str(tmp_path / "word-teacher")))
    assert student["distillation"]["teacher_results"]["test"]["accuracy"] >= 0.8
    assert student["results"]["test"]["accuracy"] >= 0.8
