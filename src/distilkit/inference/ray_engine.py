"""Batch classification on Ray Data: the same predictor, one model load per actor, any number of machines.

    distilkit predict runs/emotion --file big.parquet --output out.parquet --engine ray --actors 4

``map_batches`` with an actor pool: each actor loads the model folder once (``load_predictor``) and
classifies the batches Ray streams to it; reading, predicting and writing overlap, and memory stays
bounded by Ray's streaming executor. On one machine ``ray.init()`` starts a local Ray; on a cluster set
``RAY_ADDRESS`` (or ``--ray-address``) and put the model folder and the data where every node can
read them (shared storage, or s3:// paths Ray reads natively). The output is a folder of Parquet
(or JSON Lines) parts; each row keeps its input columns, and the row order is Ray's (blocks finish in
any order): keep an id column to join on.
"""
from __future__ import annotations

import contextlib
import os
from pathlib import Path

from ..errors import DistilkitError
from ..io import PathLock


class ClassifyActor:
    """One per Ray actor: a loaded classifier that adds 'prediction' and 'score' columns to a batch."""

    def __init__(self, model: str, backend: str | None, threads: int | None, text_column: str,
                 text_pair_column: str | None, batch_size: int):
        from . import load_predictor

        self.predictor = load_predictor(model, backend, task="text-classification", threads=threads,
                                        batch_size=batch_size)
        self.text_column, self.text_pair_column = text_column, text_pair_column

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        texts = [str(t) for t in batch[self.text_column]]
        pairs = [str(t) for t in batch[self.text_pair_column]] if self.text_pair_column else None
        best = [p[0] for p in self.predictor.predict(texts, pairs)]
        return {**batch, "prediction": np.array([b["label"] for b in best]),
                "score": np.array([b["score"] for b in best], dtype=np.float64)}


def _read(source: str, ray_data):
    suffix = Path(source).suffix.lower()
    readers = {".parquet": ray_data.read_parquet, ".jsonl": ray_data.read_json, ".csv": ray_data.read_csv}
    if suffix not in readers:
        raise DistilkitError(f"--engine ray reads .parquet, .jsonl or .csv (got {source}): convert the file, or "
                             "drop --engine ray")
    if not Path(source).exists() and "://" not in source:
        raise DistilkitError(f"data file {source} not found: check the path")
    return readers[suffix](source)


def predict_with_ray(model: str, source: str, output: str, text_column: str = "text",
                     text_pair_column: str | None = None, backend: str | None = None, threads: int | None = 1,
                     actors: int = 2, batch_size: int = 64, address: str | None = None,
                     chunk_size: int = 1024) -> dict:
    """Classify every row of ``source`` on Ray; write a folder of parts at ``output``. ``chunk_size`` rows go to an
    actor at a time (Ray's per-batch overhead is amortised over them); ``batch_size`` rows per forward pass."""
    try:
        import ray
        import ray.data
    except ImportError:
        raise DistilkitError("--engine ray needs Ray: pip install 'ray[data]'") from None
    if actors < 1:
        raise DistilkitError(f"--actors {actors}: give at least 1")
    local = address is None and not os.environ.get("RAY_ADDRESS")
    # A local Ray gets a CPU slot per actor thread plus one for reading and writing: with only the machine's
    # cores, actors holding every slot would leave the read tasks waiting forever.
    ray.init(address=address, ignore_reinit_error=True, include_dashboard=False, log_to_driver=False,
             configure_logging=False,
             **({"num_cpus": max(os.cpu_count() or 1, actors * (threads or 1) + 1)} if local else {}))
    ray.data.DataContext.get_current().enable_progress_bars = False
    data = _read(source, ray.data)
    if text_column not in data.columns():
        raise DistilkitError(f"{source}: no column '{text_column}' (columns: {', '.join(data.columns())}): pass "
                             "--text-column")
    folder = str(Path(model).resolve()) if Path(model).exists() else model  # actors may run in another directory
    predicted = data.map_batches(ClassifyActor, fn_constructor_args=(folder, backend, threads, text_column,
                                                                     text_pair_column, batch_size),
                                 batch_size=chunk_size, batch_format="numpy",
                                 compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=threads or 1)
    # A local output folder is locked while Ray writes it (a URL such as s3:// is the store's to arbitrate).
    with PathLock(output, "--output") if "://" not in output else contextlib.nullcontext():
        if output.endswith(".jsonl"):
            predicted.write_json(output)
        else:
            predicted.write_parquet(output)
    return {"output": output, "engine": "ray", "actors": actors}
