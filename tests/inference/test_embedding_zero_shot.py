"""Embedding zero-shot beside NLI: embeddings as sentence-transformers makes them, every backend, label
descriptions and the label cache, calibration, the method registry ('auto'), the CLI, eval, batch files, the
server route over real HTTP, and each documented bad input."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from distilkit import Embedder, EmbeddingZeroShot, ZeroShotClassifier, load_predictor
from distilkit.cli import main
from distilkit.inference.calibration import Calibration, fit
from distilkit.inference.pooling import unit
from tests.conftest import SHARED, one_line_error, write_jsonl

TEXTS = ["i feel great today and the sun is out", "stocks fell sharply after the bank raised rates",
         "the match went to extra time " * 6, "sad", "what a lovely surprise party", "rain again, all week"]
LABELS = ["joy", "finance", "sports", "sadness"]
MODULES = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
           {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
           {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]


def sentence_transformers_folder(source: str, folder, pooling: dict, normalize: bool = True) -> str:
    """A copy of a bare encoder folder with the files sentence-transformers writes beside it."""
    shutil.copytree(source, folder)
    modules = MODULES if normalize else MODULES[:2]
    (folder / "modules.json").write_text(json.dumps(modules))
    (folder / "1_Pooling").mkdir()
    (folder / "1_Pooling" / "config.json").write_text(json.dumps({"word_embedding_dimension": 32, **pooling}))
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 64, "do_lower_case": False}))
    return str(folder)


@pytest.fixture(scope="session")
def st_model(tiny_bert, tmp_path_factory) -> str:
    """tiny_bert as sentence-transformers v2-v5 write it: mean pooling (old keys), then Normalize."""
    return sentence_transformers_folder(tiny_bert, tmp_path_factory.mktemp("st") / "m", {
        "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False})


@pytest.fixture(scope="session")
def plain_encoder(tiny_bert, tmp_path_factory) -> str:
    """A bare encoder folder with no pooling information at all."""
    folder = tmp_path_factory.mktemp("plain") / "m"
    shutil.copytree(tiny_bert, folder)
    return str(folder)


def _hand_mean(model: str, texts: list[str]) -> np.ndarray:
    """Mean of each text's token outputs (no padding: one text at a time), scaled to unit length."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    tok, net = AutoTokenizer.from_pretrained(model), AutoModel.from_pretrained(model).eval()
    rows = []
    with torch.inference_mode():
        for text in texts:
            out = net(**tok(text, truncation=True, max_length=64, return_tensors="pt")).last_hidden_state[0]
            rows.append(out.mean(0).numpy())
    return unit(np.stack(rows))


