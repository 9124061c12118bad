"""Model names: a hub id on a machine without the hub fails in seconds with one line, not after a minute
of retries."""
from __future__ import annotations

import pytest

from .conftest import one_line_error


@pytest.fixture
def fresh_state(monkeypatch):
    from distilkit import models

    monkeypatch.setattr(models, "_HUB_STATE", {})
    return models


def test_offline_flag_fails_without_touching_the_network(fresh_state, monkeypatch):
    import socket

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: pytest.fail("the network was tried"))
    message = one_line_error(fresh_state.resolve_model, "some-org/no-such-model")
    assert "'some-org/no-such-model'" in message and "hub is not reachable" in message and "minilm-l6" in message


def test_unreachable_hub_fails_fast(fresh_state, monkeypatch):
    import socket

    from huggingface_hub import constants

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    for proxy in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(proxy, raising=False)
    calls = []

    def refuse(address, timeout=None):
        calls.append((address, timeout))
        raise OSError("unreachable")

    monkeypatch.setattr(socket, "create_connection", refuse)
    message = one_line_error(fresh_state.load_tokenizer, "distilbert-base-uncased")
    assert "hub is not reachable" in message and calls and calls[0][1] <= 3
    one_line_error(fresh_state.resolve_model, "bert-base-uncased")
    assert len(calls) == 1  # asked once per process
