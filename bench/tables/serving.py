"""Serving and batch-inference tables (bench/serve_load.py, serve_protocols.py, ray_batch.py)."""
from __future__ import annotations


def serve_load_table(r: dict) -> list[str]:
    runs = r["runs"]
    lines = [f"{r['clients']} concurrent clients, {r['seconds']:.0f} s per row, single-text classify requests, "
             f"{r['threads']} threads per server; the naive server runs one forward pass per request.", "",
             "| backend | server | requests/s | p50 ms | p99 ms | errors | peak RSS MB |", "|---|---|---|---|---|---|---|"]
    for key, run in runs.items():
        if key.startswith("overload"):
            continue
        backend, _, kind = key.rpartition("_")
        lines.append(f"| {backend} | {'distilkit serve' if kind == 'batched' else 'naive'} | {run['throughput_rps']} | "
                     f"{run['p50_ms']} | {run['p99_ms']} | {run['errors']} | {run['peak_rss_mb']} |")
    m = r["metrics"]
    lines += [""] + [f"- {b}: batched / naive throughput **{m[b + '_throughput_ratio']}x**, p99 ratio "
                     f"{m[b + '_p99_ratio']} (target >= 5x at p99 ratio <= 1)"
                     for b in sorted({k.rpartition('_')[0] for k in runs if not k.startswith('overload')})]
    if "overload_2x_ok" not in m:
        return lines
    lines += ["", "| overload (queue 16) | answered | 429 | 5xx |", "|---|---|---|---|"]
    for factor in (2, 4):
        lines.append(f"| {factor}x the queue in flight | {m[f'overload_{factor}x_ok']} | {m[f'overload_{factor}x_429']} | "
                     f"{m[f'overload_{factor}x_5xx']} |")
    lines += ["", f"After the overload: {m['overload_recovered_ok']} ordinary requests answered, "
              f"{m['overload_recovered_errors']} errors; peak RSS {m['overload_peak_rss_mb']} MB."]
    return lines


def serve_protocols_table(r: dict) -> list[str]:
    m, runs = r["metrics"], r["runs"]
    backends = [k[:-len("_offline")] for k in runs if k.endswith("_offline")]
    lines = [f"Model `{r['model']}`; {r['clients']} concurrent clients, {r['seconds']:.0f} s per row, single-text "
             f"requests, {r['threads']} threads in the server and offline. Offline batch 32: one `embed` call per 32 "
             "consecutive texts (`inference.measure.throughput`, every distilkit benchmark's batch-32 figure and the "
             "target's reference); offline sorted file: every text in one call, sorted by length across the file so "
             "that batches barely pad, which a server that sees only the requests in flight cannot do.", "",
             "| backend | how | texts/s | vs offline | p50 ms | p99 ms | errors |", "|---|---|---|---|---|---|---|"]
    for b in backends:
        lines.append(f"| {b} | offline, batch 32 | {m[b + '_offline_batch32_tps']} | 1.00 | | | |")
        if b + "_offline_sorted_file_tps" in m:
            lines.append(f"| {b} | offline, sorted file | {m[b + '_offline_sorted_file_tps']} | "
                         f"{m[b + '_offline_sorted_file_tps'] / m[b + '_offline_batch32_tps']:.2f} | | | |")
        for route, how in (("embed", "`POST /v1/models/m/embed`"), ("openai", "`POST /v1/embeddings` (OpenAI)")):
            if f"{b}_{route}_throughput_rps" in m:
                lines.append(f"| {b} | {how} | {m[f'{b}_{route}_throughput_rps']} | {m[f'{b}_{route}_vs_offline']:.2f} | "
                             f"{m[f'{b}_{route}_p50_ms']} | {m[f'{b}_{route}_p99_ms']} | {m[f'{b}_{route}_errors']} |")
    return lines + ["", "Target (issue 32): the embed route >= 0.80 of the same backend's offline batch-32 "
                    "throughput, 0 errors."]


def ray_batch_table(r: dict) -> list[str]:
    m, t = r["metrics"], r["timings"]
    return ["| engine | rows | seconds | rows/s |", "|---|---|---|---|",
            f"| single process (`--threads 2`) | {m['rows']} | {t['single_process_s']} | {m['single_process_rows_per_s']} |",
            f"| Ray Data, 2 actors x 1 thread | {m['rows']} | {t['ray_s']} | {m['ray_rows_per_s']} |", "",
            f"Identical labels (joined on id): {m['identical_labels']:.2%}; every row exactly once: "
            f"{'yes' if m['ray_every_row_once'] else 'no'}. Backend {r['backend']}; times include model loading "
            "(and Ray's start-up)."]


SERVING = [("serve_load", "Serving: distilkit serve (dynamic batching) vs a naive server, load test on loopback "
            "(one run)", serve_load_table),
           ("serve_load_clinc", "Serving the CLINC150 3-layer model (151 intents, the distilled student's shape): "
            "distilkit serve vs a naive server (one run)", serve_load_table),
           ("serve_protocols", "Serving embeddings: the embed and OpenAI routes under load vs offline batch-32 "
            "embedding, same backend (one run)", serve_protocols_table),
           ("ray_batch", "Batch inference: Ray Data vs single process on 20,000 rows (one run)", ray_batch_table)]
