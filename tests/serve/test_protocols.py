"""The clients people already use talk to `distilkit serve` unchanged (issue 32): huggingface_hub's InferenceClient
on every route, the openai package's embeddings, text-embeddings-inference's root routes; answers equal the
predictors', and each bad request is a 4xx JSON error naming the field while the requests beside it are answered."""
from __future__ import annotations

import base64
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from tests.inference.test_embedding_zero_shot import st_model  # noqa: F401  (a session fixture)
from tests.inference.test_no_answer import CONTEXT, QUESTION, qa_folder
from tests.serve.conftest import Running, call

TEXTS = ["a wonderful happy day", "an awful sad movie", "really quite good food today"]
LABELS = ["joy", "finance", "sports"]


@pytest.fixture(scope="module")
def proto(st_model, served_models, tmp_path_factory):  # noqa: F811
    """An embedding model first (text-embeddings-inference's root routes answer for it), then a classifier, an NLI
    zero-shot model, a QA model and a QA model that says when a note records no answer."""
    from distilkit.serve import ModelSpec, ServeSettings, load_models

    notes = qa_folder(tmp_path_factory.mktemp("proto-noans"), -1.0)
    extra = load_models([ModelSpec("emb", st_model), ModelSpec("notes", notes)], ServeSettings())
    running = Running([extra[0], *served_models, extra[1]],
                      ServeSettings(max_texts=8, max_text_chars=400, max_labels=5, max_body_bytes=20_000))
    yield running
    running.stop()


@pytest.fixture
def online(monkeypatch):
    """huggingface_hub refuses every URL, loopback included, under HF_HUB_OFFLINE=1 (the test command sets it)."""
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)


def _ranked(outputs) -> list[tuple[str, float]]:
    return [(o.label, round(o.score, 5)) for o in outputs]


def test_huggingface_inference_client_on_every_route(proto, online):
    from huggingface_hub import InferenceClient
    from huggingface_hub.errors import HfHubHTTPError

    toy, nli, qa, notes, emb = (proto.model(n).predictor for n in ("toy", "nli", "qa", "notes", "emb"))
    client = InferenceClient(model=f"{proto.url}/v1/models/toy/classify")
    expected = toy.predict([TEXTS[0]], top_k=len(toy.labels))[0]
    assert _ranked(client.text_classification(TEXTS[0])) == [(o["label"], round(o["score"], 5)) for o in expected]
    got = client.text_classification(TEXTS[1], top_k=2, function_to_apply="sigmoid")
    expected = toy.predict([TEXTS[1]], top_k=2, function_to_apply="sigmoid")[0]
    assert _ranked(got) == [(o["label"], round(o["score"], 5)) for o in expected] and len(got) == 2

    client = InferenceClient(model=f"{proto.url}/v1/models/nli/zero-shot")
    got = client.zero_shot_classification(TEXTS[2], candidate_labels=LABELS, multi_label=True,
                                          hypothesis_template="It is about {}.")
    expected = nli.predict([TEXTS[2]], LABELS, multi_label=True, hypothesis_template="It is about {}.")[0]
    assert _ranked(got) == [(a, round(b, 5)) for a, b in zip(expected["labels"], expected["scores"])]

    context = "the car was parked near the red house"
    got = InferenceClient(model=f"{proto.url}/v1/models/qa/qa").question_answering("what color is it?", context)
    expected = qa.predict(["what color is it?"], [context])[0][0]
    assert (got.answer, got.start, got.end) == (expected["answer"], expected["start"], expected["end"])
    assert context[got.start:got.end] == got.answer

    # A note that records no answer: "" at 0-0 with handle_impossible_answer (the no-answer probability as its
    # score), else the best span the model found behind it.
    client = InferenceClient(model=f"{proto.url}/v1/models/notes/qa")
    said = notes.predict([QUESTION], [CONTEXT], best_span=True)[0][0]
    assert said["no_answer"] is True
    got = client.question_answering(QUESTION, CONTEXT, handle_impossible_answer=True)
    assert (got.answer, got.start, got.end) == ("", 0, 0) and got.score == pytest.approx(said["score"], abs=1e-6)
    got = client.question_answering(QUESTION, CONTEXT)
    assert (got.answer, got.start) == (said["best_span"]["answer"], said["best_span"]["start"])

    client = InferenceClient(model=f"{proto.url}/v1/models/emb/embed")
    vectors = client.feature_extraction(TEXTS)
    assert vectors.shape == (3, emb.dimension)
    np.testing.assert_allclose(vectors, emb.embed(TEXTS, normalize=True), atol=1e-5)
    raw = client.feature_extraction(TEXTS[0], normalize=False)
    np.testing.assert_allclose(raw[0], emb.embed([TEXTS[0]], normalize=False)[0], atol=1e-5)
    assert abs(np.linalg.norm(raw[0]) - 1) > 1e-3  # not normalised when asked not to be

    with pytest.raises(HfHubHTTPError) as caught:  # a classifier has no embed route: the client sees our line
        InferenceClient(model=f"{proto.url}/v1/models/toy/embed").feature_extraction("x")
    assert caught.value.response.status_code == 400 and "/v1/models/toy/classify" in str(caught.value)


