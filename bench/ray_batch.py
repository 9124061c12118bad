"""Ray batch inference against single-process `distilkit predict --file` on the same 20,000 rows, in one run.

    python bench/ray_batch.py --model bench/work/emotion [--rows 20000] [--backend onnx-int8]

Input: the emotion train, validation and test texts (20,000 rows) as Parquet. Single process: `distilkit
predict --file in.parquet --output out.parquet --threads 2`. Ray: the same with `--engine ray --actors 2`
(one thread per actor: the same 2 cores). Both are the real CLI in a child process, timed from start to
finish (model loading and Ray start-up included, as a user waits for them). Reported: rows/s of each and
the share of identical labels, joined on the id column (target: all).
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, write_result  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "emotion"


def run(args: list[str]) -> float:
    cmd = [sys.executable, "-m", "distilkit.cli", *args]
    print("$", " ".join(cmd), flush=True)
    started = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--backend", default="onnx",
                        help="fp32: int8's dynamic quantisation scales activations per batch, so its labels depend "
                             "on which rows share a batch, and the two engines batch differently")
    args = parser.parse_args()
    work = ROOT / "bench" / "work" / "ray_batch"
    work.mkdir(parents=True, exist_ok=True)
    texts = [line.rsplit(";", 1)[0] for name in ("train.txt", "val.txt", "test.txt")
             for line in (DATA / name).read_text().splitlines() if line.strip()][:args.rows]
    source = work / "in.parquet"
    pq.write_table(pa.table({"id": list(range(len(texts))), "text": texts}), source)
    single_out, ray_out = work / "single.parquet", work / "ray"
    for old in (single_out,):
        old.unlink(missing_ok=True)
    subprocess.run(["rm", "-rf", str(ray_out)], check=True)
    common = ["predict", args.model, "--file", str(source), "--backend", args.backend, "--batch-size", "64"]
    single_s = run(common + ["--output", str(single_out), "--threads", "2"])
    ray_s = run(common + ["--output", str(ray_out), "--engine", "ray", "--actors", "2", "--threads", "1"])
    single = pq.read_table(single_out).to_pydict()
    ray = pq.read_table(ray_out).to_pydict()
    by_id = dict(zip(ray["id"], ray["prediction"]))  # Ray's row order is its own: join on the id column
    same = sum(by_id.get(i) == p for i, p in zip(single["id"], single["prediction"])) / len(texts)
    complete = sorted(ray["id"]) == single["id"]
    metrics = {"rows": len(texts), "single_process_rows_per_s": round(len(texts) / single_s, 1),
               "ray_rows_per_s": round(len(texts) / ray_s, 1), "ray_vs_single": round(single_s / ray_s, 2),
               "identical_labels": round(same, 5), "ray_every_row_once": int(complete)}
    print(metrics)
    write_result("ray_batch", {"dataset": f"{DATA} train+val+test texts ({len(texts)} rows)", "split": "all",
                               "model": args.model, "backend": args.backend, "metrics": metrics,
                               "timings": {"single_process_s": round(single_s, 1), "ray_s": round(ray_s, 1)}})


if __name__ == "__main__":
    main()
