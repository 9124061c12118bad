"""The server's QA route for a model that may say the context records none (issue 33): `"answer": null`,
`"no_answer": true`, the best span on request, exactly as the predictor answers; an empty note is a 422."""
from __future__ import annotations

import pytest

from tests.inference.test_no_answer import CONTEXT, QUESTION, qa_folder
from tests.serve.conftest import Running, call


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from distilkit.serve import ModelSpec, ServeSettings, load_models

    folder = qa_folder(tmp_path_factory.mktemp("serve-noans"), -1.0)
    running = Running(load_models([ModelSpec("notes", folder)], ServeSettings()), ServeSettings())
    yield running
    running.stop()


def test_a_no_answer_is_null_and_the_best_span_comes_on_request(server):
    qa = server.model("notes").predictor
    url = f"{server.url}/v1/models/notes/qa"
    status, out, _ = call(url, {"question": QUESTION, "context": CONTEXT})
    assert status == 200 and out == qa.predict([QUESTION], [CONTEXT])[0][0]
    assert out["answer"] is None and out["no_answer"] is True and out["start"] is None and "best_span" not in out
    status, out, _ = call(url, {"question": [QUESTION, QUESTION], "context": [CONTEXT, "a red car"],
                                "best_span": True, "top_k": 2})
    assert status == 200 and [o[0]["best_span"]["answer"] for o in out] == [o[1]["answer"] for o in out]
    assert out == qa.predict([QUESTION] * 2, [CONTEXT, "a red car"], top_k=2, best_span=True)


@pytest.mark.parametrize("body, field", [({"question": QUESTION, "context": ""}, "context"),
                                         ({"question": QUESTION, "context": "   "}, "context"),
                                         ({"question": QUESTION, "context": CONTEXT, "best_span": "yes"}, "best_span")])
def test_an_empty_note_or_a_bad_flag_is_a_422_naming_the_field(server, body, field):
    status, out, _ = call(f"{server.url}/v1/models/notes/qa", body)
    assert status == 422 and field in out["error"]
