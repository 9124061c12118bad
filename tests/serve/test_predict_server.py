"""`distilkit predict --server URL` (issue 31, item 4): the texts answered by a running `distilkit serve`, printed
as a local run prints them, with the model named as the server names it or by its folder; every misuse is one
line with exit code 2, and the CLI imports no model library on this path."""
from __future__ import annotations

import json
import subprocess
import sys

from distilkit.cli import main
from tests.conftest import ROOT
from tests.serve.conftest import Running

TEXTS = ["a wonderful happy day", "an awful sad movie"]


def _printed(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


def test_predict_asks_the_running_server_and_prints_what_a_local_run_prints(server, capsys):
    toy = server.model("toy")
    expected = [{"text": t, "predictions": p} for t, p in zip(TEXTS, toy.predictor.predict(TEXTS, top_k=2))]
    assert main(["predict", "toy", *TEXTS, "--server", server.url, "--top-k", "2"]) == 0
    assert _printed(capsys) == expected
    assert main(["predict", toy.folder, TEXTS[0], "--server", server.url + "/"]) == 0  # by folder
    assert _printed(capsys) == [{"text": TEXTS[0], "predictions": toy.predictor.predict([TEXTS[0]])[0]}]


def test_predict_server_misuse_is_one_line_with_exit_code_2(server, served_models, tmp_path, capsys):
    cases = [(["predict", "nope", "x", "--server", server.url], "serves no such model (it serves: toy"),
             (["predict", "nli", "x", "--server", server.url], "as a zero-shot-classification model"),
             (["predict", "toy", "x", "--server", server.url, "--backend", "onnx"], "--backend: runs the model here"),
             (["predict", "toy", "--file", str(tmp_path / "in.jsonl"), "--server", server.url], "--file: runs"),
             (["predict", "toy", "x", "--server", "127.0.0.1:8000"], "give the server's address"),
             (["predict", "toy", "x", "--server", "http://127.0.0.1:9"], "no answer"),
             (["predict", "toy", "x", "--server", server.url, "--server-timeout-s", "0"], "--server-timeout-s 0")]
    for argv, expected in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert expected in err and err.count("\n") == 1, (argv, err)

    from distilkit.serve import ServeSettings

    guarded = Running(served_models, ServeSettings(api_key="s3cret"))
    try:
        assert main(["predict", "toy", "x", "--server", guarded.url]) == 2
        assert "401 missing or wrong API key" in capsys.readouterr().err
        assert main(["predict", "toy", "x", "--server", guarded.url, "--api-key", "s3cret"]) == 0
        assert _printed(capsys)[0]["text"] == "x"
    finally:
        guarded.stop()


def test_the_server_path_imports_no_model_library(server):
    """What makes it fast: a fresh `distilkit predict --server` process never imports torch or transformers."""
    code = ("import sys; from distilkit.cli import main; code = main(['predict', 'toy', 'a good day', '--server', "
            f"'{server.url}']); print([m for m in ('torch', 'transformers', 'onnxruntime') if m in sys.modules]); "
            "sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert json.loads(lines[0])["text"] == "a good day" and lines[-1] == "[]"
