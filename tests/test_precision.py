"""Precision chosen by the machine (issue 31): the rule with the CPU faked (AVX2 only, AVX512-BF16, AMX), the
warning said once and --strict's refusal, the auto backend per folder and machine, one-line errors for unknown
names, and a run record that says which precision ran and why.

The CPU is faked by replacing ``distilkit.hardware.cpu`` and the measurement by replacing
``distilkit.hardware.bf16_speedup``; nothing in the package exists for these tests."""
from __future__ import annotations

import json
import time

import pytest

from distilkit import hardware
from distilkit.config import Precision
from distilkit.hardware import Cpu, decide
from tests.conftest import make_rows, one_line_error, tiny_config, write

AVX2 = Cpu("fake AVX2-only CPU", frozenset({"avx", "avx2", "fma"}))
AVX512_BF16 = Cpu("fake Cooper Lake", frozenset({"avx2", "avx512f", "avx512_bf16", "avx512_vnni"}))
AMX = Cpu("fake Sapphire Rapids", frozenset({"avx2", "avx512f", "amx_bf16", "amx_tile", "amx_int8"}))


def never() -> float:
    raise AssertionError("measured where the flags already decide")


def fake_machine(monkeypatch, cpu: Cpu, speedup: float = 2.0) -> list[str]:
    """``cpu`` as this machine's, bf16 measured ``speedup`` times faster; returns the works measured."""
    measured = []

    def bf16_speedup(work="train"):
        measured.append(work)
        return speedup

    monkeypatch.setattr(hardware, "cpu", lambda: cpu)
    monkeypatch.setattr(hardware, "bf16_speedup", bf16_speedup)
    monkeypatch.setattr(hardware, "_said", set())
    return measured


# ------------------------------------------------------------------------------------------- the rule

def test_auto_on_avx2_only_is_fp32_without_measuring():
    choice = decide("auto", AVX2, never, threads=2)
    assert choice.precision is Precision.FP32 and choice.slow is None
    assert choice.why.startswith("fp32: this CPU has no native bf16") and "AVX2" in choice.why


@pytest.mark.parametrize("cpu,names", [(AVX512_BF16, "AVX512-BF16"), (AMX, "AMX")])
def test_auto_with_native_bf16_follows_the_measurement(cpu, names):
    faster = decide("auto", cpu, lambda: 2.4, threads=2)
    assert faster.precision is Precision.BF16 and faster.speedup == 2.4
    assert faster.why == f"bf16: {names} present, a bf16-autocast training step 2.40x fp32 here (2 threads)"
    slower = decide("auto", cpu, lambda: 0.8)
    assert slower.precision is Precision.FP32 and "0.80x" in slower.why and "needs 1.1x" in slower.why
    assert decide("auto", cpu, 1.05).precision is Precision.FP32  # a gain within the noise is not taken
    # Several training processes must agree: the flags alone decide, and the reason says so.
    assert "not measured" in decide("auto", cpu, None).why and decide("auto", cpu, None).precision is Precision.BF16


def test_asked_precisions():
    assert decide("fp32", AMX, never).precision is Precision.FP32
    slow = decide("bf16", AVX2, never)
    assert slow.precision is Precision.BF16 and "no native bf16" in slow.slow and "20x slower" in slow.slow
    assert "\n" not in slow.slow
    assert decide("bf16", AMX, lambda: 2.0).slow is None
    assert "slower than fp32" in decide("bf16", AMX, lambda: 0.5).slow  # flags present, measured slow
    assert decide("auto", AVX2, never, gpu_bf16=True).why == "bf16: the GPU supports bf16"
    assert decide("auto", AMX, never, gpu_bf16=False).precision is Precision.FP32


def test_cpu_flags_are_read_from_cpuinfo_and_torch_elsewhere(tmp_path, monkeypatch):
    x86 = write(tmp_path / "x86", "processor\t: 0\nmodel name\t: Xeon Max\nflags\t\t: fpu avx2 avx512f amx_bf16\n"
                                  "processor\t: 1\nmodel name\t: Xeon Max\nflags\t\t: fpu\n")
    cpu = hardware.read_cpu(x86)
    assert cpu.model == "Xeon Max" and cpu.native_bf16() == ["AMX"] and cpu.speed_flags() == "avx2 avx512f amx_bf16"
    arm = hardware.read_cpu(write(tmp_path / "arm", "processor\t: 0\nFeatures\t: fp asimd bf16 i8mm\n"))
    assert arm.native_bf16() == ["Arm BF16"]
    monkeypatch.setattr(hardware, "_torch_flags", lambda: {"avx2"})
    assert hardware.read_cpu(tmp_path / "missing").flags == {"avx2"}


