"""docs/playground.png: the playground page with a real model, in headless Chromium.

    .venv/bin/python scripts/playground_screenshot.py --model emotion=runs/emotion --text "i feel so happy today"
"""
from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    import uvicorn

    from distilkit.serve import ModelSpec, ServeSettings, create_app, load_models
    sys.path.insert(0, str(ROOT))  # the launcher is test code (tests/serve/browser.py), not the package's
    from tests.serve.browser import launch

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", action="append", required=True, help="NAME=PATH (repeatable; the first is shown)")
    parser.add_argument("--text", required=True)
    parser.add_argument("--labels", default=None, help="for a zero-shot model")
    parser.add_argument("--output", default=str(ROOT / "docs" / "playground.png"))
    args = parser.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ServeSettings(port=port)
    models = load_models([ModelSpec.parse(m) for m in args.model], settings)
    server = uvicorn.Server(uvicorn.Config(create_app(models, settings), host="127.0.0.1", port=port,
                                          log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with launch() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 760})
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("body[data-ready='1']")
        page.select_option("#model", models[0].name)
        page.fill("#text", args.text)
        if args.labels:
            page.fill("#labels", args.labels)
        page.click("#submit")
        page.wait_for_selector("#result .row, #result .answer")
        page.screenshot(path=args.output)
    server.should_exit = True
    print(f"wrote {args.output}")


if __name__ == "__main__":
    sys.exit(main())