def test_openai_client_embeddings_and_model_list(proto):
    import openai

    emb = proto.model("emb").predictor
    client = openai.OpenAI(base_url=f"{proto.url}/v1", api_key="unused", max_retries=0)
    out = client.embeddings.create(model="emb", input=TEXTS)  # the package asks for base64 by default
    assert [d.index for d in out.data] == [0, 1, 2] and out.model == "emb"
    np.testing.assert_allclose([d.embedding for d in out.data], emb.embed(TEXTS, normalize=True), atol=1e-6)
    counts = emb.embed_counted(TEXTS, normalize=True)[1]
    assert out.usage.prompt_tokens == out.usage.total_tokens == sum(counts) > 3
    floats = client.embeddings.create(model="emb", input=TEXTS[0], encoding_format="float")
    np.testing.assert_allclose(floats.data[0].embedding, out.data[0].embedding, atol=1e-6)
    assert {m.id for m in client.models.list()} == {"emb", "toy", "nli", "qa", "notes"}

    with pytest.raises(openai.NotFoundError, match="model: no model named 'nope'") as caught:
        client.embeddings.create(model="nope", input="x")
    assert caught.value.param == "model" and caught.value.type == "not_found"
    with pytest.raises(openai.BadRequestError, match="has no embed route: call /v1/models/toy/classify"):
        client.embeddings.create(model="toy", input="x")
    status, body, _ = call(f"{proto.url}/v1/embeddings", {"model": "emb", "input": "x", "encoding_format": "base64",
                                                          "dimensions": emb.dimension})
    vector = np.frombuffer(base64.b64decode(body["data"][0]["embedding"]), "<f4")
    assert status == 200 and np.allclose(vector, emb.embed(["x"], normalize=True)[0], atol=1e-6)


def test_text_embeddings_inference_root_routes(proto, server):
    emb = proto.model("emb").predictor
    status, vectors, _ = call(f"{proto.url}/embed", {"inputs": TEXTS[0]})
    assert status == 200 and np.allclose(vectors, emb.embed([TEXTS[0]], normalize=True), atol=1e-5)
    status, info, _ = call(f"{proto.url}/info")
    assert status == 200 and info["model_id"] == "emb" and info["max_client_batch_size"] == 8
    assert info["model_type"] == {"embedding": {"pooling": "mean", "dimension": emb.dimension}}

    status, ranked, _ = call(f"{proto.url}/rerank", {"query": TEXTS[0], "texts": TEXTS[1:] + [TEXTS[0]],
                                                     "return_text": True})
    unit = emb.embed(TEXTS + [TEXTS[0]], normalize=True)
    cosines = [float(unit[0] @ unit[i]) for i in (1, 2, 3)]
    assert status == 200 and [r["index"] for r in ranked] == sorted(range(3), key=lambda i: -cosines[i])
    assert ranked[0] == {"index": 2, "score": pytest.approx(1.0, abs=1e-5), "text": TEXTS[0]}

    status, tokens, _ = call(f"{proto.url}/tokenize", {"inputs": [TEXTS[0], TEXTS[1]]})
    assert status == 200 and len(tokens) == 2 and tokens[0][0]["special"] is True
    assert [TEXTS[0][t["start"]:t["stop"]] for t in tokens[0] if not t["special"]] == TEXTS[0].split()
    # POST / answers as the model's own route would: the embedding model embeds a body without labels and
    # classifies one with labels (zero-shot).
    status, out, _ = call(f"{proto.url}/", {"inputs": TEXTS[:2]})
    assert status == 200 and np.allclose(out, emb.embed(TEXTS[:2], normalize=True), atol=1e-5)
    status, out, _ = call(f"{proto.url}/", {"inputs": TEXTS[0], "labels": LABELS})
    assert status == 200 and sorted(out["labels"]) == sorted(LABELS)

    # The classifier served first (the `server` fixture): /predict gives every label; raw_scores the logits.
    toy = server.model("toy").predictor
    status, out, _ = call(f"{server.url}/predict", {"inputs": TEXTS[0]})
    assert status == 200 and out == toy.predict([TEXTS[0]], top_k=len(toy.labels))[0]
    status, out, _ = call(f"{server.url}/predict", {"inputs": TEXTS, "raw_scores": True})
    assert status == 200 and out == toy.predict(TEXTS, top_k=len(toy.labels), function_to_apply="none")
    assert call(f"{server.url}/", {"inputs": TEXTS[0]})[1] == toy.predict([TEXTS[0]])[0]
    status, out, _ = call(f"{server.url}/info")
    assert out["model_type"]["classifier"]["id2label"] == {str(i): a for i, a in enumerate(toy.labels)}

    paths = call(f"{proto.url}/openapi.json")[1]["paths"]  # the server's OpenAPI lists every protocol's routes
    assert {"/embed", "/predict", "/rerank", "/tokenize", "/info", "/", "/v1/embeddings", "/v1/models",
            "/v1/models/{name}/embed", "/v1/models/{name}/classify"} <= set(paths)
    assert "EmbeddingsBody" in str(paths["/v1/embeddings"])