def test_the_measurement_is_short_and_cached(monkeypatch):
    import torch

    torch.set_num_threads(1)  # the conftest fixture puts it back
    started = time.perf_counter()
    for work in ("train", "infer"):
        assert hardware.measure_speedup(work, rows=2, tokens=8, width=32, repeats=2) > 0
    assert time.perf_counter() - started < 5  # milliseconds at this size, even on a busy machine
    calls = []
    monkeypatch.setattr(hardware, "measure_speedup", lambda work: calls.append(work) or 1.5)
    hardware._measured.cache_clear()
    assert hardware.bf16_speedup("infer") == hardware.bf16_speedup("infer") == 1.5 and calls == ["infer"]
    hardware._measured.cache_clear()


# ------------------------------------------------------------------------------------------- training

@pytest.fixture
def recipe(tmp_path, tiny_bert, toy_data):
    def make(precision: str):
        import yaml

        cfg = tiny_config(tiny_bert, toy_data, tmp_path / "out", precision=precision).to_dict()

        return str(write(tmp_path / "recipe.yaml", yaml.safe_dump(cfg)))
    return make


def test_bf16_on_a_cpu_without_it_warns_once(monkeypatch, capsys, tiny_bert, toy_data, tmp_path):
    from distilkit.training.run import training_precision

    fake_machine(monkeypatch, AVX2)
    cfg = tiny_config(tiny_bert, toy_data, tmp_path, precision="bf16")
    for _ in range(3):  # a search's trials: one line in all
        assert training_precision(cfg).precision is Precision.BF16
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("warning: precision bf16: this CPU has no native bf16"), err


