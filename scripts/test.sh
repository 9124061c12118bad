#!/usr/bin/env bash
# The test command: set up (if needed), install the browser the playground test drives where this machine
# allows it, then run the whole suite (the docs build, `mkdocs build --strict`, is one of its tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false

# The playground test (tests/serve/test_playground.py) drives Debian's Chromium through playwright, whose own
# browser download needs a network this project cannot count on. Installed here where it can be: apt-get as
# root, or through passwordless sudo. Otherwise one line says why, and the test skips with that same line
# (DISTILKIT_NO_BROWSER, shown by pytest -ra); in CI (CI=true) it fails instead. DISTILKIT_CHROMIUM names
# another browser (a path or a command).
BROWSER=${DISTILKIT_CHROMIUM:-chromium}
if ! command -v "$BROWSER" >/dev/null 2>&1; then
  SUDO="" WHY=""
  if ! command -v apt-get >/dev/null 2>&1; then
    WHY="no apt-get"
  elif [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
      WHY="not root and no passwordless sudo to apt-get install chromium"; fi
  fi
  if [ -z "$WHY" ]; then
    echo "installing Debian's chromium for the playground browser test (apt-get install chromium) ..." >&2
    LOG=$(mktemp)
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium; } \
        >"$LOG" 2>&1; then
      LAST=$(grep -v '^[[:space:]]*$' "$LOG" | tail -n 1 || true)
      WHY="apt-get install chromium failed (${LAST:-no message})"
    elif ! command -v "$BROWSER" >/dev/null 2>&1; then
      WHY="chromium was installed but '$BROWSER' is not on PATH"
    fi
    rm -f "$LOG"
  fi
  if [ -n "$WHY" ]; then
    TEST="the playground browser test (tests/serve/test_playground.py)"
    case "${CI:-}" in
      ""|0|false) export DISTILKIT_NO_BROWSER="$WHY: $TEST is skipped; install chromium to run it" ;;
      *) export DISTILKIT_NO_BROWSER="$WHY: $TEST fails in CI; install chromium there" ;;
    esac
    echo "$DISTILKIT_NO_BROWSER" >&2
  fi
fi

# One worker per core, one torch thread per worker: the many small tests run side by side (two torch jobs
# with a thread per core each would fight over the cores). `bash scripts/test.sh -n 0` runs in one process.
CORES=$(nproc)
WORKERS=${DISTILKIT_TEST_WORKERS:-$(( CORES < 4 ? CORES : 4 ))}  # each worker holds its own torch and fixtures
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-1}
exec .venv/bin/python -m pytest -n "$WORKERS" "$@"
