"""Shared fixtures: tiny random BERT / DistilBERT model folders and a small learnable dataset.

The tiny models reuse the uncased WordPiece vocabulary of the offline MiniLM (the same vocab as
bert-base-uncased and distilbert-base-uncased), so they exercise exactly the code path of a
user naming a hub model, through a local folder.
"""
from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("DISTILKIT_QUIET", "1")
os.environ.setdefault("TQDM_DISABLE", "1")  # progress bars are for people, not test logs

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def pytest_collection_modifyitems(config, items):
    """The real-model tests take a minute or more each: run them first, so that with pytest-xdist the other
    worker goes through the many short tests beside them instead of everyone waiting for them at the end."""
    items.sort(key=lambda item: item.get_closest_marker("longest") is None)


@pytest.fixture(autouse=True)
def _restore_torch_threads():
    """`--threads 1` in an in-process CLI call sets torch's process-wide thread count; put it back so one
    test cannot slow every later one down."""
    import torch

    before = torch.get_num_threads()
    yield
    if torch.get_num_threads() != before:
        torch.set_num_threads(before)


POSITIVE = ["great", "wonderful", "happy", "love", "excellent", "delightful", "amazing", "good"]
NEGATIVE = ["awful", "terrible", "sad", "hate", "horrible", "dreadful", "bad", "angry"]
FILLER = ["the", "movie", "was", "really", "quite", "today", "this", "food", "story", "day", "it", "felt"]


def make_rows(n: int, seed: int = 0) -> list[dict]:
    """Sentences whose label is given by one sentiment word among filler words."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = "pos" if i % 2 == 0 else "neg"
        words = rng.sample(FILLER, 5) + [rng.choice(POSITIVE if label == "pos" else NEGATIVE)]
        rng.shuffle(words)
        rows.append({"text": " ".join(words), "label": label})
    return rows


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(fn, *args, **kwargs) -> str:
    """The message of the DistilkitError that ``fn(*args, **kwargs)`` raises; it must be one line."""
    from distilkit import DistilkitError

    with pytest.raises(DistilkitError) as info:
        fn(*args, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    return message


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def toy_data(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("toy")
    return {"train": str(write_jsonl(folder / "train.jsonl", make_rows(160, 1))),
            "validation": str(write_jsonl(folder / "val.jsonl", make_rows(40, 2))),
            "test": str(write_jsonl(folder / "test.jsonl", make_rows(40, 3)))}


def _tokenizer(distilbert: bool):
    from transformers import AutoTokenizer

    from distilkit.models import resolve_model

    tok = AutoTokenizer.from_pretrained(resolve_model("minilm-l6"))
    if distilbert:  # distilbert-base-uncased's tokenizer has no token_type_ids
        tok.model_input_names = ["input_ids", "attention_mask"]
    return tok


def _save_tiny(folder: Path, arch: str) -> str:
    import torch
    from transformers import AutoModel, BertConfig, DistilBertConfig

    torch.manual_seed(0)
    if arch == "bert":
        config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=64, max_position_embeddings=128)
    else:
        config = DistilBertConfig(vocab_size=30522, dim=32, n_layers=2, n_heads=2, hidden_dim=64,
                                  max_position_embeddings=128)
    AutoModel.from_config(config).save_pretrained(folder)
    _tokenizer(arch == "distilbert").save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> str:
    return _save_tiny(tmp_path_factory.mktemp("tiny-bert"), "bert")


@pytest.fixture(scope="session")
def tiny_distilbert(tmp_path_factory) -> str:
    return _save_tiny(tmp_path_factory.mktemp("tiny-distilbert"), "distilbert")


@pytest.fixture(scope="session")
def small_bert(tmp_path_factory) -> str:
    """A 2-layer BERT whose vocabulary is the toy data's 40 words: its folders and checkpoints are kilobytes,
    for tests that copy or rewrite them many times (crash consistency)."""
    import torch
    from transformers import AutoModel, BertConfig, BertTokenizerFast

    folder = tmp_path_factory.mktemp("small-bert")
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + sorted(set(POSITIVE + NEGATIVE + FILLER))
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    torch.manual_seed(0)
    AutoModel.from_config(BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                                     intermediate_size=32, max_position_embeddings=64)).save_pretrained(folder)
    BertTokenizerFast(vocab_file=str(folder / "vocab.txt")).save_pretrained(folder)
    return str(folder)


@pytest.fixture(params=["bert", "distilbert"])
def tiny_model(request, tiny_bert, tiny_distilbert) -> str:
    return tiny_bert if request.param == "bert" else tiny_distilbert


def tiny_config(model: str, data: dict, out: Path, task: str = "text-classification", max_length: int = 32,
                sections: dict | None = None, **training):
    """A RunConfig for a fast toy run (tiny model, toy data); keyword args override training."""
    from distilkit import config_from_dict

    settings = {"output_dir": str(out), "epochs": 6, "learning_rate": 3e-3, "batch_size": 16,
                "logging_steps": 5, "seed": 0, "warmup_ratio": 0.0}
    settings.update(training)
    return config_from_dict({"task": task, "model": {"name": model, "max_length": max_length}, "data": dict(data),
                             "training": settings, "card": {"model_name": "toy"}, **(sections or {})})


def _train_each_arch(tmp_path_factory, models: dict, prefix: str, make_config) -> dict:
    """One finished toy run per architecture: {arch: (output folder, summary)}."""
    from distilkit import train

    runs = {}
    for arch, model in models.items():
        out = tmp_path_factory.mktemp(f"{prefix}-{arch}")
        runs[arch] = (out, train(make_config(model, out)))
    return runs


@pytest.fixture(scope="session")
def toy_runs(tmp_path_factory, tiny_bert, tiny_distilbert, toy_data) -> dict:
    """One finished toy run per architecture: (output folder, summary), shared across test modules."""
    return _train_each_arch(tmp_path_factory, {"bert": tiny_bert, "distilbert": tiny_distilbert}, "run",
                            lambda model, out: tiny_config(model, toy_data, out))


COLORS = ["red", "blue", "green", "yellow", "purple", "orange", "black", "white"]
QA_FILLER = ["the", "car", "was", "parked", "near", "house", "today", "and", "it", "looked", "very", "old", "new"]


def make_qa_rows(n: int, seed: int = 0, unanswerable: float = 0.0) -> list[dict]:
    """SQuAD-flat rows: a context of filler words with one colour; 'what color is it?' asks for it.
    With ``unanswerable`` > 0, that fraction of contexts has no colour and no answer (SQuAD v2)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        words = rng.sample(QA_FILLER, 7)
        answers = {"text": [], "answer_start": []}
        if rng.random() >= unanswerable:
            color = rng.choice(COLORS)
            words.insert(rng.randrange(len(words) + 1), color)
            context = " ".join(words)
            answers = {"text": [color], "answer_start": [(" " + context + " ").index(f" {color} ")]}
        rows.append({"id": f"q{seed}-{i}", "question": "what color is it?", "context": " ".join(words),
                     "answers": answers})
    return rows