def test_embeddings_equal_a_hand_computation_and_sentence_transformers(st_model, tmp_path, tiny_bert):
    emb = load_predictor(st_model)
    assert isinstance(emb, Embedder) and emb.settings.task == "feature-extraction"
    assert emb.pooling.modes == ("mean",) and emb.pooling.normalize and emb.settings.max_length == 64
    got = emb.embed(TEXTS)  # batched: padded to the longest, sorted by length
    np.testing.assert_allclose(got, _hand_mean(st_model, TEXTS), atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    from sentence_transformers import SentenceTransformer

    np.testing.assert_allclose(got, SentenceTransformer(st_model, device="cpu").encode(TEXTS), atol=1e-5)
    # sentence-transformers v6's way of writing pooling (several modes concatenated), no Normalize module
    v6 = sentence_transformers_folder(tiny_bert, tmp_path / "v6", {"pooling_mode": ["cls", "max"]}, normalize=False)
    emb6 = Embedder(v6)
    assert emb6.pooling.modes == ("cls", "max") and not emb6.pooling.normalize
    np.testing.assert_allclose(emb6.embed(TEXTS), SentenceTransformer(v6, device="cpu").encode(TEXTS), atol=1e-5)


@pytest.mark.parametrize("backend", ["torch-bf16", "onnx", "onnx-int8"])
def test_every_backend_gives_the_same_top_labels(st_model, backend):
    reference = EmbeddingZeroShot(st_model, labels=LABELS, batch_size=4)
    other = EmbeddingZeroShot(st_model, labels=LABELS, backend=backend, batch_size=4)
    same = np.mean([a["labels"][0] == b["labels"][0] for a, b in zip(reference.predict(TEXTS), other.predict(TEXTS))])
    assert same >= (1.0 if backend == "onnx" else 0.5)
    if backend == "onnx":  # the graph exports last_hidden_state, and was cached in the folder under its lock
        np.testing.assert_allclose(other.embed(TEXTS), reference.embed(TEXTS), atol=1e-4)
        assert "onnx" in Embedder(st_model, backend="onnx").settings.backends


def test_descriptions_are_averaged_and_label_embeddings_cached(st_model, monkeypatch):
    zsc = EmbeddingZeroShot(st_model, labels=["joy=joy|happiness|delight", "sadness"])
    embedded: list[str] = []
    real = Embedder.embed

    def spy(self, texts, *args, **kwargs):
        embedded.extend(texts)
        return real(self, texts, *args, **kwargs)

    monkeypatch.setattr(Embedder, "embed", spy)
    first = zsc.predict(TEXTS[:2])
    assert zsc.predict(TEXTS[:2]) == first and zsc.predict(TEXTS[2:], labels=[zsc.candidates] * 4)
    hypotheses = [t for t in embedded if t.startswith("This example is")]
    assert sorted(hypotheses) == sorted(f"This example is {w}." for w in ("joy", "happiness", "delight", "sadness"))
    zsc.predict(TEXTS[:1], hypothesis_template="It is {}.")  # another template: another label set to embed
    assert sum(t.startswith("It is") for t in embedded) == 4
    parts = unit(real(zsc, [f"This example is {w}." for w in ("joy", "happiness", "delight")]))
    np.testing.assert_allclose(zsc.label_vectors(zsc.candidates, zsc.template)[0], unit(parts.mean(0)), atol=1e-6)
    assert sorted(first[0]["labels"]) == ["joy", "sadness"] and abs(sum(first[0]["scores"]) - 1) < 1e-4


def test_single_and_multi_label_scores(st_model):
    zsc = EmbeddingZeroShot(st_model, labels=LABELS)
    cos = np.stack(zsc.cosines(TEXTS, [zsc.candidates] * len(TEXTS), zsc.template))
    single = zsc.predict(TEXTS)
    for row, out in zip(cos, single):  # softmax of cosines / 0.05, best first
        z = np.exp((row - row.max()) / 0.05)
        assert out["scores"] == pytest.approx(sorted(z / z.sum(), reverse=True), abs=1e-5)
        assert out["labels"][0] == LABELS[int(row.argmax())]
    multi = zsc.predict(TEXTS, multi_label=True)[0]
    want = 1 / (1 + np.exp(-(cos[0] - 0.15) / 0.05))
    assert [multi["scores"][multi["labels"].index(n)] for n in LABELS] == pytest.approx(want, abs=1e-5)


def test_fit_on_planted_cosines():
    rng = np.random.default_rng(0)
    names = ["a", "b", "c"]
    cos = rng.normal(0.3, 0.05, (200, 3))
    planted = np.array([0.08, 0.0, -0.03])  # 'a' draws everything to it
    gold = (cos - planted).argmax(1)
    start = Calibration()
    single = fit(cos, gold, names, False, start)
    assert single.metric == "accuracy" and single.before < 0.7 and single.after > 0.9
    assert single.thresholds["a"] > single.thresholds["b"] > single.thresholds["c"]
    assert np.mean(list(single.thresholds.values())) == pytest.approx(0.15, abs=1e-6)  # the mean stays
    assert single.temperature != start.temperature
    multi_gold = cos >= np.array([0.35, 0.25, 0.3])
    multi = fit(cos, multi_gold, names, True, start)
    assert multi.metric == "f1_micro" and multi.after == pytest.approx(1.0) and multi.before < multi.after
    assert [multi.thresholds[n] for n in names] == pytest.approx([0.35, 0.25, 0.3], abs=0.02)


def test_calibrate_moves_scores_and_improves_accuracy(st_model):
    zsc = EmbeddingZeroShot(st_model, labels=LABELS)
    texts = [f"{w} {x}" for w in ("good", "bad", "stocks", "goal", "rain", "party") for x in ("today", "again")]
    cos = np.stack(zsc.cosines(texts, [zsc.candidates] * len(texts), zsc.template))
    planted = np.array([0.0, 0.01, -0.01, 0.005])  # the labels the tiny model favours now lose their edge
    gold = [LABELS[i] for i in (cos - planted).argmax(1)]
    before = np.mean([p["labels"][0] == g for p, g in zip(zsc.predict(texts), gold)])
    fitted = zsc.calibrate(list(zip(texts, gold)))
    after = np.mean([p["labels"][0] == g for p, g in zip(zsc.predict(texts), gold)])
    assert after > before and fitted.after == pytest.approx(after) and fitted.rows == len(texts)
    assert zsc.metadata()["calibration"]["rows"] == len(texts)
    other = zsc.predict(texts[:1], labels=LABELS[:2])[0]  # another label set keeps the defaults
    assert other["labels"] and zsc.calibration(zsc.label_set(LABELS[:2])).rows == 0
    rows = [{"text": t, "label": [g]} for t, g in zip(texts, gold)]
    multi = zsc.calibrate(rows, multi_label=True)
    assert multi.metric == "f1_micro" and multi.after >= multi.before


def test_auto_picks_nli_for_an_nli_folder_and_embedding_for_an_encoder(st_model, plain_encoder, tmp_path):
    from distilkit.inference.predictors import kind_of, task_of
    from tests.inference.test_zero_shot import _save_nli

    nli = _save_nli(tmp_path / "nli", "bert")
    zs = "zero-shot-classification"
    assert type(load_predictor(nli, task=zs, labels=LABELS)) is ZeroShotClassifier
    assert type(load_predictor(st_model, task=zs, labels=LABELS)) is EmbeddingZeroShot
    assert type(load_predictor(plain_encoder, task=zs, method="embedding", pooling="cls", labels=LABELS)) \
        is EmbeddingZeroShot
    assert task_of(st_model) == task_of(plain_encoder) == "feature-extraction"  # a bare BertModel
    assert kind_of(st_model) == "feature-extraction" and kind_of(st_model, served=[zs]) == zs and kind_of(nli) == zs
    assert "no pooling information" in one_line_error(load_predictor, plain_encoder, task=zs, labels=LABELS)
    assert "--method nli does not fit" in one_line_error(load_predictor, st_model, task=zs, method="nli")
    assert "is not one of: auto, nli, embedding" in one_line_error(load_predictor, nli, task=zs, method="bm25")
    assert "text-classification model" in one_line_error(load_predictor, nli, task=zs, method="embedding")


def _cli_error(capsys, argv) -> str:
    capsys.readouterr()
    assert main(argv) == 2, argv
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err, err
    return err


def test_bad_inputs_are_one_line_errors_with_exit_code_2(st_model, plain_encoder, tmp_path, capsys):
    base = ["zero-shot", st_model, "--method", "embedding", "hello"]
    calib = write_jsonl(tmp_path / "cal.jsonl", [{"text": "good day", "label": "joy"}, {"text": "x", "label": "envy"}])
    cases = [(base, "no labels"), (base + ["--labels", "a,,b"], "empty label"),
             (base + ["--labels", "a,b,a"], "given twice"),
             (base + ["--labels", "a=x||y,b"], "empty description"),
             (base + ["--labels", "a,b", "--hypothesis-template", "no slot"], "'{}'"),
             (["zero-shot", plain_encoder, "--method", "embedding", "--labels", "a,b", "hi"], "--pooling mean"),
             (["zero-shot", plain_encoder, "--labels", "a,b", "hi"], "no zero-shot method fits"),
             (base + ["--labels", "joy,sadness", "--calibrate", str(calib)], "'envy', not among the candidate"),
             (base + ["--labels", "a,b", "--pooling", "median"], "not a pooling mode"),
             (base + ["--labels", "a,b", "--method", "bm25"], "is not one of: auto, nli, embedding")]
    for argv, expected in cases:
        assert expected in _cli_error(capsys, argv), argv
    missing = ["zero-shot", st_model, "--labels", "joy,sadness", "--calibrate", str(tmp_path / "missing.jsonl"), "x"]
    assert "missing.jsonl" in _cli_error(capsys, missing)
    from tests.inference.test_zero_shot import _save_nli

    nli = _save_nli(tmp_path / "nli", "bert")
    good = write_jsonl(tmp_path / "good.jsonl", [{"text": "good day", "label": "joy"}])
    assert "nli method has no calibration" in _cli_error(capsys, ["zero-shot", nli, "--labels", "joy,sadness",
                                                                  "--calibrate", str(good), "x"])
    assert "pooling is for the embedding method" in _cli_error(capsys, ["zero-shot", nli, "--method", "nli", "--labels",
                                                                        "a,b", "--pooling", "mean", "x"])


def test_cli_texts_files_calibration_and_eval(st_model, tmp_path, capsys):
    labels = "joy=joy|happiness,finance,sports,sadness"
    assert main(["zero-shot", st_model, "--labels", labels, "i am so happy", "markets fell"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.strip().splitlines()]
    assert [x["sequence"] for x in lines] == ["i am so happy", "markets fell"] and len(lines[0]["labels"]) == 4
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": t} for t in TEXTS])
    calib = write_jsonl(tmp_path / "cal.jsonl", [{"text": t, "label": g} for t, g in zip(TEXTS, LABELS + LABELS)])
    out = tmp_path / "out.jsonl"
    assert main(["zero-shot", st_model, "--labels", labels, "--file", str(source), "--output", str(out), "--logits",
                 "--calibrate", str(calib), "--backend", "onnx"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.err.strip().splitlines()[-1])["calibration"]["rows"] == len(TEXTS)
    summary = json.loads(captured.out.strip().splitlines()[-1])
    written = [json.loads(x) for x in out.read_text().splitlines()]
    assert summary["predicted"] == len(TEXTS) == len(written) and len(written[0]["logits"]) == 4
    meta = json.loads((tmp_path / "out.jsonl.meta.json").read_text())
    assert meta["method"] == "embedding" and meta["calibration"]["rows"] == len(TEXTS) and summary["metadata"]
    assert meta["labels"]["joy"] == "joy|happiness" and meta["pooling"] == "mean"
    data = write_jsonl(tmp_path / "labelled.jsonl", [{"text": t, "label": g} for t, g in zip(TEXTS, LABELS * 2)])
    report_path = tmp_path / "zs.json"
    assert main(["eval", st_model, "--zero-shot", "--method", "embedding", "--data", str(data), "--labels",
                 ",".join(LABELS), "--output", str(report_path)]) == 0
    report = json.loads(report_path.read_text())
    assert report["examples"] == len(TEXTS) and report["zero_shot"]["method"] == "embedding"
    assert "--method are for --zero-shot" in _cli_error(capsys, ["eval", st_model, "--data", str(data), "--method",
                                                                 "embedding"])


def test_server_zero_shot_route_with_method_embedding(st_model, tmp_path):
    from distilkit.serve import ModelSpec, ServeSettings, load_models
    from tests.inference.test_zero_shot import _save_nli
    from tests.serve.conftest import Running, call

    nli = _save_nli(tmp_path / "nli", "distilbert")
    models = load_models([ModelSpec("emb", st_model), ModelSpec("nli", nli)], ServeSettings())
    running = Running(models, ServeSettings(max_labels=5, max_texts=8))
    try:
        url = f"{running.url}/v1/models/emb/zero-shot"
        emb = running.model("emb").predictor
        body = {"inputs": TEXTS[:3], "labels": ["joy=joy|happiness", "finance", "sports"], "method": "embedding"}
        status, out, _ = call(url, body)
        assert status == 200 and out == emb.predict(TEXTS[:3], body["labels"])
        status, out, _ = call(url, {**body, "inputs": TEXTS[0], "multi_label": True, "method": "auto"})
        assert status == 200 and out == emb.predict([TEXTS[0]], body["labels"], multi_label=True)[0]
        refused = [({**body, "method": "nli"}, 422, "served with method 'embedding'"),
                   ({**body, "method": "bm25"}, 422, "not one of: auto, nli, embedding"),
                   ({**body, "labels": list("abcdef")}, 413, "limit of 5"),
                   ({**body, "labels": ["a=x||y", "b"]}, 422, "empty description"),
                   ({**body, "labels": []}, 422, "labels"), ({**body, "labels": ["a", "a"]}, 422, "twice"),
                   ({**body, "hypothesis_template": "no slot"}, 422, "hypothesis_template")]
        for request, code, words in refused:
            status, out, _ = call(url, request)
            assert status == code and words in out["error"] and out["error_type"], (request, out)
        status, out, _ = call(f"{running.url}/v1/models/nli/zero-shot", {**body, "method": "embedding"})
        assert status == 422 and "embedding does not fit it" in out["error"]
        status, out, _ = call(f"{running.url}/v1/models")
        assert {m["name"]: m["method"] for m in out["models"]} == {"emb": "embedding", "nli": "nli"}
    finally:
        running.stop()


@pytest.mark.slow
def test_real_minilm_on_emotion_rows():
    """The offline MiniLM as sentence-transformers embeds it, and zero-shot on 48 emotion test rows above chance."""
    from sentence_transformers import SentenceTransformer

    from distilkit.data.formats import read_records

    rows = [r for _, r in read_records(str(SHARED / "emotion" / "test.txt"))][:48]
    texts, gold = [r["text"] for r in rows], [r["label"] for r in rows]
    names = ["sadness", "joy", "love", "anger", "fear", "surprise"]
    zsc = load_predictor("minilm-l6", task="zero-shot-classification", labels=names, hypothesis_template="I feel {}.")
    assert isinstance(zsc, EmbeddingZeroShot) and zsc.settings.max_length == 256
    reference = SentenceTransformer(str(zsc.folder), device="cpu").encode(texts)
    np.testing.assert_allclose(zsc.embed(texts), reference, atol=1e-5)
    accuracy = np.mean([p["labels"][0] == g for p, g in zip(zsc.predict(texts), gold)])
    assert accuracy > 1 / len(names) + 0.1
    fitted = zsc.calibrate(list(zip(texts, gold)))
    assert fitted.after >= fitted.before
