"""The naive server the load test compares against: the same model, backend and threads, one request = one
forward pass, no batching, written the way a FastAPI tutorial writes it (a sync endpoint, so FastAPI runs
each request in its thread pool). Not part of distilkit: a baseline for bench/serve_load.py.

    python bench/serve_naive.py MODEL --port 8001 [--backend onnx-int8] [--threads 2]
"""
from __future__ import annotations

import argparse

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

from distilkit import load_predictor


class Body(BaseModel):
    inputs: str


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    predictor = load_predictor(args.model, args.backend, task="text-classification", threads=args.threads)
    app = FastAPI()

    @app.post("/v1/models/{name}/classify")
    def classify(name: str, body: Body):
        return predictor.predict([body.inputs])[0]

    @app.get("/health")
    def health():
        return {"status": "ready"}

    print("ready", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