LONG = "word " * 70  # 72 tokens: over the tiny embedding model's max_length (64), under max_text_chars (400)


@pytest.mark.parametrize("path, body, status, field", [
    ("/v1/models/toy/classify", {"inputs": "x", "parameters": {"top_k": 0}}, 422, "parameters.top_k"),
    ("/v1/models/toy/classify", {"inputs": "x", "parameters": {"topk": 2}}, 422, "parameters.topk: not a field"),
    ("/v1/models/toy/classify", {"inputs": "x", "function_to_apply": "relu"}, 422, "function_to_apply"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "parameters": {"candidate_labels": []}}, 422,
     "parameters.candidate_labels"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "parameters": {"candidate_labels": list("abcdef")}}, 413,
     "parameters.candidate_labels: 6 labels"),
    ("/v1/models/qa/qa", {"inputs": {"question": "why?"}}, 422, "inputs.context"),
    ("/v1/models/qa/qa", {"inputs": {"question": "why?", "context": "so"}, "parameters": {"doc_stride": 500}},
     422, "parameters.doc_stride"),
    ("/v1/models/toy/embed", {"inputs": "x"}, 400, "/v1/models/toy/classify"),
    ("/v1/models/emb/embed", {"inputs": "x", "dimensions": 7}, 422, "dimensions"),
    ("/v1/models/emb/embed", {"inputs": "x", "prompt_name": "query"}, 422, "prompt_name"),
    ("/v1/models/emb/embed", {"inputs": ["x", LONG], "truncate": False}, 413, "inputs[1]: 72 tokens"),
    ("/v1/models/emb/embed", {"inputs": ["x"] * 9}, 413, "inputs: 9 items"),
    ("/v1/embeddings", {"model": "emb", "input": [[1, 2, 3]]}, 422, "input: token ids"),
    ("/v1/embeddings", {"model": "emb", "input": "x", "encoding_format": "hex"}, 422, "encoding_format"),
    ("/v1/embeddings", {"input": "x"}, 422, "model"),
    ("/rerank", {"query": "x", "texts": []}, 422, "texts"),
    ("/rerank", {"query": "x", "texts": ["y"] * 8}, 413, "texts: 8 texts and the query"),
    ("/v1/embeddings", {"model": "emb", "input": ["x"] * 9}, 413, "input: 9 texts"),
    ("/tokenize", {"inputs": "x", "prompt_name": "query"}, 422, "prompt_name"),
    ("/", {"question": "why?"}, 422, "inputs"),
])
def test_bad_protocol_requests_are_4xx_naming_the_field(proto, path, body, status, field):
    got, out, _ = call(f"{proto.url}{path}", body)
    if path == "/v1/embeddings":  # OpenAI's error shape, which the openai package reads
        assert set(out["error"]) == {"message", "type", "param", "code"}
        out = {"error": out["error"]["message"], "error_type": out["error"]["type"]}
    assert got == status and field in out["error"] and out["error_type"] and "Traceback" not in out["error"]


def test_bad_requests_leave_the_batch_beside_them_answered(proto):
    """Good and bad requests at once, on the same model and route: each good one gets its own answer."""
    emb = proto.model("emb").predictor
    good = [{"inputs": [t]} for t in TEXTS * 4]
    bad = [{"inputs": [LONG], "truncate": False}, {"inputs": ""}, {"inputs": "x", "dimensions": 3}] * 4
    url = f"{proto.url}/v1/models/emb/embed"
    with ThreadPoolExecutor(24) as pool:
        answers = list(pool.map(lambda b: call(url, b), good + bad))
    assert [a[0] for a in answers[len(good):]] == [413, 422, 422] * 4
    for body, (status, vectors, _) in zip(good, answers):
        assert status == 200 and np.allclose(vectors, emb.embed(body["inputs"], normalize=True), atol=1e-5)