def test_strict_refuses_bf16_without_native_support(monkeypatch, capsys, recipe, tmp_path):
    from distilkit.cli import main

    fake_machine(monkeypatch, AVX2)
    assert main(["train", recipe("bf16"), "--strict"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: precision bf16: this CPU has no native bf16"), err
    assert err[0].endswith("(refused: --strict)")
    assert not (tmp_path / "out").exists()  # refused before the output folder was touched


def test_unknown_precision_and_backend_are_one_line_errors(tiny_bert, toy_data, tmp_path, capsys):
    from distilkit.cli import main
    from distilkit.inference.backends import check_backend

    message = one_line_error(tiny_config, tiny_bert, toy_data, tmp_path, precision="fp16")
    assert message == "training.precision: 'fp16' is not one of: auto, fp32, bf16"
    assert one_line_error(check_backend, "tensorrt") == (
        "backend 'tensorrt' is unknown: choose one of torch, torch-bf16, onnx, onnx-int8, auto")
    assert main(["predict", tiny_bert, "a text", "--backend", "tensorrt"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_the_run_record_and_card_say_which_precision_ran_and_why(monkeypatch, tiny_bert, toy_data, tmp_path):
    """precision auto on a faked AMX CPU measured 2x faster: bf16 trains, validation is scored again in bf16, and
    the record, the card and distilkit.json say what ran and what the check found; the folder is scored as it runs,
    in fp32, and its fp32 ONNX graph exports (accelerate leaves a bf16-trained model's forward in bf16 autocast)."""
    import torch

    from distilkit import Classifier, train

    measured = fake_machine(monkeypatch, AMX, 2.0)
    data = {**toy_data, "max_train_samples": 32}
    summary = train(tiny_config(tiny_bert, data, tmp_path / "out", precision="auto", epochs=1, onnx_graph=True))
    assert measured == ["train"]
    rows = [json.loads(line) for line in open(toy_data["validation"])]
    clf = Classifier(str(tmp_path / "out"), backend="torch")
    logits = torch.as_tensor(clf.logits([r["text"] for r in rows]))
    fresh = torch.nn.functional.cross_entropy(logits, torch.tensor([clf.labels.index(r["label"]) for r in rows]))
    assert summary["results"]["validation"]["loss"] == pytest.approx(fresh.item(), abs=2e-6)
    assert summary["precision"]["onnx_check"]["ok"], summary["precision"]["onnx_check"]
    precision = summary["precision"]
    assert precision["asked"] == "auto" and precision["ran"] == "bf16" and summary["derived"]["precision"] == "bf16"
    assert precision["why"] == "bf16: AMX present, a bf16-autocast training step 2.00x fp32 here " \
                               f"({summary['derived']['torch_threads']} threads)"
    check = precision["check"]
    assert check["metric"] == "accuracy" and check["examples"] == 40
    assert check["fp32"] == pytest.approx(100 * summary["results"]["validation"]["accuracy"])
    assert check["ok"] == (check["fp32"] - check["bf16"] <= 0.3)
    settings = json.loads((tmp_path / "out" / "distilkit.json").read_text())
    assert settings["bf16_check"] == check
    assert settings["default_backend"] == ("auto" if check["ok"] else "torch") == precision["default_backend"]
    card = (tmp_path / "out" / "README.md").read_text()
    assert "Precision: **bf16** (`training.precision: auto`): AMX present, a bf16-autocast training step 2.00x" in card
    assert "bf16 inference on validation (40 examples): accuracy" in card
    assert "| derived.precision | bf16 |" in card


def test_the_card_says_when_bf16_lost_too_much():
    from distilkit.card.sections import precision_section

    check = {"metric": "accuracy", "fp32": 91.5, "bf16": 90.9, "drop_points": 0.6, "max_drop": 0.3, "ok": False,
             "examples": 1000}
    text = precision_section({"asked": "auto", "ran": "bf16", "why": "bf16: AMX present", "check": check,
                              "default_backend": "torch"})
    assert "accuracy 90.90 against 91.50 in fp32, 0.60 points lower, more than the 0.3 points allowed" in text
    assert "Default backend of the folder: `torch`." in text
    assert precision_section(None) == ""  # records from before the field: nothing said
    fp32 = precision_section({"asked": "auto", "ran": "fp32", "why": "fp32: this CPU has no native bf16"})
    assert fp32.startswith("Precision: **fp32** (`training.precision: auto`): this CPU has no native bf16.")


# ------------------------------------------------------------------------------------------- backend auto

@pytest.fixture(scope="module")
def classifier_folder(tmp_path_factory, tiny_bert) -> str:
    """A tiny random text classifier (2 labels) with a distilkit.json."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from distilkit.inference import ModelSettings
    from distilkit.inference.settings import weights_sha256

    folder = tmp_path_factory.mktemp("tiny-classifier")
    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128, num_labels=2,
                        id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1})
    BertForSequenceClassification(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(folder)
    ModelSettings(task="text-classification", max_length=32, weights_sha256=weights_sha256(folder)).write(folder)
    return str(folder)


def _with_check(folder: str, ok: bool | None):
    from distilkit.inference import ModelSettings

    settings = ModelSettings.read(folder)
    check = None if ok is None else {"metric": "accuracy", "fp32": 90.0, "bf16": 89.9 if ok else 89.0,
                                     "drop_points": 0.1 if ok else 1.0, "max_drop": 0.3, "ok": ok, "examples": 40}
    return settings.update(bf16_check=check)


@pytest.mark.parametrize("cpu,ok,expected,because", [
    (AMX, True, "torch-bf16", "bf16: AMX present, a forward pass with bf16 weights 2.00x fp32 here"),
    (AVX512_BF16, True, "torch-bf16", "bf16: AVX512-BF16 present"),
    (AVX2, True, "torch", "fp32: this CPU has no native bf16"),
    (AMX, False, "torch", "fp32: bf16 loses 1.00 points of accuracy on validation (more than 0.3)"),
    (AMX, None, "torch", "fp32: bf16 was never checked on this folder's validation data"),
])
def test_backend_auto_per_machine_and_folder(monkeypatch, classifier_folder, cpu, ok, expected, because):
    from distilkit import Classifier

    measured = fake_machine(monkeypatch, cpu, 2.0)
    clf = Classifier(classifier_folder, backend="auto", settings=_with_check(classifier_folder, ok))
    assert clf.backend_name == f"auto -> {expected}" and clf.backend.name == expected
    assert clf.backend_why.startswith(because), clf.backend_why
    assert measured == (["infer"] if ok and cpu is not AVX2 else [])  # measured only where it can matter
    texts = [r["text"] for r in make_rows(6, 5)]
    predictions = clf.predict(texts)
    assert len(predictions) == 6 and {p[0]["label"] for p in predictions} <= {"neg", "pos"}
    if expected == "torch-bf16":
        import torch

        assert next(clf.backend.model.parameters()).dtype is torch.bfloat16


def test_backend_auto_keeps_a_verified_export(classifier_folder):
    from distilkit.inference import ModelSettings
    from distilkit.inference.backends.auto_backend import resolve
    from distilkit.inference.settings import BackendFile

    settings = ModelSettings.read(classifier_folder).update(
        backends={"onnx-int8": BackendFile("onnx/model-int8.onnx", "0" * 64, quantization="dynamic")},
        default_backend="onnx-int8", deployment={"source": "x", "verification": {"metric": "accuracy",
                                                                                "drop_points": 0.12}})
    name, why = resolve(settings, measure=False)
    assert name == "onnx-int8" and why == "the folder's verified export (accuracy 0.12 points from PyTorch)"


def test_a_folder_whose_default_is_auto_runs_auto(monkeypatch, classifier_folder):
    from distilkit import Classifier

    fake_machine(monkeypatch, AVX2)
    clf = Classifier(classifier_folder, settings=_with_check(classifier_folder, True).update(default_backend="auto"))
    assert clf.backend_name == "auto -> torch"
