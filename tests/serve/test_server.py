"""distilkit serve through the real HTTP stack on loopback: answers equal the predictors', concurrent requests
share batches, every limit and bad body is a 4xx JSON error naming the field, overload gives 429s and the
server recovers, the API key guards /v1, /health answers while the model computes, SIGTERM finishes in-flight
requests and exits 0, and start-up failures are one line with exit code 2."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest

from distilkit.cli import main
from tests.conftest import ROOT
from tests.serve.conftest import Running, call, free_port

TEXTS = ["a wonderful happy day", "an awful sad movie", "really quite good food today"]


def test_each_route_answers_as_its_predictor(server):
    toy, nli, qa = (server.model(n).predictor for n in ("toy", "nli", "qa"))
    status, out, _ = call(f"{server.url}/v1/models/toy/classify", {"inputs": TEXTS[0], "top_k": 2})
    assert status == 200 and out == toy.predict([TEXTS[0]], top_k=2)[0]
    status, out, _ = call(f"{server.url}/v1/models/toy/classify", {"inputs": TEXTS})
    assert status == 200 and out == toy.predict(TEXTS)
    status, out, _ = call(f"{server.url}/v1/models/toy/classify", {"inputs": [["a good day", "happy"]]})
    assert status == 200 and out == toy.predict(["a good day"], ["happy"])

    labels = ["joy", "finance", "sports"]
    status, out, _ = call(f"{server.url}/v1/models/nli/zero-shot", {"inputs": TEXTS, "labels": labels})
    assert status == 200 and out == nli.predict(TEXTS, labels)
    body = {"inputs": TEXTS[1], "labels": labels, "multi_label": True, "hypothesis_template": "It is about {}."}
    status, out, _ = call(f"{server.url}/v1/models/nli/zero-shot", body)
    assert status == 200 and out == nli.predict([TEXTS[1]], labels, multi_label=True,
                                                 hypothesis_template="It is about {}.")[0]

    context = "the car was parked near the red house"
    status, out, _ = call(f"{server.url}/v1/models/qa/qa", {"question": "what color is it?", "context": context})
    expected = qa.predict(["what color is it?"], [context])[0][0]
    assert status == 200 and out == expected and context[out["start"]:out["end"]] == out["answer"]

    status, out, _ = call(f"{server.url}/v1/models")
    assert status == 200
    kinds = {m["name"]: (m["task"], m["route"]) for m in out["models"]}
    assert kinds == {"toy": ("text-classification", "/v1/models/toy/classify"),
                     "nli": ("zero-shot-classification", "/v1/models/nli/zero-shot"),
                     "qa": ("question-answering", "/v1/models/qa/qa")}
    status, card, _ = call(f"{server.url}/v1/models/toy/card")
    assert status == 200 and ("<h1>" in card["html"] or "<h2>" in card["html"])
    assert call(f"{server.url}/health")[:2] == (200, {"status": "ready", "models": ["toy", "nli", "qa"]})
    status, text, _ = call(f"{server.url}/metrics")
    assert status == 200 and 'distilkit_requests_total{model="toy",route="classify",status="200"}' in text
    assert call(f"{server.url}/docs")[0] == 200 and call(f"{server.url}/openapi.json")[0] == 200


def _metric(text: str, name: str) -> float:
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith(name))


def test_concurrent_requests_are_answered_in_shared_batches(served_models):
    from distilkit.serve import ServeSettings

    running = Running(served_models, ServeSettings(max_wait_ms=200))
    try:
        texts = [f"{TEXTS[i % 3]} {'very ' * (i % 7)}" for i in range(24)]
        with ThreadPoolExecutor(24) as pool:
            answers = list(pool.map(lambda t: call(f"{running.url}/v1/models/toy/classify", {"inputs": t}), texts))
        assert all(status == 200 for status, _, _ in answers)
        assert [out for _, out, _ in answers] == [p for p in running.model("toy").predictor.predict(texts)]
        metrics = call(f"{running.url}/metrics")[1]
        batches = _metric(metrics, 'distilkit_batch_size_count{model="toy"}')
        assert _metric(metrics, 'distilkit_batch_size_sum{model="toy"}') == 24
        assert batches < 12, f"24 concurrent requests ran in {batches} batches"  # shared, not one pass each
    finally:
        running.stop()


@pytest.mark.parametrize("path, body, status, field", [
    ("/v1/models/nope/classify", {"inputs": "x"}, 404, "toy, nli, qa"),
    ("/v1/models/toy/zero-shot", {"inputs": "x", "labels": ["a"]}, 400, "text-classification model"),
    ("/v1/models/nli/qa", {"question": "q", "context": "c"}, 400, "zero-shot-classification model"),
    ("/v1/models/toy/classify", {"text": "x"}, 422, "inputs"),
    ("/v1/models/toy/classify", {"inputs": 3}, 422, "inputs"),
    ("/v1/models/toy/classify", {"inputs": []}, 422, "inputs: empty list"),
    ("/v1/models/toy/classify", {"inputs": ["ok", " "]}, 422, "inputs[1]: empty text"),
    ("/v1/models/toy/classify", {"inputs": "x", "top_k": 0}, 422, "top_k"),
    ("/v1/models/toy/classify", {"inputs": [["only one"]]}, 422, "pairs of two"),
    ("/v1/models/toy/classify", {"inputs": ["t"] * 9}, 413, "limit of 8"),
    ("/v1/models/nli/zero-shot", {"inputs": "x"}, 422, "labels"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "labels": []}, 422, "labels"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "labels": ["a", "a"]}, 422, "labels"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "labels": ["a", ""]}, 422, "labels"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "labels": list("abcdef")}, 413, "limit of 5"),
    ("/v1/models/nli/zero-shot", {"inputs": "x", "labels": ["a"], "hypothesis_template": "no slot"}, 422,
     "hypothesis_template"),
    ("/v1/models/qa/qa", {"question": "what?"}, 422, "context"),
    ("/v1/models/qa/qa", {"question": ["a", "b"], "context": ["c"]}, 422, "one per question"),
])
def test_bad_requests_are_4xx_json_naming_the_field(server, path, body, status, field):
    got, out, _ = call(server.url + path, body)
    assert got == status, out
    assert set(out) == {"error", "error_type"} and field in out["error"], out
    assert "Traceback" not in out["error"] and "\n" not in out["error"]


def test_malformed_bodies_and_size_limits(server):
    status, out, _ = call(f"{server.url}/v1/models/toy/classify", raw=b'{"inputs": "x"')
    assert status == 422 and "not valid JSON" in out["error"]
    status, out, _ = call(f"{server.url}/v1/models/toy/classify", raw=b"x" * 30_000)
    assert status == 413 and out["error_type"] == "payload_too_large"
    long = "a wonderful day " * 100  # 1,600 characters: cut to 400 by default
    status, out, _ = call(f"{server.url}/v1/models/toy/classify", {"inputs": long})
    assert status == 200 and out == server.model("toy").predictor.predict([long[:400]])[0]


def test_long_texts_rejected_when_asked_and_api_key_guards_v1(served_models):
    from distilkit.serve import ServeSettings

    running = Running(served_models, ServeSettings(max_text_chars=50, long_text="reject", api_key="s3cret"))
    try:
        url = f"{running.url}/v1/models/toy/classify"
        status, out, _ = call(url, {"inputs": "x"})
        assert status == 401 and out["error_type"] == "unauthorized"
        assert call(url, {"inputs": "x"}, headers={"Authorization": "Bearer wrong"})[0] == 401
        status, out, _ = call(url, {"inputs": "y" * 60}, headers={"Authorization": "Bearer s3cret"})
        assert status == 413 and "inputs: 60 characters" in out["error"]
        assert call(url, {"inputs": "fine"}, headers={"X-API-Key": "s3cret"})[0] == 200
        assert call(f"{running.url}/health")[0] == 200 and call(f"{running.url}/metrics")[0] == 200
    finally:
        running.stop()


@contextmanager
def slowed(predictor, seconds: float):
    """The predictor takes ``seconds`` longer per batch while inside the block."""
    original = predictor.predict

    def slow(*args, **kwargs):
        time.sleep(seconds)
        return original(*args, **kwargs)
    predictor.predict = slow
    try:
        yield
    finally:
        predictor.predict = original


def test_overload_gives_only_429s_beyond_the_queue_and_recovers(served_models):
    from distilkit.serve import ServeSettings

    running = Running(served_models, ServeSettings(queue_size=4, max_batch_size=1))
    try:
        with slowed(running.model("toy").predictor, 0.15), ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda i: call(f"{running.url}/v1/models/toy/classify", {"inputs": TEXTS[i % 3]}),
                                    range(16)))
        statuses = [s for s, _, _ in answers]
        assert set(statuses) == {200, 429} and statuses.count(200) >= 5, statuses
        refused = [(out, head) for s, out, head in answers if s == 429]
        assert all(out["error_type"] == "overloaded" and head.get("retry-after") == "1" for out, head in refused)
        assert call(f"{running.url}/v1/models/toy/classify", {"inputs": "back to normal"})[0] == 200
        metrics = call(f"{running.url}/metrics")[1]
        assert _metric(metrics, 'distilkit_errors_total{error_type="overloaded",model="toy"}') == len(refused)
    finally:
        running.stop()


def test_health_and_metrics_answer_while_the_model_computes(served_models):
    from distilkit.serve import ServeSettings

    running = Running(served_models, ServeSettings())
    try:
        with slowed(running.model("toy").predictor, 2.5):  # blocked, the probes would wait >= 2.2 s
            busy = threading.Thread(target=call, args=(f"{running.url}/v1/models/toy/classify", {"inputs": "x"}))
            busy.start()
            time.sleep(0.3)
            start = time.perf_counter()
            assert call(f"{running.url}/health")[0] == 200 and call(f"{running.url}/metrics")[0] == 200
            assert time.perf_counter() - start < 1.2  # margin for a busy CI machine, far below 2.2
            busy.join()
    finally:
        running.stop()


def test_start_up_errors_are_one_line_with_exit_code_2(tmp_path, toy_runs, capsys):
    with __import__("socket").socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        assert main(["serve", str(toy_runs["bert"][0]), "--port", str(port)]) == 2
        assert f"--port {port}" in capsys.readouterr().err
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    assert main(["serve", "--model", f"bad={tmp_path / 'broken'}", "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: model 'bad'") and err.count("\n") == 1
    assert main(["serve", str(toy_runs["bert"][0]), "--backend", "other=onnx", "--port", str(free_port())]) == 2
    assert "no model named 'other'" in capsys.readouterr().err
    assert main(["serve", str(toy_runs["bert"][0]), "--long-text", "cut", "--port", str(free_port())]) == 2
    assert "long_text" in capsys.readouterr().err
    assert main(["serve"]) == 2


def test_sigterm_finishes_in_flight_requests_and_exits_0(toy_runs):
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen([sys.executable, "-m", "distilkit.cli", "serve", f"toy={toy_runs['bert'][0]}",
                                "--port", str(port), "--max-wait-ms", "1500"], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while True:
            try:
                if call(f"{url}/health", timeout=1)[0] == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None and time.time() < deadline, process.stderr.read()
            time.sleep(0.2)
        result = {}
        waiting = threading.Thread(target=lambda: result.update(
            answer=call(f"{url}/v1/models/toy/classify", {"inputs": "a happy day"})))
        waiting.start()
        time.sleep(0.5)  # the request now waits in the batcher (max_wait 1.5 s)
        process.send_signal(signal.SIGTERM)
        waiting.join(30)
        assert result["answer"][0] == 200 and result["answer"][1][0]["label"] == "pos"  # "happy": a toy pos word
        assert process.wait(30) == 0
        assert "serving toy" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