@pytest.fixture(scope="session")
def qa_data(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("qa")
    return {"train": str(write_jsonl(folder / "train.jsonl", make_qa_rows(240, 1))),
            "validation": str(write_jsonl(folder / "val.jsonl", make_qa_rows(40, 2))),
            "test": str(write_jsonl(folder / "test.jsonl", make_qa_rows(40, 3)))}


def qa_config(model: str, data: dict, out: Path, qa: dict | None = None, **training):
    return tiny_config(model, data, out, task="question-answering", max_length=48,
                       sections={"qa": {"doc_stride": 16, **(qa or {})}, "card": {"model_name": "toy-qa"}},
                       **training)


@pytest.fixture(scope="session")
def qa_runs(tmp_path_factory, tiny_bert, tiny_distilbert, qa_data) -> dict:
    """One finished toy QA run per architecture: (output folder, summary); each also scores an extra test set."""
    other = str(write_jsonl(tmp_path_factory.mktemp("qa-other") / "other.jsonl", make_qa_rows(30, 4)))
    return _train_each_arch(tmp_path_factory, {"bert": tiny_bert, "distilbert": tiny_distilbert}, "qa-run",
                            lambda model, out: qa_config(model, {**qa_data, "extra_tests": {"other": other}}, out))


@pytest.fixture(scope="session")
def int8_export(toy_runs, toy_data, tmp_path_factory):
    """The DistilBERT toy run exported to a verified onnx-int8 folder: (folder, export result)."""
    from distilkit import export_model

    out = tmp_path_factory.mktemp("exports") / "toy-int8"
    result = export_model(str(toy_runs["distilbert"][0]), "onnx-int8", str(out), data=toy_data["validation"])
    return out, result
