#!/usr/bin/env bash
# The test command: set up (if needed), then run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
# One worker per core, one torch thread per worker: the many small tests run side by side (two torch jobs
# with a thread per core each would fight over the cores). `bash scripts/test.sh -n 0` runs in one process.
CORES=$(nproc)
WORKERS=${DISTILKIT_TEST_WORKERS:-$(( CORES < 4 ? CORES : 4 ))}  # each worker holds its own torch and fixtures
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec .venv/bin/python -m pytest -n "$WORKERS" "$@"
