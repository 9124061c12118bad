"""End-to-end training of tiny random BERT and DistilBERT models on a learnable toy task."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from distilkit import Classifier, train
from tests.conftest import tiny_config


@pytest.fixture
def trained(toy_runs):
    return toy_runs


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_loss_decreases_and_beats_chance(trained, arch):
    out, summary = trained[arch]
    curve = [loss for _, loss in summary["loss_curve"]]
    assert curve[-1] < 0.7 * curve[0], curve
    assert summary["results"]["test"]["accuracy"] >= 0.8  # chance is 0.5 on balanced toy data
    assert len(summary["history"]) == 6  # one evaluation per epoch


@pytest.mark.parametrize("arch", ["bert", "distilbert"])
def test_saved_folder_reloads_and_matches_transformers_pipeline(trained, arch):
    from transformers import AutoModelForSequenceClassification, pipeline

    out, summary = trained[arch]
    model = AutoModelForSequenceClassification.from_pretrained(out)
    assert model.config.id2label == {0: "neg", 1: "pos"}
    assert not (out / "checkpoints").exists()  # deleted after a finished run (checkpoints: delete)
    assert not list(out.glob("*.bin")) and (out / "model.safetensors").is_file()  # no pickles in the folder
    texts = ["the movie was wonderful", "an awful dreadful day", "it felt bad today", "happy story"]
    ours = [p[0]["label"] for p in Classifier(str(out)).predict(texts)]
    theirs = [p["label"] for p in pipeline("text-classification", model=str(out))(texts)]
    assert ours == theirs


def test_eval_results_and_plots_written(trained):
    out, summary = trained["bert"]
    for name in ("eval_validation.json", "eval_test.json", "learning_curve.png", "confusion_matrix_test.png",
                 "README.md", "distilkit_recipe.yaml", "training_summary.json"):
        assert (out / name).is_file(), name
    report = json.loads((out / "eval_test.json").read_text())
    assert set(report["per_class"]) == {"neg", "pos"}
    assert sum(map(sum, report["confusion_matrix"])) == 40


@pytest.mark.parametrize("loss", [
    {"name": "weighted_cross_entropy", "class_weights": "auto", "label_smoothing": 0.1},
    {"name": "focal", "gamma": 2.0, "alpha": [0.25, 0.75]},
    {"name": "class_balanced", "beta": 0.99, "base": "focal"},
])
def test_every_registry_loss_trains(tmp_path, tiny_bert, toy_data, loss):
    cfg = tiny_config(tiny_bert, toy_data, tmp_path)
    cfg.loss = type(cfg.loss)(**loss)
    summary = train(cfg)
    assert summary["results"]["test"]["accuracy"] >= 0.75
    assert summary["config"]["loss"]["name"] == loss["name"]


def test_frozen_embeddings_stay_fixed_under_gradient_checkpointing(tmp_path, tiny_bert, toy_data, monkeypatch):
    """Embeddings frozen and layers recomputed in the backward pass (training.gradient_checkpointing): every
    layer still learns (non-reentrant checkpoints pass gradients on although the embeddings need none)."""
    import transformers.modeling_utils as modeling
    from transformers import AutoModel

    calls = []
    recompute = modeling.checkpoint
    monkeypatch.setattr(modeling, "checkpoint", lambda *a, **k: calls.append(1) or recompute(*a, **k))
    cfg = tiny_config(tiny_bert, toy_data, tmp_path, epochs=1, gradient_checkpointing=True)
    cfg.model.freeze = cfg.model.freeze.parse("embeddings", "model.freeze")
    summary = train(cfg)
    before, after = AutoModel.from_pretrained(tiny_bert), AutoModel.from_pretrained(tmp_path)
    assert torch.equal(before.get_input_embeddings().weight, after.get_input_embeddings().weight)
    assert summary["derived"]["trainable_parameters"] < summary["derived"]["parameters"]
    steps = summary["derived"]["steps_completed"]
    assert len(calls) >= steps * before.config.num_hidden_layers  # each layer of each training step recomputed
    for name, weight in before.encoder.named_parameters():  # the first layer too: gradients went through
        assert not torch.equal(weight, after.encoder.get_parameter(name)), name


@pytest.fixture(scope="module")
def tiny_mpnet(tmp_path_factory) -> str:
    """A 2-layer random MPNet (the 110M teacher's architecture), which transformers cannot checkpoint itself."""
    from transformers import AutoModel, MPNetConfig

    from tests.conftest import _tokenizer

    folder = tmp_path_factory.mktemp("tiny-mpnet")
    torch.manual_seed(0)
    AutoModel.from_config(MPNetConfig(vocab_size=30527, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                                      intermediate_size=64, max_position_embeddings=130)).save_pretrained(folder)
    _tokenizer(distilbert=True).save_pretrained(folder)  # MPNet takes no token_type_ids either
    return str(folder)


def test_gradient_checkpointing_wraps_models_transformers_cannot_checkpoint(tmp_path, tiny_mpnet, toy_data,
                                                                            monkeypatch):
    """MPNet (mpnet-base, the teachers) has no checkpointing in transformers, whose Trainer stopped with a traceback:
    distilkit recomputes each of its layers itself (training.checkpointing), with the same arithmetic as a run
    that keeps the activations, and release_memory runs along."""
    import torch.utils.checkpoint as checkpoint_module
    from transformers import AutoModel

    from distilkit.training import checkpointing

    assert not checkpointing.native(AutoModel.from_pretrained(tiny_mpnet))
    calls = []
    recompute = checkpoint_module.checkpoint
    monkeypatch.setattr(checkpoint_module, "checkpoint", lambda *a, **k: calls.append(1) or recompute(*a, **k))
    plain = train(tiny_config(tiny_mpnet, toy_data, tmp_path / "plain", epochs=1))
    assert not calls
    wrapped = train(tiny_config(tiny_mpnet, toy_data, tmp_path / "gc", epochs=1, gradient_checkpointing=True,
                                release_memory=True))
    assert len(calls) == wrapped["derived"]["steps_completed"] * 2  # each step, each of the 2 layers
    assert [loss for _, loss in wrapped["loss_curve"]] == pytest.approx([loss for _, loss in plain["loss_curve"]],
                                                                        rel=1e-5)
    assert wrapped["results"]["test"]["accuracy"] == plain["results"]["test"]["accuracy"]


def test_a_copy_of_a_checkpointed_model_runs_its_own_weights(tiny_mpnet):
    """After training, the bf16 check evaluates a bf16 copy of the model: each copied layer must run the copy's
    weights (a wrapper closed over the original layer mixed bf16 inputs with fp32 weights and stopped the run)."""
    import copy

    from transformers import AutoModelForSequenceClassification

    from distilkit.training import checkpointing

    model = AutoModelForSequenceClassification.from_pretrained(tiny_mpnet, num_labels=3)
    assert checkpointing.wrap_layers(model) == 2
    ids = torch.tensor([[0, 5, 6, 7, 2]])
    half = copy.deepcopy(model).to(torch.bfloat16).eval()
    with torch.no_grad():
        got = half(input_ids=ids).logits
    assert got.dtype == torch.bfloat16
    assert all(layer.forward.__self__ is layer for layer in checkpointing.layer_list(half))
    model.eval()
    with torch.no_grad():
        assert torch.allclose(got.float(), model(input_ids=ids).logits, atol=0.05)


def test_gradient_checkpointing_on_a_model_without_layers_is_one_line():
    from distilkit.errors import DistilkitError
    from distilkit.training import checkpointing

    with pytest.raises(DistilkitError, match=r"^training.gradient_checkpointing: Linear has no .*set it to false$"):
        checkpointing.wrap_layers(torch.nn.Linear(2, 2))


def test_release_memory_returns_freed_blocks_to_the_system(tmp_path):
    """In a fresh process: after a 20 MB block is freed, glibc's dynamic threshold serves the next ones from the
    heap and keeps their pages when they are freed; with release_memory each freed block leaves resident memory."""
    import subprocess
    import sys

    script = tmp_path / "blocks.py"
    script.write_text(
        "import sys, ctypes, numpy as np\n"
        "from distilkit.training.memory import release_freed_memory\n"
        "assert release_freed_memory() if sys.argv[1] == 'release' else True\n"
        "rss = lambda: int(open('/proc/self/statm').read().split()[1]) * 4096 // 2**20\n"
        "np.ones(20 * 2**18, dtype=np.float32)  # 20 MB, mapped and freed: raises glibc's threshold\n"
        "kept, pinned = [], []\n"
        "for _ in range(6):  # each big block with a small live one above it: the heap cannot shrink from the top\n"
        "    kept.append(np.ones(20 * 2**18, dtype=np.float32)); pinned.append(np.ones(25000, dtype=np.float32))\n"
        "before = rss(); del kept\n"
        "print(before - rss())\n")
    freed = {mode: int(subprocess.run([sys.executable, str(script), mode], capture_output=True, text=True,
                                      check=True).stdout) for mode in ("keep", "release")}
    assert freed["release"] >= 100, freed  # six 20 MB blocks gone from resident memory
    assert freed["keep"] < freed["release"], freed


def test_early_stopping_stops_before_the_last_epoch(tmp_path, tiny_bert, toy_data):
    # Validation accuracy with patience 1: this toy task reaches 1.0 within a few epochs and cannot
    # improve on it (the loss can keep creeping down for all 30), so training must stop early.
    cfg = tiny_config(tiny_bert, toy_data, tmp_path, epochs=30, learning_rate=3e-3,
                      early_stopping_patience=1, metric_for_best_model="accuracy")
    summary = train(cfg)
    assert summary["derived"]["epochs_completed"] < 30
    best = max(r["accuracy"] for r in summary["history"])  # the table rounds to 4 decimals
    assert summary["derived"]["best_checkpoint_metric"] == pytest.approx(best, abs=1e-4)


def test_gradient_accumulation_and_bf16_and_max_steps(tmp_path, tiny_distilbert, toy_data):
    cfg = tiny_config(tiny_distilbert, toy_data, tmp_path, batch_size=8, gradient_accumulation_steps=2,
                      precision="bf16", max_steps=12, eval_strategy="steps", eval_steps=6)
    summary = train(cfg)
    assert summary["derived"]["steps_completed"] == 12
    assert summary["derived"]["effective_batch_size"] == 16
    assert [r["step"] for r in summary["history"]] == [6, 12]


def test_seed_makes_runs_repeatable(tmp_path, tiny_bert, toy_data):
    a = train(tiny_config(tiny_bert, toy_data, tmp_path / "a", epochs=1))
    b = train(tiny_config(tiny_bert, toy_data, tmp_path / "b", epochs=1))
    assert a["loss_curve"] == b["loss_curve"]


def test_validation_fraction_holds_out_train_rows(tmp_path, tiny_bert, toy_data):
    data = {"train": toy_data["train"], "validation_fraction": 0.25}
    summary = train(tiny_config(tiny_bert, data, tmp_path, epochs=1))
    assert summary["data"]["train"]["rows"] == 120 and summary["data"]["validation"]["rows"] == 40
    assert "test" not in summary["results"]


def test_over_long_texts_are_truncated_and_counted(tmp_path, tiny_bert, toy_data):
    rows = [json.loads(line) for line in Path(toy_data["train"]).read_text().splitlines()]
    rows[0]["text"] = " ".join(["word"] * 500)
    long_train = tmp_path / "long.jsonl"
    long_train.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = train(tiny_config(tiny_bert, {**toy_data, "train": str(long_train)}, tmp_path / "out", epochs=1))
    assert any("1 of 160 texts truncated to 32 tokens" in note for note in summary["notes"])
    assert "truncated" in (tmp_path / "out" / "README.md").read_text()
