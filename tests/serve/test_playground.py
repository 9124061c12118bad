"""The playground page in a real headless Chromium (Debian's, driven by playwright): pick a model, type,
submit, see the scores or the highlighted answer, read the card. Never a silent skip: without Chromium the
tests skip with the one line scripts/test.sh printed when it could not install it (shown by pytest -ra), and
in CI (CI set), where the browser must be there, they fail instead."""
from __future__ import annotations

import os

import pytest

from tests.inference.test_embedding_zero_shot import st_model  # noqa: F401  (a session fixture)
from tests.serve.browser import chromium, launch, missing_reason
from tests.serve.conftest import call

IN_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
# Decided before any fixture runs (the session's model fixtures are set up before module ones): a machine
# without the browser skips these tests before loading a model, with the reason scripts/test.sh printed.
pytestmark = pytest.mark.skipif(chromium() is None and not IN_CI, reason=missing_reason())


@pytest.fixture(scope="module")
def browser():
    if chromium() is None:  # only in CI, where the browser must be there
        pytest.fail(f"CI must run the playground browser test: {missing_reason()}")
    with launch() as browser:  # one browser per module: playwright's sync API runs one at a time per thread
        yield browser


@pytest.fixture(scope="module")
def page(browser, server):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(server.url + "/")
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)
    yield page


def test_classify_zero_shot_and_qa_in_the_browser(page, server):
    # classification: bars for the labels, best first, as the API answers
    page.select_option("#model", "toy")
    page.wait_for_selector("#card h1, #card h2", timeout=10_000)
    page.fill("#text", "a wonderful happy day")
    page.click("#submit")
    page.wait_for_selector("#result .row", timeout=10_000)
    shown = page.locator("#result .row span:first-child").all_inner_texts()
    expected = call(f"{server.url}/v1/models/toy/classify", {"inputs": "a wonderful happy day", "top_k": 5})[1]
    assert shown == [p["label"] for p in expected]

    # zero-shot: the labels field appears; every candidate gets a bar
    page.select_option("#model", "nli")
    assert page.is_visible("#labels") and not page.is_visible("#question")
    page.fill("#text", "the match went to extra time")
    page.fill("#labels", "sports, politics, cooking")
    page.click("#submit")
    page.wait_for_selector("#result .row", timeout=10_000)
    shown = page.locator("#result .row span:first-child").all_inner_texts()
    expected = call(f"{server.url}/v1/models/nli/zero-shot", {"inputs": "the match went to extra time",
                                                              "labels": ["sports", "politics", "cooking"]})[1]
    assert shown == expected["labels"]

    # QA: the answer is highlighted inside the context
    page.select_option("#model", "qa")
    assert page.is_visible("#question")
    context = "the car was parked near the blue house"
    page.fill("#question", "what color is it?")
    page.fill("#text", context)
    page.click("#submit")
    page.wait_for_selector("#result .answer", timeout=10_000)
    answer = call(f"{server.url}/v1/models/qa/qa", {"question": "what color is it?", "context": context})[1]
    assert page.inner_text("#result mark") == answer["answer"] == context[answer["start"]:answer["end"]]

    # an error is shown, not thrown: an empty label list
    page.select_option("#model", "nli")
    page.fill("#text", "anything")
    page.fill("#labels", " , ")
    page.click("#submit")
    page.wait_for_selector("#result .error", timeout=10_000)
    assert "labels" in page.inner_text("#result .error")


def test_the_page_asks_for_the_api_key_and_then_works(browser, served_models):
    from distilkit.serve import ServeSettings
    from tests.serve.conftest import Running

    running = Running(served_models, ServeSettings(api_key="s3cret"))
    try:
        page = browser.new_page()
        page.goto(running.url + "/")
        page.wait_for_selector("#card .error", timeout=15_000)
        assert "API key" in page.inner_text("#card .error") and page.is_visible("#api-key")
        page.fill("#api-key", "s3cret")
        page.dispatch_event("#api-key", "change")
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        page.fill("#text", "a wonderful happy day")
        page.click("#submit")
        page.wait_for_selector("#result .row", timeout=10_000)
    finally:
        running.stop()


def test_an_embedding_model_ranks_sentences_and_classifies_zero_shot(browser, st_model):  # noqa: F811
    """A sentence-embedding folder offers two routes: embed (the other lines ranked by cosine to the first, as
    the API's vectors give) and zero-shot."""
    import numpy as np

    from distilkit.serve import ModelSpec, ServeSettings, load_models
    from tests.serve.conftest import Running

    running = Running(load_models([ModelSpec("emb", st_model)], ServeSettings()), ServeSettings())
    try:
        page = browser.new_page()
        page.goto(running.url + "/")
        page.wait_for_selector("body[data-ready='1']", timeout=15_000)
        assert page.is_visible("#task") and "embeddings" in page.inner_text("#model-meta")
        page.select_option("#task", "feature-extraction")
        assert not page.is_visible("#labels")
        lines = ["the match went to extra time", "rates rose again", "a goal in the last minute", "rain all week"]
        page.fill("#text", "\n".join(lines))
        page.click("#submit")
        page.wait_for_selector("#result .row", timeout=10_000)
        vectors = np.array(call(f"{running.url}/v1/models/emb/embed", {"inputs": lines})[1])
        cosines = vectors[1:] @ vectors[0]
        expected = [lines[1 + i] for i in np.argsort(-cosines)]
        assert page.locator("#result .row span:first-child").all_inner_texts() == expected

        page.select_option("#task", "zero-shot-classification")
        assert page.is_visible("#labels")
        page.fill("#text", lines[0])
        page.fill("#labels", "sports, finance")
        page.click("#submit")
        page.wait_for_function("document.querySelectorAll('#result .row').length == 2", timeout=10_000)
    finally:
        running.stop()
