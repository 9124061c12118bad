"""Headless Chromium for the playground's test and screenshot: Debian's browser driven by playwright (its
own browser download needs a network this project cannot count on). The flags keep Chromium from calling
out (background networking, updates, sync), which a closed network refuses many times a second."""
from __future__ import annotations

import os
from contextlib import contextmanager

CHROMIUM = os.environ.get("DISTILKIT_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]


@contextmanager
def launch():
    """A playwright Browser on Debian's Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:  # playwright gives the browser a fresh, temporary profile
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
