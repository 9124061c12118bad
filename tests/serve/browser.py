"""Headless Chromium for the playground's test (tests/serve/test_playground.py) and its screenshot
(scripts/playground_screenshot.py): Debian's browser driven by playwright (its own browser download needs a
network this project cannot count on). Test-only code, so it lives in tests/, not in the package.

Where the browser is: ``DISTILKIT_CHROMIUM`` (a path or a command name), else ``chromium`` on PATH, the same
rule scripts/test.sh uses when it decides whether to install it. The flags keep Chromium from calling out
(background networking, updates, sync), which a closed network refuses many times a second."""
from __future__ import annotations

import os
import shutil
from contextlib import contextmanager

FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]
NO_BROWSER_ENV = "DISTILKIT_NO_BROWSER"
"""Set by scripts/test.sh to the one line it printed when it could not install Chromium: the skip reason."""


def chromium() -> str | None:
    """The Chromium executable, or None when there is none."""
    return shutil.which(os.environ.get("DISTILKIT_CHROMIUM") or "chromium")


def missing_reason() -> str:
    """Why the browser test cannot run: scripts/test.sh's own line when it ran, else a line of the same form."""
    return os.environ.get(NO_BROWSER_ENV) or (
        f"no chromium ({os.environ.get('DISTILKIT_CHROMIUM') or 'chromium'} is not on PATH): the playground browser "
        "test (tests/serve/test_playground.py) is skipped; install chromium to run it (bash scripts/test.sh does, "
        "as root or with passwordless sudo)")


@contextmanager
def launch():
    """A playwright Browser on Debian's Chromium, closed on exit."""
    from playwright.sync_api import sync_playwright

    path = chromium()
    if path is None:
        raise RuntimeError(missing_reason())
    with sync_playwright() as p:  # playwright gives the browser a fresh, temporary profile
        browser = p.chromium.launch(executable_path=path, headless=True, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()
