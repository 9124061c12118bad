#!/usr/bin/env bash
# Create .venv (if missing) and install distilkit with pinned dependencies (constraints.txt) and the extras that
# the tests and the docs use. Idempotent: it installs again only when pyproject.toml or constraints.txt changed
# since the last install (a hash of both is kept in .venv/.installed) or the install is broken.
# Needs no root and no browser (scripts/test.sh installs the one the playground test drives).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
WANT=$(cat pyproject.toml constraints.txt | .venv/bin/python -c \
  "import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())")
if [ "$(cat .venv/.installed 2>/dev/null)" != "$WANT" ] || \
   ! .venv/bin/python -c "import distilkit, pytest, mkdocs" 2>/dev/null; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[test,search,onnx,serve,ray,docs]"
  echo "$WANT" > .venv/.installed
fi
